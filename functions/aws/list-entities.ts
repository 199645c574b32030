/**
 * The sweep's two reads of IAM: which AWS managed policies are attached at all (ListPolicies), and who holds one of
 * them (ListEntitiesForPolicy); one call per page each.
 */
import { paginateListEntitiesForPolicy, paginateListPolicies, type IAMClient } from '@aws-sdk/client-iam';
import type { AttachedPolicy } from '../core/catalog.js';
import type { Principal } from '../core/types.js';
import { errorCode } from './failure.js';

/** IAM's largest page for both listings: the fewer pages, the fewer calls against the account's IAM quota. */
export const MAX_PAGE_SIZE = 1000;

export type PolicyHolders =
  | { readonly found: true; readonly principals: readonly Principal[]; readonly calls: number }
  /** The policy does not exist (in this partition): IAM said NoSuchEntity. */
  | { readonly found: false; readonly calls: number };

/**
 * An IAM listing of the sweep failed (after the SDK's retries): the holders of a policy, for a reason other than "no
 * such policy", or the attached policies (`policyArn` null).
 */
export class ListHoldersError extends Error {
  override readonly name = 'ListHoldersError';
  constructor(
    message: string,
    readonly code: string,
    readonly policyArn: string | null,
    /** Calls made for this listing, the failed one included. */
    readonly calls: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Lists every user, role and group that has `policyArn` attached as a permissions policy, over all pages. Permissions
 * boundaries are left out: the guard never detaches a boundary, and DetachRolePolicy would not remove one.
 * Throttling is the SDK's to retry (configure the client's maxAttempts); anything but NoSuchEntity throws.
 */
export async function listPolicyHolders(
  iam: IAMClient,
  policyArn: string,
  options: { pageSize?: number } = {},
): Promise<PolicyHolders> {
  const principals: Principal[] = [];
  let calls = 0;
  const pages = paginateListEntitiesForPolicy(
    { client: iam, pageSize: options.pageSize ?? MAX_PAGE_SIZE, stopOnSameToken: true },
    { PolicyArn: policyArn, PolicyUsageFilter: 'PermissionsPolicy' },
  );
  try {
    for await (const page of pages) {
      calls++;
      for (const u of page.PolicyUsers ?? []) if (u.UserName) principals.push({ type: 'user', name: u.UserName });
      for (const r of page.PolicyRoles ?? []) if (r.RoleName) principals.push({ type: 'role', name: r.RoleName });
      for (const g of page.PolicyGroups ?? []) if (g.GroupName) principals.push({ type: 'group', name: g.GroupName });
    }
  } catch (error) {
    // The failed call counts too: it was made.
    calls++;
    const code = errorCode(error);
    if (code === 'NoSuchEntity' && calls === 1) return { found: false, calls };
    throw new ListHoldersError(
      `listing the holders of ${policyArn} failed: ${code}: ${(error as Error).message}`,
      code,
      policyArn,
      calls,
      { cause: error },
    );
  }
  return { found: true, principals, calls };
}

/**
 * Every AWS managed policy attached as a permissions policy to a user, role or group of the account, with its
 * AttachmentCount, over all pages: ListPolicies with Scope AWS, OnlyAttached and PolicyUsageFilter PermissionsPolicy
 * (boundaries are left out, as in listPolicyHolders). Any error throws ListHoldersError with a null policyArn.
 */
export async function listAttachedAwsPolicies(
  iam: IAMClient,
  options: { pageSize?: number } = {},
): Promise<{ policies: AttachedPolicy[]; calls: number }> {
  const policies: AttachedPolicy[] = [];
  let calls = 0;
  const pages = paginateListPolicies(
    { client: iam, pageSize: options.pageSize ?? MAX_PAGE_SIZE, stopOnSameToken: true },
    { Scope: 'AWS', OnlyAttached: true, PolicyUsageFilter: 'PermissionsPolicy' },
  );
  try {
    for await (const page of pages) {
      calls++;
      for (const p of page.Policies ?? []) if (p.Arn) policies.push({ arn: p.Arn, attachmentCount: p.AttachmentCount });
    }
  } catch (error) {
    calls++;
    const code = errorCode(error);
    throw new ListHoldersError(
      `listing the attached AWS managed policies failed: ${code}: ${(error as Error).message}`,
      code,
      null,
      calls,
      { cause: error },
    );
  }
  return { policies, calls };
}
