/**
 * Detaching one governed attachment at the right layer: the policy from the IAM principal in the event's account, or
 * from the permission set in the event's IAM Identity Center Region. attach-guard, the sweep and `audit --remediate`
 * all detach through here.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Provisioning } from '../core/alert.js';
import type { AttachEvent } from '../core/types.js';
import { AccountAccessError, type AccountAccess } from '../aws/accounts.js';
import { detachPolicy, type DetachResult } from '../aws/iam.js';
import { detachFromPermissionSet, type IdentityCenterAccess } from '../aws/sso.js';

/**
 * Why nothing could be detached: `refused` — IAM does not allow changes to this principal (service-linked and Identity
 * Center roles), an outcome to report; `out-of-reach` — this guard cannot act where the attachment is (no principal, no
 * Region, instance or Identity Center client, a member account's role missing or refusing), a problem with the setup.
 */
export type NotRemediableKind = 'refused' | 'out-of-reach';

export interface Remediation {
  readonly result: DetachResult;
  /** Why nothing could be detached (`not-remediable`): `name` and `message` go into the alert. */
  readonly error?: { readonly kind: NotRemediableKind; readonly name: string; readonly message: string };
  /** What ProvisionPermissionSet answered, for a permission set. */
  readonly provisioning?: Provisioning;
}

export interface RemediationClients {
  /** IAM in the function's (or the CLI's) own account. */
  readonly iam: IAMClient;
  /** IAM in other accounts; without it, only `iam`'s own account is acted in. */
  readonly accounts?: AccountAccess;
  readonly identityCenter?: IdentityCenterAccess;
  /** Identity Center's Region when the event does not name one (the sweep and audit know it). */
  readonly identityCenterRegion?: string;
}

type Target = Pick<AttachEvent, 'principal' | 'policyArn' | 'account' | 'region' | 'instanceArn'>;

/**
 * Detaches the attachment. Returns `not-remediable` (with the reason) when it cannot be done here and retrying would
 * not
 * help; throws RemediationError when an attempt failed in a way a retry may fix. Never guesses a missing account,
 * Region or instance.
 */
export async function remediate(target: Target, clients: RemediationClients): Promise<Remediation> {
  const { principal, policyArn } = target;
  if (principal === null || policyArn === null) {
    // The reader never yields a successful attach call without both.
    return {
      result: 'not-remediable',
      error: { kind: 'out-of-reach', name: 'IncompleteEvent', message: 'the event names no principal or policy' },
    };
  }
  if (principal.type === 'permission-set') {
    const region = target.region ?? clients.identityCenterRegion ?? null;
    if (!clients.identityCenter || !region || !target.instanceArn) {
      const message = clients.identityCenter
        ? 'the event names no Region or Identity Center instance'
        : 'this guard has no IAM Identity Center client';
      return { result: 'not-remediable', error: { kind: 'out-of-reach', name: 'IdentityCenterUnavailable', message } };
    }
    const { result, provisioning } = await detachFromPermissionSet(await clients.identityCenter.clientFor(region), {
      instanceArn: target.instanceArn,
      permissionSetArn: principal.name,
      policyArn,
    });
    return provisioning ? { result, provisioning } : { result };
  }
  let iam: IAMClient;
  try {
    iam = clients.accounts ? await clients.accounts.iamFor(target.account) : clients.iam;
  } catch (error) {
    // A member account whose role is missing or refuses us: nothing a retry fixes; the other accounts go on.
    if (!(error instanceof AccountAccessError)) throw error;
    return { result: 'not-remediable', error: { kind: 'out-of-reach', name: error.name, message: error.message } };
  }
  const { result, errorMessage } = await detachPolicy(iam, principal, policyArn);
  if (result !== 'not-remediable') return { result };
  return {
    result,
    error: {
      kind: 'refused',
      name: 'UnmodifiableEntity',
      message: errorMessage ?? 'IAM does not allow changes to this principal',
    },
  };
}
