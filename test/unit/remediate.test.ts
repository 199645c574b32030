import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { attachmentOf, foundBySweep } from '../../functions/core/attachment.js';
import { remediate } from '../../functions/guard/remediate.js';
import { respond } from '../../functions/guard/respond.js';
import { guardDeps } from '../support/guard.js';

const sns = mockClient(SNSClient);
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: '1' });
});

const permissionSetEvent = {
  eventId: 'e-1',
  eventTime: '2026-11-20T10:00:00Z',
  eventName: 'AttachManagedPolicyToPermissionSet' as const,
  account: '123456789012',
  region: null,
  instanceArn: null,
  errorCode: null,
  errorMessage: null,
  principal: {
    type: 'permission-set' as const,
    name: 'arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef',
  },
  policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess',
  actor: { type: null, arn: null, issuerArn: null, invokedBy: null, sourceIp: null, userAgent: null },
};

describe('remediate', () => {
  it(
    'never guesses: no principal, or a permission set without ' +
      'Region, instance or Identity Center, is not-remediable',
    async () => {
      const { iam } = guardDeps();
      expect(await remediate({ ...permissionSetEvent, principal: null }, { iam })).toMatchObject({
        result: 'not-remediable',
        error: { name: 'IncompleteEvent' },
      });
      expect(await remediate(permissionSetEvent, { iam })).toMatchObject({
        result: 'not-remediable',
        error: { name: 'IdentityCenterUnavailable' },
      });
    },
  );

  it(
    'the sweep leaves a standing not-remediable permission ' + 'set to its digest, whatever the principal type',
    async () => {
      const deps = guardDeps();
      const decision = {
        verdict: 'violation' as const,
        action: 'remediate' as const,
        rule: null,
        reason: 'no allowlist entry matches',
      };
      const swept = await respond(
        foundBySweep(
          {
            account: permissionSetEvent.account,
            region: null,
            principal: permissionSetEvent.principal,
            policyArn: permissionSetEvent.policyArn,
            instanceArn: null,
          },
          new Date('2026-11-26T12:00:00Z'),
        ),
        decision,
        deps,
        { alerts: 'remediations' },
      );
      expect(swept).toEqual({ outcome: 'not-remediable', alert: null });
      expect(sns.calls()).toHaveLength(0);
      const event = await respond(attachmentOf(permissionSetEvent), decision, deps);
      expect(event.outcome).toBe('not-remediable');
      expect(sns.calls()).toHaveLength(1);
    },
  );
});
