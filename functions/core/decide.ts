/**
 * The decision: a pure function of (attachment and its source, allowlist, scope, now). Acting on it is core/action.ts's
 * plan, carried out by guard/respond.ts.
 */
import { parsePolicyArn, type PolicyArn } from './arn.js';
import type { Allowlist, CompiledEntry, ModeOverride } from './allowlist.js';
import { isGoverned } from './catalog.js';
import type { Actor, AttachEvent, Attachment, Decision, Mode, Principal, Scope } from './types.js';

export interface DecideOptions {
  /** Overrides the allowlist's own scope (e.g. GOVERNED_SCOPE, --scope). */
  readonly scope?: Scope;
  readonly now: Date;
}

/**
 * An attach call as decide() reads it: the fields of the CloudTrail reader's AttachEvent that a decision depends on.
 */
export type AttachCall = Pick<
  AttachEvent,
  'principal' | 'policyArn' | 'account' | 'actor' | 'errorCode' | 'permissionSetName'
>;

// What a decision reads, whatever the source: the actor is null for a sweep finding, whose attach call nobody saw.
type Subject = Pick<Attachment, 'principal' | 'policyArn' | 'account' | 'permissionSetName'> & {
  readonly actor: Actor | null;
  readonly errorCode: string | null;
};

/**
 * Decides an attachment (an attach event is decided as the attachment it made, with the event as its source). In this
 * order: `failed-attempt` (the call failed), `not-governed` (the policy is outside the scope, or not a policy ARN at
 * all), `allowed` (an unexpired entry matches policy, principal, account and actor), `violation` (with the policy's
 * `modes` override, else the allowlist's `mode`, as its action). For a permission set whose name is not known,
 * `unresolved` when an entry matching permission sets by name would decide it: whether that entry allows cannot be
 * told, and guessing would silently allow or forbid. A sweep finding has no actor: entries are applied without their
 * `attachedBy` (attach-guard checked it when the call happened; treating the unknown actor as a mismatch would flag,
 * and in remediate mode detach, every attachment made through such an entry on every sweep), and the reason says so.
 */
export function decide(decided: Attachment | AttachCall, allowlist: Allowlist, options: DecideOptions): Decision {
  const attachment = subjectOf(decided);
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
      const unchecked =
        entry.matchesActor !== null && attachment.actor === null
          ? ` (attachedBy ${entry.attachedBy} not checked: the sweep cannot tell who attached it)`
          : '';
      return {
        verdict: 'allowed',
        action: null,
        rule: entry.index,
        reason: `allowed by entry #${entry.index}: ${entry.reason}${unchecked}`,
      };
    }
  }
  if (undecidable.length > 0) {
    const why =
      attachment.permissionSetName === null
        ? 'the permission set no longer exists'
        : 'CloudTrail records only its ARN, and it was not looked up: evaluate works offline';
    const entries = undecidable.map((e) => `#${e.index} (${e.principal})`).join(', ');
    return {
      verdict: 'unresolved',
      action: null,
      rule: null,
      reason:
        `undecided: entr${undecidable.length === 1 ? 'y' : 'ies'} ${entries} ` +
        `match${undecidable.length === 1 ? 'es' : ''} permission sets by name, ` +
        `and this permission set's name is unknown (${why}); check it with audit, or match it by ARN ` +
        `(permission-set/arn:...)`,
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

function subjectOf(decided: Attachment | AttachCall): Subject {
  if (!('source' in decided)) return decided;
  const { source } = decided;
  return source.kind === 'event'
    ? { ...decided, actor: source.actor, errorCode: source.errorCode }
    : { ...decided, actor: null, errorCode: null };
}

// 'unknown': a permission-set entry matching by name, for a permission set whose name was not (or could not be) looked
// up.
function matchesPrincipal(
  entry: CompiledEntry,
  principal: Principal,
  permissionSetName: string | null | undefined,
): boolean | 'unknown' {
  if (entry.principalType !== principal.type) return false;
  if (principal.type !== 'permission-set' || entry.matchesPrincipalBy === 'arn')
    return entry.matchesPrincipalName(principal.name);
  return typeof permissionSetName === 'string' ? entry.matchesPrincipalName(permissionSetName) : 'unknown';
}

// A sweep finding has no actor to check (see decide()): only an attach call's actor can fail `attachedBy`.
function actorMatches(entry: CompiledEntry, attachment: Subject): boolean {
  const { actor } = attachment;
  if (actor === null) return true;
  return [actor.arn, actor.issuerArn].some((candidate) => candidate !== null && entry.matchesActor!(candidate));
}
