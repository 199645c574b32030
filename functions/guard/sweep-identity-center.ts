/**
 * The sweep's IAM Identity Center half: the permission sets of the Region's instances, the AWS managed policies
 * attached
 * to each, and a decision for every governed one with the same core and allowlist as attach-guard. A permission set
 * gives its policies to every account it is provisioned to, so one finding here stands for a role in each of them.
 *
 * Cost, in SSO admin calls: ListInstances (one page), ListPermissionSets (one per 100 permission sets),
 * ListManagedPoliciesInPermissionSet (one per permission set and 100 policies), and DescribePermissionSet once per
 * permission set that holds a governed policy (its name, cached for the container's life). The SSO admin API has no
 * look-up from a policy to the permission sets holding it, so each permission set's policies are listed once; only
 * those holding a governed policy cost more (docs/sweep.md).
 */
import { isGoverned } from '../core/catalog.js';
import { decide } from '../core/decide.js';
import { foundBySweep } from '../core/attachment.js';
import type { Attachment } from '../core/types.js';
import { errorCode } from '../aws/failure.js';
import {
  IdentityCenterListError,
  listInstanceArns,
  listManagedPolicyArns,
  listPermissionSetArns,
  type IdentityCenterAccess,
} from '../aws/sso.js';
import type { Found, ScanOptions, ScanStats } from './sweep-scan.js';

export interface IdentityCenterScanOptions extends Pick<ScanOptions, 'allowlist' | 'scope' | 'account' | 'now'> {
  /** Where Identity Center is enabled. */
  readonly region: string;
  /** Page size of the permission set listings (default and AWS maximum 100). */
  readonly pageSize?: number;
}

/** The attachment of `policyArn` to a permission set as the sweep found it at `foundAt`: no event, no actor. */
export function sweptPermissionSetAttachment(
  permissionSet: { readonly arn: string; readonly name: string | null; readonly instanceArn: string },
  policyArn: string,
  where: { readonly account: string | null; readonly region: string },
  foundAt: Date,
): Attachment {
  const principal = { type: 'permission-set' as const, name: permissionSet.arn };
  return foundBySweep(
    { ...where, principal, policyArn, instanceArn: permissionSet.instanceArn, permissionSetName: permissionSet.name },
    foundAt,
  );
}

/**
 * Lists every permission set's managed policies (all pages of one permission set before any of its attachments is
 * yielded, so that a caller detaching as it goes cannot shift the pages) and yields each governed attachment with its
 * decision. Counts into `stats` (attachments, verdicts, and `stats.identityCenter`). A listing that fails throws
 * IdentityCenterListError after the SDK's retries; a permission set deleted meanwhile is skipped.
 */
export async function* scanPermissionSets(
  access: IdentityCenterAccess,
  options: IdentityCenterScanOptions,
  stats: ScanStats,
): AsyncGenerator<Found> {
  const { region } = options;
  const sso = await access.clientFor(region);
  const counts = { region, instances: 0, permissionSets: 0, calls: 0 };
  stats.identityCenter = counts;
  const counted = async <T extends { calls: number }>(listing: Promise<T>): Promise<T> => {
    try {
      const result = await listing;
      counts.calls += result.calls;
      return result;
    } catch (error) {
      if (error instanceof IdentityCenterListError) counts.calls += error.calls;
      throw error;
    }
  };

  const instances = await counted(listInstanceArns(sso));
  counts.instances = instances.items.length;
  for (const instanceArn of instances.items) {
    const permissionSets = await counted(listPermissionSetArns(sso, instanceArn, options.pageSize));
    counts.permissionSets += permissionSets.items.length;
    for (const arn of permissionSets.items) {
      const { items: policies } = await counted(listManagedPolicyArns(sso, instanceArn, arn, options.pageSize));
      const governed = (policies ?? []).filter((policyArn) => isGoverned(policyArn, options.scope));
      if (governed.length === 0) continue;
      const { name } = await counted(lookUpName(access, region, instanceArn, arn));
      for (const policyArn of governed) {
        const attachment = sweptPermissionSetAttachment(
          { arn, name, instanceArn },
          policyArn,
          { account: options.account, region },
          options.now,
        );
        const decision = decide(attachment, options.allowlist, { scope: options.scope, now: options.now });
        stats.attachments++;
        stats.verdicts[decision.verdict]++;
        yield { attachment, decision };
      }
    }
  }
}

// The sweep's reads fail one way: a failed name look-up stops it like a failed listing, with the call counted.
async function lookUpName(
  access: IdentityCenterAccess,
  region: string,
  instanceArn: string,
  arn: string,
): Promise<{ name: string | null; calls: number }> {
  try {
    return await access.permissionSetName(region, instanceArn, arn);
  } catch (error) {
    const code = errorCode(error);
    throw new IdentityCenterListError(
      `looking up the name of ${arn} failed: ${code}: ${(error as Error).message}`,
      code,
      1,
      { cause: error },
    );
  }
}
