/**
 * The decision: a pure function of (attach event, allowlist, scope, now). Acting on it is somebody else's job.
 */
import { parsePolicyArn, type PolicyArn } from './arn.js';
import type { Allowlist, CompiledEntry, ModeOverride } from './allowlist.js';
import { isGoverned } from './catalog.js';
import type { AttachEvent, Decision, Mode, Principal, Scope } from './types.js';

export interface DecideOptions {
  /** Overrides the allowlist's own scope (e.g. GOVERNED_SCOPE, --scope). */
  readonly scope?: Scope;
  readonly now: Date;
}

/** The subject of a decision: who got which policy, where and by whom. The sweep builds these without an event. */
export type Attachment = Pick<AttachEvent, 'principal' | 'policyArn' | 'account' | 'actor' | 'errorCode' | 'permissionSetName'>;

/**
 * Decides an attachment. In this order: `failed-attempt` (the call failed), `not-governed` (the policy is outside the
 * scope, or not a policy ARN at all), `allowed` (an unexpired entry matches policy, principal, account and actor),
 * `violation` (with the policy's `modes` override, else the allowlist's `mode`, as its action). For a permission set
 * whose name is not known, `unresolved` when an entry matching permission sets by name would decide it: whether that
 * entry allows cannot be told, and guessing would silently allow or forbid.
 */
export function decide(attachment: Attachment, allowlist: Allowlist, options: DecideOptions): Decision {
  const scope = options.scope ?? allowlist.scope;
  if (attachment.errorCode !== null) {
    return { verdict: 'failed-attempt', action: null, rule: null, reason: `the call failed: ${attachment.errorCode}` };
  }
  const arn = parsePolicyArn(attachment.policyArn);
  if (!arn) return { verdict: 'not-governed', action: null, rule: null, reason: 'policyArn is not an IAM policy ARN' };
  if (!isGoverned(arn, scope)) {
    const why = arn.account === 'aws' ? `outside the ${scope} scope` : 'a customer managed policy';
    return { verdict: 'not-governed', action: null, rule: null, reason: `${why}` };
  }
  const principal = attachment.principal;
  if (principal === null) {
    // Only failed calls lack a principal; the reader never hands over a successful one without it.
    return { verdict: 'not-governed', action: null, rule: null, reason: 'the event names no principal' };
  }

  const now = options.now.getTime();
  const nearMisses: string[] = [];
  const undecidable: CompiledEntry[] = [];
  for (const entry of allowlist.allow) {
    if (!entry.matchesPolicy(arn)) continue;
    const principalMatch = matchesPrincipal(entry, principal, attachment.permissionSetName);
    if (principalMatch === false) continue;
    if (principalMatch === 'unknown') {
      // Whether it allows depends on the unknown name, unless something else rules the entry out already.
      const ruledOut =
        (entry.account !== undefined && entry.account !== attachment.account) ||
        (entry.matchesActor !== null && !actorMatches(entry, attachment)) ||
        (entry.expiresAt !== null && now >= entry.expiresAt);
      if (!ruledOut) undecidable.push(entry);
    } else if (entry.account !== undefined && entry.account !== attachment.account) {
      nearMisses.push(`entry #${entry.index} is for account ${entry.account}`);
    } else if (entry.matchesActor !== null && !actorMatches(entry, attachment)) {
      nearMisses.push(`entry #${entry.index} requires attachedBy ${entry.attachedBy}`);
    } else if (entry.expiresAt !== null && now >= entry.expiresAt) {
      nearMisses.push(`entry #${entry.index} expired on ${entry.expires}`);
    } else {
      return { verdict: 'allowed', action: null, rule: entry.index, reason: `allowed by entry #${entry.index}: ${entry.reason}` };
    }
  }
  if (undecidable.length > 0) {
    const why = attachment.permissionSetName === null ? 'the permission set no longer exists' : 'CloudTrail records only its ARN, and it was not looked up: evaluate works offline';
    const entries = undecidable.map((e) => `#${e.index} (${e.principal})`).join(', ');
    return {
      verdict: 'unresolved',
      action: null,
      rule: null,
      reason:
        `undecided: entr${undecidable.length === 1 ? 'y' : 'ies'} ${entries} match${undecidable.length === 1 ? 'es' : ''} permission sets by name, ` +
        `and this permission set's name is unknown (${why}); check it with audit, or match it by ARN (permission-set/arn:...)`,
    };
  }
  return {
    verdict: 'violation',
    action: actionFor(arn, allowlist),
    rule: null,
    reason: nearMisses.length > 0 ? `no entry allows it (${nearMisses.join('; ')})` : 'no allowlist entry matches',
  };
}

/** What a violation of this policy gets: the most specific `modes` override, else the allowlist's `mode`. */
export function actionFor(arn: PolicyArn, allowlist: Allowlist): Mode {
  return modeOverrideFor(arn, allowlist)?.mode ?? allowlist.mode;
}

/** The `modes` entry that decides what a violation of this policy gets (an ARN key wins), or null: `mode` decides. */
export function modeOverrideFor(arn: PolicyArn, allowlist: Pick<Allowlist, 'modes'>): ModeOverride | null {
  const matching = allowlist.modes.filter((m) => m.matchesPolicy(arn));
  return matching.find((m) => m.specific) ?? matching[0] ?? null;
}

// 'unknown': a permission-set entry matching by name, for a permission set whose name was not (or could not be) looked up.
function matchesPrincipal(entry: CompiledEntry, principal: Principal, permissionSetName: string | null | undefined): boolean | 'unknown' {
  if (entry.principalType !== principal.type) return false;
  if (principal.type !== 'permission-set' || entry.matchesPrincipalBy === 'arn') return entry.matchesPrincipalName(principal.name);
  return typeof permissionSetName === 'string' ? entry.matchesPrincipalName(permissionSetName) : 'unknown';
}

function actorMatches(entry: CompiledEntry, attachment: Attachment): boolean {
  const { arn, issuerArn } = attachment.actor;
  return [arn, issuerArn].some((candidate) => candidate !== null && entry.matchesActor!(candidate));
}
