/**
 * What to do about a decided attachment: a pure function of the decision and the settings that shape the response
 * (the guard's mode and where it was set, the allowlist's `modes`, alerts on failed attempts, stale or unreadable
 * events, and whether standing findings go to the sweep's digest). attach-guard, the sweep and `audit` all plan here;
 * guard/respond.ts carries the plan out.
 */
import type { ActionSource, GuardMode, Outcome } from './alert.js';
import type { Allowlist } from './allowlist.js';
import { parsePolicyArn } from './arn.js';
import { isGoverned } from './catalog.js';
import { modeOverrideFor } from './decide.js';
import type { Attachment, Decision, Mode, Scope } from './types.js';

/** Where the guard's mode came from: the deploy (GUARD_MODE, audit's --remediate), or the allowlist's `mode`. */
export type ModeSource = 'deploy' | 'allowlist';

/** The settings a response depends on; the functions read them once at cold start, `audit` from its options. */
export interface ResponseSettings {
  readonly mode: GuardMode;
  readonly modeSource: ModeSource;
  /** Its `modes` entries name the policies whose action is set per policy. */
  readonly allowlist: Pick<Allowlist, 'modes'>;
  readonly scope: Scope;
  readonly alertOnFailedAttempts: boolean;
}

/** What is known about this one attachment besides its decision. */
export interface ResponseCircumstances {
  /** An event older than STALE_AFTER: reported, never acted on. (A sweep finding is current: it is never stale.) */
  readonly stale?: boolean;
  /** The event cannot be read safely: reported, never decided nor acted on. */
  readonly unreadable?: boolean;
  /**
   * `all` (default): every acted-on attachment gets its own alert. `remediations`: a sweep finding that stands as it
   * was (`alert-only`, `dry-run`, `not-remediable`) is left to the sweep's digest, once per run, instead of being
   * alerted every hour. An event always gets its own alert: no digest reports it.
   */
  readonly alerts?: 'all' | 'remediations';
}

/** The attachment as far as planning goes. */
export type PlannedAttachment = Pick<Attachment, 'principal' | 'policyArn' | 'permissionSetName' | 'source'>;

/**
 * The plan. `ignore`: nothing to report (`why` says which case, for the log line). `retry`: the decision could not be
 * made and must not be taken as handled; fail so that the platform retries. `report`: nothing is detached; the outcome
 * is reported, in its own alert when `alert`, else in the digest. `detach`: detach, then report what the detach did
 * (`alertsAfterDetach` says whether in its own alert).
 */
export type ResponsePlan =
  | { readonly kind: 'ignore'; readonly why: 'allowed' | 'not-governed' | 'gone' | 'failed-attempt' }
  | { readonly kind: 'retry' }
  | {
      readonly kind: 'report';
      readonly outcome: Outcome;
      readonly action: Mode | null;
      readonly actionSource: ActionSource | null;
      readonly alert: boolean;
    }
  | {
      readonly kind: 'detach';
      readonly action: 'remediate';
      readonly actionSource: ActionSource;
      readonly standingToDigest: boolean;
    };

/** Outcomes that leave a standing violation as it was: the sweep reports them in its digest, not one alert each. */
export const STANDING: ReadonlySet<Outcome> = new Set<Outcome>(['alert-only', 'dry-run', 'not-remediable']);

/** Plans the response to one decided attachment. */
export function planResponse(
  attachment: PlannedAttachment,
  decision: Decision,
  settings: ResponseSettings,
  circumstances: ResponseCircumstances = {},
): ResponsePlan {
  if (circumstances.unreadable)
    return { kind: 'report', outcome: 'unreadable', action: null, actionSource: null, alert: true };
  switch (decision.verdict) {
    case 'allowed':
    case 'not-governed':
      return { kind: 'ignore', why: decision.verdict };
    case 'unresolved':
      // A permission set deleted since has nothing attached any more; otherwise its name could not be looked up.
      return attachment.permissionSetName === null ? { kind: 'ignore', why: 'gone' } : { kind: 'retry' };
    case 'failed-attempt': {
      const alertable =
        settings.alertOnFailedAttempts &&
        isGoverned(attachment.policyArn, settings.scope) &&
        attachment.principal !== null;
      return alertable
        ? { kind: 'report', outcome: 'alert-only', action: null, actionSource: null, alert: true }
        : { kind: 'ignore', why: 'failed-attempt' };
    }
    case 'violation':
      break;
  }
  // In alert mode the guard never detaches, whatever `modes` says.
  const action = settings.mode === 'alert' ? 'alert' : decision.action;
  const sweep = attachment.source.kind === 'sweep';
  const digest = sweep && circumstances.alerts === 'remediations';
  // No setting decided what happens to a stale event: it is too old to act on.
  if (circumstances.stale && !sweep)
    return { kind: 'report', outcome: 'stale', action, actionSource: null, alert: true };
  const actionSource = actionSourceOf(settings, attachment.policyArn);
  if (settings.mode === 'dry-run') return { kind: 'report', outcome: 'dry-run', action, actionSource, alert: !digest };
  if (action !== 'remediate') return { kind: 'report', outcome: 'alert-only', action, actionSource, alert: !digest };
  return { kind: 'detach', action, actionSource, standingToDigest: digest };
}

/** Whether the outcome of a planned detach gets its own alert (else the sweep's digest reports it). */
export function alertsAfterDetach(plan: Extract<ResponsePlan, { kind: 'detach' }>, outcome: Outcome): boolean {
  return !(plan.standingToDigest && STANDING.has(outcome));
}

/**
 * Where a violation's action came from, given the mode the guard runs in, where that mode was set, and whether a
 * `modes` entry of the allowlist names the policy. (In alert mode the guard never detaches, whatever `modes` says.)
 */
export function actionSourceOf(
  settings: Pick<ResponseSettings, 'mode' | 'modeSource' | 'allowlist'>,
  policyArn: string | null,
): ActionSource {
  if (settings.mode === 'dry-run') return 'dry-run';
  const policy = parsePolicyArn(policyArn);
  if (settings.mode === 'remediate' && policy !== null && modeOverrideFor(policy, settings.allowlist) !== null)
    return 'allowlist-modes';
  return settings.modeSource === 'deploy' ? 'deploy-mode' : 'allowlist-mode';
}

/**
 * The mode the guard runs in: the deploy's when set (GUARD_MODE; `audit --remediate`), else the allowlist's. A deploy
 * in remediate mode makes remediate the allowlist's default action too; its `modes` entries still win.
 */
export function resolveMode<A extends Allowlist>(
  deployMode: GuardMode | undefined,
  allowlist: A,
): { mode: GuardMode; modeSource: ModeSource; allowlist: A } {
  const mode = deployMode ?? allowlist.mode;
  return {
    mode,
    modeSource: deployMode === undefined ? 'allowlist' : 'deploy',
    allowlist:
      mode === 'remediate' && allowlist.mode !== 'remediate'
        ? Object.freeze({ ...allowlist, mode: 'remediate' as const })
        : allowlist,
  };
}
