/** Detaching a policy from exactly one principal: the only write the guard ever makes to IAM. */
import {
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { Principal } from '../core/types.js';
import { errorCode, RemediationError } from './failure.js';

export type DetachResult = 'reverted' | 'already-detached' | 'not-remediable';

/**
 * Detaches `policyArn` from `principal`. NoSuchEntity (a retry, a duplicate delivery, someone was faster) is success;
 * UnmodifiableEntity (service-linked and Identity Center roles) cannot be fixed here. Anything else throws.
 */
export async function detachPolicy(
  iam: IAMClient,
  principal: Principal,
  policyArn: string,
): Promise<{ result: DetachResult; errorMessage?: string }> {
  // Not an IAM principal: respond() takes these to Identity Center (aws/sso.ts). Never report a detach not made.
  if (principal.type === 'permission-set')
    throw new TypeError('a permission set is detached through IAM Identity Center, not IAM');
  try {
    switch (principal.type) {
      case 'user':
        await iam.send(new DetachUserPolicyCommand({ UserName: principal.name, PolicyArn: policyArn }));
        break;
      case 'role':
        await iam.send(new DetachRolePolicyCommand({ RoleName: principal.name, PolicyArn: policyArn }));
        break;
      case 'group':
        await iam.send(new DetachGroupPolicyCommand({ GroupName: principal.name, PolicyArn: policyArn }));
        break;
    }
    return { result: 'reverted' };
  } catch (error) {
    const code = errorCode(error);
    if (code === 'NoSuchEntity') return { result: 'already-detached' };
    if (code === 'UnmodifiableEntity') return { result: 'not-remediable', errorMessage: (error as Error).message };
    throw new RemediationError(
      `detaching ${policyArn} from ${principal.type}/${principal.name} failed: ${code}: ${(error as Error).message}`,
      code,
      { cause: error },
    );
  }
}
