/**
 * The alert: a versioned JSON contract (schemaVersion 1), built by a pure function, and the SNS message rendered
 * from it (a JSON body for machines, readable text for email, attributes for subscription filter policies).
 * Its schema is in alert-schema.ts, which the functions never load; `infra/alert.schema.json` is generated from it.
 */
import type { Alert, Provisioning } from './alert-schema.js';
import { PLACEHOLDER_REASON } from './allowlist.js';
import { parsePolicyArn, qualifiedName } from './arn.js';
import { riskOf } from './catalog.js';
import { FOUND_BY_SWEEP } from './attachment.js';
import { describeActor } from './cloudtrail.js';
import { consoleLinks } from './console-links.js';
import { permissionSetLabel, permissionSetOfReservedRole } from './identity-center.js';
import { remediationCommand } from './remediation-command.js';
import {
  clip,
  clipOrNull,
  fitSnsMessage,
  messageAttributes,
  principalNameLimit,
  subjectLine,
  type SnsMessage,
} from './sns-envelope.js';
import type { Attachment, Decision } from './types.js';

export type { Alert, Provisioning };

export const OUTCOMES = [
  'reverted',
  'already-detached',
  'not-remediable',
  'remediation-failed',
  'alert-only',
  'dry-run',
  'stale',
  'unreadable',
] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const GUARD_MODES = ['alert', 'remediate', 'dry-run'] as const;
export type GuardMode = (typeof GUARD_MODES)[number];
/**
 * Where a violation's action came from: the deploy's `mode` parameter (GUARD_MODE), the allowlist's `modes` entry for
 * the policy, the allowlist's top-level `mode` (only where GUARD_MODE is not set), or dry-run.
 */
export const ACTION_SOURCES = ['deploy-mode', 'allowlist-modes', 'allowlist-mode', 'dry-run'] as const;
export type ActionSource = (typeof ACTION_SOURCES)[number];
/**
 * Outcomes that leave the policy attached: the alert carries the command that removes it. Not `stale` (the attachment
 * may have changed since: check it first) nor `unreadable` (nothing read from such an event is trusted).
 */
export const LEFT_IN_PLACE: ReadonlySet<Outcome> = new Set<Outcome>([
  'alert-only',
  'dry-run',
  'not-remediable',
  'remediation-failed',
]);

export interface AlertInput {
  /** The attachment, and its source: the attach call, or the sweep's finding (no event, no actor). */
  readonly attachment: Attachment;
  readonly decision: Decision;
  readonly outcome: Outcome;
  readonly mode: GuardMode;
  /** Where a violation's action came from (null or absent for failed attempts). */
  readonly actionSource?: ActionSource | null;
  /**
   * Why the detach failed or was not made; `kind` (from remediate()) says whether IAM refuses any change to the
   * principal (`refused`) or this guard could not act there (`out-of-reach`). The alert shows name and message.
   */
  readonly error?: { readonly name: string; readonly message: string; readonly kind?: 'refused' | 'out-of-reach' };
  /** Permission sets: what ProvisionPermissionSet answered after the detach. */
  readonly provisioning?: Provisioning;
  readonly handledAt: Date;
}

/** Builds the alert of an acted-on attachment. The attachment must name a principal and a policy. */
export function buildAlert(input: AlertInput): Alert {
  const { attachment: event, decision } = input;
  const { source } = event;
  const call = source.kind === 'event' ? source : null;
  const principal = event.principal ?? { type: 'role' as const, name: '(unknown)' };
  const policyArn = event.policyArn ?? '(unknown)';
  const arn = parsePolicyArn(policyArn);
  const policyName = arn ? qualifiedName(arn) : policyArn;
  const alert: Alert = {
    schemaVersion: 1,
    source: source.kind,
    eventId: clipOrNull(call?.eventId ?? null),
    eventTime: clipOrNull(call?.eventTime ?? null),
    account: clipOrNull(event.account),
    region: clipOrNull(event.region),
    actor: clip(call === null ? FOUND_BY_SWEEP : describeActor(call.actor)),
    sourceIp: clipOrNull(call?.actor.sourceIp ?? null),
    userAgent: clipOrNull(call?.actor.userAgent ?? null),
    principal: { type: principal.type, name: clip(principal.name, principalNameLimit(principal.type)) },
    policyArn: clip(policyArn),
    policyName: clip(policyName),
    severity: arn && riskOf(arn) === 'read-only' ? 'low' : 'high',
    verdict: decision.verdict === 'failed-attempt' ? 'failed-attempt' : 'violation',
    action: decision.action,
    // No setting decided a failed attempt, an unreadable event (no action) or a stale one (too old to act on).
    actionSource: decision.action === null || input.outcome === 'stale' ? null : (input.actionSource ?? null),
    outcome: input.outcome,
    mode: input.mode,
    reason: clip(decision.reason),
    suggestedAllowlistEntry: suggestEntry(
      principal.type === 'permission-set' && event.permissionSetName
        ? { type: principal.type, name: event.permissionSetName }
        : principal,
      arn ? (arn.account === 'aws' ? qualifiedName(arn) : policyArn) : policyArn,
      event.account,
    ),
    links: linksOf(input, policyArn),
    remediationCommand: leftInPlace(input)
      ? remediationCommand({ principal, policyArn, region: event.region, instanceArn: event.instanceArn ?? null })
      : null,
    handledAt: input.handledAt.toISOString(),
  };
  if (source.kind === 'sweep') alert.foundAt = source.foundAt;
  if (input.error) alert.error = { name: clip(input.error.name, 128), message: clip(input.error.message) };
  if (principal.type === 'permission-set') {
    alert.permissionSet = {
      arn: clip(principal.name),
      name: clipOrNull(event.permissionSetName ?? null),
      instanceArn: clipOrNull(event.instanceArn ?? null),
    };
  } else if (principal.type === 'role') {
    const fromPermissionSet = permissionSetOfReservedRole(principal.name);
    if (fromPermissionSet !== null) alert.permissionSet = { arn: null, name: fromPermissionSet, instanceArn: null };
  }
  if (input.provisioning) {
    const { status, requestId, failureReason } = input.provisioning;
    alert.provisioning = {
      status: clip(status, 64),
      requestId: clipOrNull(requestId),
      failureReason: clipOrNull(failureReason),
    };
  }
  return alert;
}

// The event's link always (an unreadable one is worth reading there); the principal's only when the event was read.
function linksOf(input: AlertInput, policyArn: string): NonNullable<Alert['links']> {
  const { attachment: event } = input;
  const principal = event.principal ?? { type: 'role' as const, name: '' };
  const eventId = event.source.kind === 'event' ? event.source.eventId : null;
  const links = consoleLinks({ policyArn, principal, region: event.region, eventId });
  return event.principal === null || input.outcome === 'unreadable' ? { ...links, principal: null } : links;
}

// A command for what is still attached, when it can work: IAM refuses any change to the principal (service-linked and
// Identity Center roles, whose fix is their permission set), and a name longer than the alert keeps is not the real
// one.
function leftInPlace(input: AlertInput): boolean {
  const { principal, policyArn } = input.attachment;
  if (
    input.decision.verdict !== 'violation' ||
    !LEFT_IN_PLACE.has(input.outcome) ||
    principal === null ||
    policyArn === null
  )
    return false;
  if (input.error?.kind === 'refused' || permissionSetOfReservedRole(principal.name) !== null) return false;
  return principal.name.length <= principalNameLimit(principal.type);
}

/** How people read the principal: `role/NAME`, or `permission-set/NAME` (the ARN's ps- id when the name is unknown). */
function principalLabel(alert: Alert): string {
  if (alert.principal.type === 'permission-set')
    return permissionSetLabel(alert.principal.name, alert.permissionSet?.name);
  return `${alert.principal.type}/${alert.principal.name}`;
}

function suggestEntry(principal: { type: string; name: string }, policy: string, account: string | null): string {
  const entry: Record<string, string> = {
    policy,
    principal: `${principal.type}/${clip(principal.name, principalNameLimit(principal.type))}`,
  };
  if (account !== null && /^\d{12}$/.test(account)) entry.account = account;
  entry.reason = PLACEHOLDER_REASON;
  // A JSON string is a valid YAML double-quoted scalar, so this needs no YAML library on the alert path.
  return Object.entries(entry)
    .map(([key, value], i) => `${i === 0 ? '-' : ' '} ${key}: ${JSON.stringify(value)}`)
    .join('\n')
    .concat('\n');
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  reverted: 'The policy was detached (reverted).',
  'already-detached':
    'The policy was already detached when the guard tried to detach it (a retry, or someone was faster).',
  'not-remediable': 'The guard could not detach it (see Error). Fix it at its source.',
  'remediation-failed': 'DETACHING FAILED: the policy is probably still attached. The guard will retry; act now.',
  'alert-only': 'Nothing was changed: the guard only alerts on this one (see "Action from").',
  'dry-run': 'Nothing was changed: the guard runs in dry-run mode.',
  stale:
    'Nothing was changed: the event is older than STALE_AFTER, and the attachment may have changed since. Check who ' +
    'holds the policy now (audit).',
  unreadable:
    'Nothing was changed: the event cannot be read safely (see Why). Check the principal and its policies by hand.',
};

/** What was done, in one sentence: what the outcome means. */
export function outcomeText(alert: Alert): string {
  if (alert.verdict === 'failed-attempt') return 'Nothing was changed: the call failed, so nothing was attached.';
  return OUTCOME_TEXT[alert.outcome];
}

/** Why the guard took this action: which setting asked for it. null for failed attempts. */
export function actionSourceText(alert: Pick<Alert, 'action' | 'actionSource'>): string | null {
  switch (alert.actionSource) {
    case 'deploy-mode':
      return alert.action === 'remediate'
        ? "the deploy's mode is remediate (stage parameter mode=remediate), and no `modes` entry of the allowlist " +
            'keeps this policy at alert.'
        : "the deploy's mode is alert (stage parameter mode=alert): the guard never detaches.";
    case 'allowlist-modes':
      return (
        `the allowlist's \`modes\` entry for this policy asks for ` +
        `${alert.action === 'remediate' ? 'remediation' : 'an alert only'}.`
      );
    case 'allowlist-mode':
      return `the allowlist's top-level mode is ${alert.action ?? 'alert'} (GUARD_MODE is not set).`;
    case 'dry-run':
      return "the deploy's mode is dry-run (stage parameter mode=dry-run): the guard changes nothing.";
    default:
      return null;
  }
}

/** One line for the SNS Subject: under 100 characters, no line breaks or control characters. */
export function renderSubject(alert: Alert): string {
  const what = alert.verdict === 'failed-attempt' ? 'failed attach of' : 'IoT policy';
  const tail = `${alert.account ? ` (${alert.account})` : ''}: ${alert.outcome}`;
  const head = `${what} ${alert.policyName} on `;
  const room = 99 - head.length - tail.length;
  const principal = principalLabel(alert);
  const shown = principal.length > room ? `${principal.slice(0, Math.max(room - 1, 0))}…` : principal;
  const subject = `${head}${shown}${tail}`;
  return subjectLine(subject);
}

/** The readable text for email subscriptions, rendered from the same data as the JSON. */
export function renderText(alert: Alert): string {
  const lines = [
    alert.outcome === 'unreadable'
      ? `An attach call that looks like the AWS IoT managed policy ${alert.policyName} to ` +
        `${principalLabel(alert).replace('/', ' ')} could not be read safely.`
      : alert.verdict === 'failed-attempt'
        ? `Someone tried, and failed, to attach the AWS IoT managed policy ${alert.policyName} to ` +
          `${principalLabel(alert).replace('/', ' ')}.`
        : `The AWS IoT managed policy ${alert.policyName} was attached to ` +
          `${principalLabel(alert).replace('/', ' ')}, and no allowlist entry allows it.`,
    '',
    `What was done: ${outcomeText(alert)}`,
  ];
  const why = actionSourceText(alert);
  if (why !== null) lines.push(`Action from: ${why}`);
  if (alert.outcome === 'dry-run')
    lines.push(
      `In ${alert.action ?? 'alert'} mode the guard would have ` +
        `${alert.action === 'remediate' ? 'detached the policy' : 'only alerted'}.`,
    );
  if (alert.error) lines.push(`Error: ${alert.error.name}: ${alert.error.message}`);
  lines.push(...identityCenterLines(alert));
  if (alert.remediationCommand) {
    lines.push(
      '',
      `To detach it now, run this with credentials for account ${alert.account ?? '(unknown)'}:`,
      '',
      `  ${alert.remediationCommand}`,
    );
  }
  lines.push(
    '',
    `Policy:      ${alert.policyArn} (severity ${alert.severity})`,
    `Principal:   ${alert.principal.type}/${alert.principal.name}`,
    `Account:     ${alert.account ?? 'unknown'}   Region: ${alert.region ?? 'unknown'}`,
    ...(alert.source === 'sweep'
      ? [
          `Found:       by the scheduled sweep at ${alert.foundAt ?? alert.handledAt} (handled ${alert.handledAt}); ` +
            'no CloudTrail event says who attached it, or when',
        ]
      : [
          `Attached by: ${alert.actor}`,
          `Source IP:   ${alert.sourceIp ?? 'unknown'}`,
          `User agent:  ${alert.userAgent ?? 'unknown'}`,
          `When:        ${alert.eventTime ?? 'unknown'} (handled ${alert.handledAt})`,
          `Event ID:    ${alert.eventId ?? 'none'}`,
        ]),
    `Why:         ${alert.reason}`,
    ...(alert.links?.principal ? [`Principal in the console: ${alert.links.principal}`] : []),
    ...(alert.links?.event ? [`Event in CloudTrail:      ${alert.links.event}`] : []),
    '',
    'If this attachment is legitimate, add this entry to the allowlist, write why in its reason (the allowlist refuses',
    'the TODO placeholder), and redeploy:',
    '',
    alert.suggestedAllowlistEntry.trimEnd(),
    '',
    `-- iot-policy-guard (${alert.source === 'sweep' ? 'scheduled sweep' : 'attach-guard'}, mode ${alert.mode})`,
  );
  return lines.join('\n');
}

// What people need to know about IAM Identity Center: every account the permission set is provisioned to has the
// policy, and an AWSReservedSSO_* role can only be fixed through its permission set.
function identityCenterLines(alert: Alert): string[] {
  const set = alert.permissionSet;
  if (!set) return [];
  if (alert.principal.type === 'role') {
    return [
      '',
      `This role belongs to IAM Identity Center: it was provisioned from the permission set "${set.name}", and IAM ` +
        `does not let anyone change it.`,
      `Fix it there: detach ${alert.policyName} from permission set "${set.name}" (Identity Center console, or ` +
        'aws sso-admin detach-managed-policy-from-permission-set), then provision the permission set to all its ' +
        'accounts.',
    ];
  }
  const lines = [
    '',
    `The permission set gives the policy to every account it is provisioned to. Instance: ` +
      `${set.instanceArn ?? 'unknown'}.`,
  ];
  const p = alert.provisioning;
  if (p) {
    const detail = p.failureReason
      ? `: ${p.failureReason}`
      : p.status === 'IN_PROGRESS'
        ? ' (Identity Center updates the accounts asynchronously)'
        : '';
    lines.push(`Provisioning to all provisioned accounts: ${p.status}${detail}; request ${p.requestId ?? 'unknown'}.`);
  }
  return lines;
}

/** The SNS Publish input (without the topic): JSON for machine protocols, text for email; always under 256 KiB. */
export function renderSnsMessage(alert: Alert): SnsMessage {
  const { message } = fitSnsMessage(shrinking(alert), (fitted) => ({
    json: JSON.stringify(fitted),
    email: renderText(fitted),
  }));
  return {
    Subject: renderSubject(alert),
    Message: message,
    MessageStructure: 'json',
    MessageAttributes: messageAttributes({
      outcome: alert.outcome,
      policyName: alert.policyName,
      account: alert.account ?? 'unknown',
      severity: alert.severity,
    }),
  };
}

// The alert with ever shorter fields, for fitSnsMessage: made only when the one before did not fit.
function* shrinking(alert: Alert): Generator<Alert> {
  yield alert;
  yield clipAlert(alert, 256);
  yield clipAlert(alert, 64);
}

// A cut link or command would lead somewhere else, or detach from someone else: drop them instead.
function clipAlert(alert: Alert, max: number): Alert {
  const whole = (s: string | null | undefined): string | null =>
    s !== null && s !== undefined && s.length <= max ? s : null;
  const clipped = clipAll(alert, max);
  if (alert.links) clipped.links = { principal: whole(alert.links.principal), event: whole(alert.links.event) };
  if (alert.remediationCommand !== undefined) clipped.remediationCommand = whole(alert.remediationCommand);
  return clipped;
}

function clipAll<T>(value: T, max: number): T {
  if (typeof value === 'string') return clip(value, max) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clipAll(v, max)])) as T;
}
