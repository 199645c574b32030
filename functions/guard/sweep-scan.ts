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
import { foundBySweep } from '../core/attachment.js';
import type { Attachment, Decision, Principal, Scope, Verdict } from '../core/types.js';
import {
  listAttachedAwsPolicies,
  ListHoldersError,
  listPolicyHolders,
  type PolicyHolders,
} from '../aws/list-entities.js';

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
  /**
   * Called for each governed policy that IAM reported attached but no longer finds (deleted meanwhile; it is skipped).
   */
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
  /** The attachment as the sweep found it: no CloudTrail event, so no event id, time of attaching or actor. */
  readonly attachment: Attachment;
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

/** The attachment of `policyArn` to `principal` as the sweep found it at `foundAt`. */
export function sweptAttachment(
  principal: Principal,
  policyArn: string,
  account: string | null,
  foundAt: Date,
): Attachment {
  return foundBySweep({ account, region: null, principal, policyArn }, foundAt);
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
    attached = await listAttachedAwsPolicies(
      iam,
      options.policiesPageSize === undefined ? {} : { pageSize: options.policiesPageSize },
    );
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
  stats.governedPolicies = arns.length;
  for (const [index, policyArn] of arns.entries()) {
    options.onPolicy?.(policyArn, index, arns.length);
    let holders: PolicyHolders;
    try {
      holders = await listPolicyHolders(
        iam,
        policyArn,
        options.pageSize === undefined ? {} : { pageSize: options.pageSize },
      );
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
      const attachment = sweptAttachment(principal, policyArn, options.account, options.now);
      const decision = decide(attachment, options.allowlist, { scope: options.scope, now: options.now });
      stats.attachments++;
      stats.verdicts[decision.verdict]++;
      yield { attachment, decision };
    }
  }
}
