/**
 * The sweep's self-check: is the guard still wired up? The adapters (functions/aws/self-check-reads.ts) read the
 * stack's own resources; findDrift decides, from what they read, what has drifted. Each observation carries what it
 * should be (the target, the event sources), so the checks are data and the decision is one pure function.
 */
import type { DriftFinding, SelfCheckSummary } from './digest-schema.js';

export const SELF_CHECKS = ['attach-rule', 'sweep-schedule', 'alert-subscription', 'trail', 'alert-key'] as const;
export type SelfCheckName = (typeof SELF_CHECKS)[number];

/** The metric the sweep emits every run: the number of drift findings, 0 when clean. */
export const SELF_CHECK_METRIC = 'SelfCheckDrift';

export type { DriftFinding, SelfCheckSummary };

/** A read that failed for a reason other than "it does not exist" (AccessDenied, throttling after retries, ...). */
export interface ReadFailure {
  readonly code: string;
  readonly message: string;
}

/** What a read found: `null` when the resource does not exist. */
export type Read<T> =
  | { readonly ok: true; readonly value: T | null }
  | { readonly ok: false; readonly failure: ReadFailure };

/** A basic event selector, as GetEventSelectors returns it (absent fields take CloudTrail's defaults). */
export interface BasicSelector {
  readonly readWriteType?: string;
  readonly includeManagementEvents?: boolean;
  readonly excludeManagementEventSources?: readonly string[];
}

/** One field condition of an advanced event selector. */
export interface FieldSelector {
  readonly field: string;
  readonly equals?: readonly string[];
  readonly notEquals?: readonly string[];
  readonly startsWith?: readonly string[];
  readonly notStartsWith?: readonly string[];
  readonly endsWith?: readonly string[];
  readonly notEndsWith?: readonly string[];
}

export interface TrailState {
  readonly isLogging: boolean;
  readonly eventSelectors: readonly BasicSelector[];
  /** Each selector's field conditions (its name is left out: it decides nothing). */
  readonly advancedEventSelectors: readonly (readonly FieldSelector[])[];
}

export type Observation =
  | {
      readonly check: 'attach-rule';
      readonly resource: string;
      readonly target: string;
      readonly read: Read<{ readonly state: string; readonly targetArns: readonly string[] }>;
    }
  | { readonly check: 'sweep-schedule'; readonly resource: string; readonly read: Read<{ readonly state: string }> }
  | {
      readonly check: 'alert-subscription';
      readonly resource: string;
      readonly read: Read<{ readonly subscriptionArns: readonly string[] }>;
    }
  /** `sources`: the event sources whose write management events the guard needs the trail to record. */
  | {
      readonly check: 'trail';
      readonly resource: string;
      readonly sources: readonly string[];
      readonly read: Read<TrailState>;
    }
  | {
      readonly check: 'alert-key';
      readonly resource: string;
      readonly read: Read<{ readonly keyState: string; readonly deletionDate: string | null }>;
    };

const NOT_FOUND: Record<SelfCheckName, string> = {
  'attach-rule': 'the rule does not exist: no attach event reaches attach-guard',
  'sweep-schedule': 'the schedule does not exist: the sweep does not run',
  'alert-subscription': 'the alert topic does not exist: alerts and digests go nowhere',
  trail: 'the trail does not exist',
  'alert-key': 'the key does not exist: the alert topic and the dead-letter queue cannot be used',
};

/** The drift in what was read: one finding per problem, none when everything is as deployed. */
export function findDrift(observations: readonly Observation[]): DriftFinding[] {
  return observations.flatMap((o) => {
    const problem = (text: string): DriftFinding => ({ check: o.check, resource: o.resource, problem: text });
    if (!o.read.ok) return [problem(`cannot be read: ${o.read.failure.code}: ${o.read.failure.message}`)];
    if (o.read.value === null) return [problem(NOT_FOUND[o.check])];
    return problemsOf(o).map(problem);
  });
}

// findDrift has handled failed reads and missing resources before problemsOf looks at a value.
function readValue<T>(read: Read<T>): T {
  if (!read.ok || read.value === null) throw new TypeError('no value read');
  return read.value;
}

function problemsOf(o: Observation): string[] {
  const problems: string[] = [];
  switch (o.check) {
    case 'attach-rule': {
      const { state, targetArns } = readValue(o.read);
      // ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS also delivers read-only events: still enabled.
      if (!state.startsWith('ENABLED')) problems.push(`the rule is ${state}: no attach event reaches attach-guard`);
      if (!targetArns.includes(o.target))
        problems.push(
          `the rule does not target attach-guard (${o.target}); its targets: ${targetArns.join(', ') || 'none'}`,
        );
      break;
    }
    case 'sweep-schedule': {
      const { state } = readValue(o.read);
      if (state !== 'ENABLED') problems.push(`the schedule is ${state}: the sweep does not run on it`);
      break;
    }
    case 'alert-subscription': {
      const { subscriptionArns } = readValue(o.read);
      // SNS lists an unconfirmed subscription with the SubscriptionArn "PendingConfirmation".
      const pending = subscriptionArns.filter((arn) => !arn.startsWith('arn:')).length;
      if (pending === subscriptionArns.length) {
        problems.push(
          pending === 0
            ? 'the alert topic has no subscription: alerts and digests reach nobody'
            : `the alert topic has no confirmed subscription (${pending} pending confirmation): alerts and digests ` +
                `reach nobody`,
        );
      }
      break;
    }
    case 'trail': {
      const trail = readValue(o.read);
      if (!trail.isLogging) problems.push('the trail is not logging: no CloudTrail event reaches the guard');
      const missed = o.sources.filter((source) => !recordsWriteManagementEvents(trail, source));
      if (missed.length > 0)
        problems.push(`the trail's event selectors do not record write management events of ${missed.join(', ')}`);
      break;
    }
    case 'alert-key': {
      const { keyState, deletionDate } = readValue(o.read);
      if (keyState !== 'Enabled')
        problems.push(
          `the key is ${keyState}${deletionDate ? ` (deletion scheduled for ${deletionDate})` : ''}: alerts, alarm ` +
            `notifications and the dead-letter queue fail`,
        );
      else if (deletionDate) problems.push(`the key's deletion is scheduled for ${deletionDate}`);
      break;
    }
  }
  return problems;
}

/**
 * Whether a trail's selectors record the write management events of `eventSource` (e.g. iam.amazonaws.com). Basic
 * selectors: any selector that includes management events (the default), reads and writes or writes only, and does not
 * exclude the source. Advanced selectors: any selector whose every field condition holds for such an event (selectors
 * are ORed, their fields ANDed; a field the event does not have, such as resources.type, never holds).
 */
export function recordsWriteManagementEvents(
  trail: Pick<TrailState, 'eventSelectors' | 'advancedEventSelectors'>,
  eventSource: string,
): boolean {
  if (trail.advancedEventSelectors.length > 0) {
    const event: Record<string, string> = { eventCategory: 'Management', readOnly: 'false', eventSource };
    return trail.advancedEventSelectors.some((fields) => fields.every((f) => fieldHolds(f, event[f.field])));
  }
  return trail.eventSelectors.some(
    (s) =>
      s.includeManagementEvents !== false &&
      (s.readWriteType ?? 'All') !== 'ReadOnly' &&
      !(s.excludeManagementEventSources ?? []).includes(eventSource),
  );
}

function fieldHolds(f: FieldSelector, value: string | undefined): boolean {
  if (value === undefined) return false;
  const any = (list: readonly string[] | undefined, test: (v: string) => boolean) =>
    list === undefined || list.some(test);
  const none = (list: readonly string[] | undefined, test: (v: string) => boolean) =>
    list === undefined || !list.some(test);
  return (
    any(f.equals, (v) => value === v) &&
    none(f.notEquals, (v) => value === v) &&
    any(f.startsWith, (v) => value.startsWith(v)) &&
    none(f.notStartsWith, (v) => value.startsWith(v)) &&
    any(f.endsWith, (v) => value.endsWith(v)) &&
    none(f.notEndsWith, (v) => value.endsWith(v))
  );
}

/** The self-check's part of the digest. */
export function summarizeSelfCheck(observations: readonly Observation[]): SelfCheckSummary {
  return { checks: observations.length, drift: findDrift(observations) };
}
