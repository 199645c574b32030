/**
 * IAM Identity Center (the SSO admin API): taking a policy off a permission set and pushing that change to the
 * accounts, looking up a permission set's name, and the sweep's listings. Identity Center is regional: every call goes
 * to the Region where it is enabled, which is the `awsRegion` of its CloudTrail events.
 */
import type { PermissionSetProvisioningStatus, SSOAdminClient, SSOAdminClientConfig } from '@aws-sdk/client-sso-admin';
import type { Provisioning } from '../core/alert.js';
import { errorCode, RemediationError } from './failure.js';
import { onFirstUse } from './lazy.js';

/**
 * The SSO admin SDK, loaded by the first call that needs it: a guard that never sees a permission set, and a sweep
 * without IDENTITY_CENTER_REGION, never load it (docs/cold-start.md).
 */
const ssoAdmin = onFirstUse(() => import('@aws-sdk/client-sso-admin'));

export interface IdentityCenterAccess {
  /**
   * The SSO admin client of a Region: built on first use, then kept for the container's life. A promise, so that the
   * functions can load the SSO admin SDK on first use (aws/lazy.ts) rather than at every cold start.
   */
  clientFor(region: string): Promise<SSOAdminClient>;
  /**
   * The permission set's name (CloudTrail records only its ARN); null when the permission set does not exist. Cached
   * for the container's life: a permission set's name cannot be changed. `calls` is 0 when it came from the cache.
   * Any error but ResourceNotFound throws.
   */
  permissionSetName(
    region: string,
    instanceArn: string,
    permissionSetArn: string,
  ): Promise<{ name: string | null; calls: number }>;
  /** Closes the clients built so far (the CLI; a Lambda container keeps them). */
  destroy(): void;
}

/** Builds the per-Region clients and the name cache; `config` is merged into every client's configuration. */
export function createIdentityCenterAccess(
  config: SSOAdminClientConfig = {},
  makeClient: (c: SSOAdminClientConfig) => SSOAdminClient | Promise<SSOAdminClient> = async (c) =>
    new (await ssoAdmin()).SSOAdminClient(c),
): IdentityCenterAccess {
  const clients = new Map<string, SSOAdminClient>();
  const names = new Map<string, string>();
  const clientFor = async (region: string): Promise<SSOAdminClient> => {
    const known = clients.get(region);
    if (known) return known;
    const client = await makeClient({ ...config, region });
    // Two first calls for one Region at once: the first client built is kept, the other closed.
    const kept = clients.get(region);
    if (kept) {
      client.destroy();
      return kept;
    }
    clients.set(region, client);
    return client;
  };
  return {
    clientFor,
    async permissionSetName(region, instanceArn, permissionSetArn) {
      const cached = names.get(permissionSetArn);
      if (cached !== undefined) return { name: cached, calls: 0 };
      const name = await describePermissionSetName(await clientFor(region), instanceArn, permissionSetArn);
      if (name !== null) names.set(permissionSetArn, name);
      return { name, calls: 1 };
    },
    destroy() {
      for (const client of clients.values()) client.destroy();
      clients.clear();
    },
  };
}

/** DescribePermissionSet's Name; null when the permission set (or the instance) does not exist. */
export async function describePermissionSetName(
  sso: SSOAdminClient,
  instanceArn: string,
  permissionSetArn: string,
): Promise<string | null> {
  const { DescribePermissionSetCommand } = await ssoAdmin();
  try {
    const out = await sso.send(
      new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: permissionSetArn }),
    );
    return out.PermissionSet?.Name ?? null;
  } catch (error) {
    if (errorCode(error) === 'ResourceNotFound') return null;
    throw error;
  }
}

export interface PermissionSetRemediation {
  /** `already-detached`: the policy (or the whole permission set) was gone already: a retry, or someone was faster. */
  readonly result: 'reverted' | 'already-detached';
  /** What ProvisionPermissionSet answered; null when the permission set no longer exists. */
  readonly provisioning: Provisioning | null;
}

/**
 * Detaches `policyArn` from the permission set, then provisions the permission set to every account it is provisioned
 * to (TargetType ALL_PROVISIONED_ACCOUNTS): detaching alone changes the permission set, not the IAM roles Identity
 * Center made from it in those accounts. Provisioning follows an already-detached policy too, so that a retry after a
 * failed provisioning finishes the job. ProvisionPermissionSet usually answers IN_PROGRESS and completes
 * asynchronously; its status is reported as answered (DescribePermissionSetProvisioningStatus is not polled).
 * Throws RemediationError when either call fails, or provisioning answers FAILED.
 */
export async function detachFromPermissionSet(
  sso: SSOAdminClient,
  target: { readonly instanceArn: string; readonly permissionSetArn: string; readonly policyArn: string },
): Promise<PermissionSetRemediation> {
  const { DetachManagedPolicyFromPermissionSetCommand, ProvisionPermissionSetCommand } = await ssoAdmin();
  const { instanceArn, permissionSetArn, policyArn } = target;
  const what = `${policyArn} from permission set ${permissionSetArn}`;
  let result: PermissionSetRemediation['result'] = 'reverted';
  try {
    await sso.send(
      new DetachManagedPolicyFromPermissionSetCommand({
        InstanceArn: instanceArn,
        PermissionSetArn: permissionSetArn,
        ManagedPolicyArn: policyArn,
      }),
    );
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'ResourceNotFound')
      throw new RemediationError(`detaching ${what} failed: ${code}: ${(error as Error).message}`, code, {
        cause: error,
      });
    result = 'already-detached';
  }
  let status: PermissionSetProvisioningStatus | undefined;
  try {
    ({ PermissionSetProvisioningStatus: status } = await sso.send(
      new ProvisionPermissionSetCommand({
        InstanceArn: instanceArn,
        PermissionSetArn: permissionSetArn,
        TargetType: 'ALL_PROVISIONED_ACCOUNTS',
      }),
    ));
  } catch (error) {
    const code = errorCode(error);
    // The permission set itself is gone: no account holds anything through it any more.
    if (code === 'ResourceNotFound' && result === 'already-detached') return { result, provisioning: null };
    throw new RemediationError(
      `detached ${what}, but provisioning it to its accounts failed: ${code}: ${(error as Error).message}`,
      code,
      { cause: error },
    );
  }
  const provisioning: Provisioning = {
    status: status?.Status ?? 'UNKNOWN',
    requestId: status?.RequestId ?? null,
    failureReason: status?.FailureReason ?? null,
  };
  if (provisioning.status === 'FAILED') {
    throw new RemediationError(
      `detached ${what}, but provisioning it to its accounts FAILED (request ` +
        `${provisioning.requestId ?? 'unknown'}): ${provisioning.failureReason ?? 'no reason given'}`,
      'ProvisioningFailed',
    );
  }
  return { result, provisioning };
}

/** A listing of the sweep failed (after the SDK's retries). */
export class IdentityCenterListError extends Error {
  override readonly name = 'IdentityCenterListError';
  constructor(
    message: string,
    readonly code: string,
    /** Calls made for this listing, the failed one included. */
    readonly calls: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Listing<T> = { readonly items: readonly T[]; readonly calls: number };

async function collect<P, T>(
  what: string,
  pages: AsyncIterable<P>,
  pick: (page: P) => readonly T[] | undefined,
): Promise<Listing<T>> {
  const items: T[] = [];
  let calls = 0;
  try {
    for await (const page of pages) {
      calls++;
      items.push(...(pick(page) ?? []));
    }
  } catch (error) {
    const code = errorCode(error);
    throw new IdentityCenterListError(`listing ${what} failed: ${code}: ${(error as Error).message}`, code, calls + 1, {
      cause: error,
    });
  }
  return { items, calls };
}

/** The ARNs of the Region's Identity Center instances (one per organization, or per account). */
export async function listInstanceArns(sso: SSOAdminClient): Promise<Listing<string>> {
  const { paginateListInstances } = await ssoAdmin();
  return collect('Identity Center instances', paginateListInstances({ client: sso }, {}), (p) =>
    p.Instances?.flatMap((i) => (i.InstanceArn ? [i.InstanceArn] : [])),
  );
}

/** Every permission set ARN of an instance, over all pages. */
export async function listPermissionSetArns(
  sso: SSOAdminClient,
  instanceArn: string,
  pageSize = 100,
): Promise<Listing<string>> {
  const { paginateListPermissionSets } = await ssoAdmin();
  return collect(
    `the permission sets of ${instanceArn}`,
    paginateListPermissionSets({ client: sso, pageSize }, { InstanceArn: instanceArn }),
    (p) => p.PermissionSets,
  );
}

/** The AWS managed policy ARNs attached to a permission set, over all pages; null when it no longer exists. */
export async function listManagedPolicyArns(
  sso: SSOAdminClient,
  instanceArn: string,
  permissionSetArn: string,
  pageSize = 100,
): Promise<Listing<string> | { readonly items: null; readonly calls: number }> {
  const { paginateListManagedPoliciesInPermissionSet } = await ssoAdmin();
  const pages = paginateListManagedPoliciesInPermissionSet(
    { client: sso, pageSize },
    { InstanceArn: instanceArn, PermissionSetArn: permissionSetArn },
  );
  try {
    return await collect(`the managed policies of ${permissionSetArn}`, pages, (p) =>
      p.AttachedManagedPolicies?.flatMap((m) => (m.Arn ? [m.Arn] : [])),
    );
  } catch (error) {
    // Deleted between listing the permission sets and listing its policies.
    if (error instanceof IdentityCenterListError && error.code === 'ResourceNotFound' && error.calls === 1)
      return { items: null, calls: 1 };
    throw error;
  }
}
