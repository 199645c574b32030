/**
 * The sweep's reading half: list who holds each governed policy and decide every (principal, policy) pair with the
 * same core and allowlist as attach-guard. Acting on the decisions is the caller's job (the sweep function responds,
 * `audit` reports, and detaches only with --remediate).
 *
 * Cost, in IAM calls: the pages of one ListPolicies pass (Scope AWS, OnlyAttached: every attached AWS managed policy,
 * up to 1,000 a page), then one ListEntitiesForPolicy call per page (up to 1,000 holders) for each governed policy
 * among them; nothing per principal, and nothing for a governed policy nobody holds. See docs/sweep.md.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Allowlist } from '../core/allowlist.js';
import type { Partition } from '../core/arn.js';
import { governedAttached } from '../core/catalog.js';
import { decide } from '../core/decide.js';
import type { Actor, AttachEvent, AttachEventName, Decision, Principal, PrincipalType, Scope, Verdict } from '../core/types.js';
import { listAttachedAwsPolicies, ListHoldersError, listPolicyHolders, type PolicyHolders } from '../aws/list-entities.js';

/** What alerts and reports say for the actor of an attachment the sweep found: nobody recorded who made it. */
export const FOUND_BY_SWEEP = 'found by sweep';

export const UNKNOWN_ACTOR: Actor = Object.freeze({ type: null, arn: null, issuerArn: null, invokedBy: null, sourceIp: null, userAgent: null });

// The call that makes such an attachment; reports carry it so that their records keep evaluate's shape.
const ATTACH_CALL: Record<PrincipalType, AttachEventName> = {
  user: 'AttachUserPolicy',
  role: 'AttachRolePolicy',
  group: 'AttachGroupPolicy',
  'permission-set': 'AttachManagedPolicyToPermissionSet',
};

export interface ScanOptions {
  readonly allowlist: Allowlist;
  readonly scope: Scope;
  readonly partition: Partition;
  /** The account swept; null when unknown (then only entries without `account` can allow anything). */
  readonly account: string | null;
  readonly now: Date;
  /** ListEntitiesForPolicy page size (default: IAM's maximum). */
  readonly pageSize?: number;
  /** ListPolicies page size (default: IAM's maximum). */
  readonly policiesPageSize?: number;
  /** Called before each policy is listed. */
  readonly onPolicy?: (policyArn: string, index: number, total: number) => void;
  /** Called for each governed policy that IAM reported attached but no longer finds (deleted meanwhile; it is skipped). */
  readonly onNotFound?: (policyArn: string) => void;
}

export interface ScanStats {
  /** AWS managed policies attached in the account (ListPolicies), governed or not. */
  attachedPolicies: number;
  /** Of those, the governed ones: what the sweep lists the holders of. */
  governedPolicies: number;
  /** Governed policies listed so far (found or not). */
  listed: number;
  readonly notFound: string[];
  /** IAM list calls: ListPolicies pages (listPoliciesCalls) plus ListEntitiesForPolicy pages. */
  listCalls: number;
  listPoliciesCalls: number;
  attachments: number;
  readonly verdicts: Record<Verdict, number>;
  /** The IAM Identity Center part (sweep-identity-center.ts); null when it was not swept. */
  identityCenter: { region: string; instances: number; permissionSets: number; calls: number } | null;
}

export interface Found {
  /** The attachment as an event without a CloudTrail record: no id, no time, no actor. */
  readonly event: AttachEvent;
  readonly decision: Decision;
}

export function emptyScanStats(): ScanStats {
  return {
    attachedPolicies: 0,
    governedPolicies: 0,
    listed: 0,
    notFound: [],
    listCalls: 0,
    listPoliciesCalls: 0,
    attachments: 0,
    verdicts: { violation: 0, allowed: 0, 'not-governed': 0, 'failed-attempt': 0, unresolved: 0 },
    identityCenter: null,
  };
}

/** The attachment of `policyArn` to `principal` as the sweep found it. */
export function sweptAttachment(principal: Principal, policyArn: string, account: string | null): AttachEvent {
  return {
    eventId: null,
    eventTime: null,
    eventName: ATTACH_CALL[principal.type],
    account,
    region: null,
    actor: UNKNOWN_ACTOR,
    principal,
    policyArn,
    errorCode: null,
    errorMessage: null,
  };
}

/**
 * The allowlist as the sweep can apply it. `attachedBy` constrains who made the attach call, which a standing
 * attachment does not tell; attach-guard checked it when the call happened. Treating the unknown actor as a mismatch
 * would flag, and in remediate mode detach, every legitimate attachment made through such an entry on every sweep, so
 * the sweep applies such entries without their `attachedBy` and says so in the decision's reason.
 * Expiry, account, principal and policy are all checked as usual.
 */
export function sweepAllowlist(allowlist: Allowlist): Allowlist {
  if (!allowlist.allow.some((e) => e.matchesActor !== null)) return allowlist;
  return Object.freeze({
    ...allowlist,
    allow: Object.freeze(
      allowlist.allow.map((e) =>
        e.matchesActor === null ? e : { ...e, matchesActor: null, reason: `${e.reason} (attachedBy ${e.attachedBy} not checked: the sweep cannot tell who attached it)` },
      ),
    ),
  });
}

/**
 * Lists the attached AWS managed policies, then the holders of each governed one (all pages of one policy before any
 * of its holders is yielded, so that a caller detaching as it goes cannot shift the pages), and yields each attachment
 * with its decision. A policy gone between the two listings (NoSuchEntity) is skipped; any other listing error throws
 * (ListHoldersError) after the SDK's retries.
 */
export async function* scanAttachments(iam: IAMClient, options: ScanOptions, stats: ScanStats): AsyncGenerator<Found> {
  let attached: Awaited<ReturnType<typeof listAttachedAwsPolicies>>;
  try {
    attached = await listAttachedAwsPolicies(iam, options.policiesPageSize === undefined ? {} : { pageSize: options.policiesPageSize });
  } catch (error) {
    if (error instanceof ListHoldersError) {
      stats.listCalls += error.calls;
      stats.listPoliciesCalls += error.calls;
    }
    throw error;
  }
  stats.listCalls += attached.calls;
  stats.listPoliciesCalls += attached.calls;
  stats.attachedPolicies = attached.policies.length;
  const arns = governedAttached(attached.policies, options.scope, options.partition);
  const allowlist = sweepAllowlist(options.allowlist);
  stats.governedPolicies = arns.length;
  for (const [index, policyArn] of arns.entries()) {
    options.onPolicy?.(policyArn, index, arns.length);
    let holders: PolicyHolders;
    try {
      holders = await listPolicyHolders(iam, policyArn, options.pageSize === undefined ? {} : { pageSize: options.pageSize });
    } catch (error) {
      if (error instanceof ListHoldersError) stats.listCalls += error.calls;
      throw error;
    }
    stats.listed++;
    stats.listCalls += holders.calls;
    if (!holders.found) {
      stats.notFound.push(policyArn);
      options.onNotFound?.(policyArn);
      continue;
    }
    for (const principal of holders.principals) {
      const event = sweptAttachment(principal, policyArn, options.account);
      const decision = decide(event, allowlist, { scope: options.scope, now: options.now });
      stats.attachments++;
      stats.verdicts[decision.verdict]++;
      yield { event, decision };
    }
  }
}
