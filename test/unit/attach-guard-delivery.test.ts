// attach-guard acts only on a real EventBridge delivery of a CloudTrail event (issue 11, point 1). Anything else is
// logged as an error, counted, never detached, and not retried.
import { DetachRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAccountAccess } from '../../functions/aws/accounts.js';
import { handleAttachEvent } from '../../functions/guard/attach-event.js';
import { delivered, fixture } from '../support/fixtures.js';
import { guardDeps } from '../support/guard.js';

const iam = mockClient(IAMClient);
const sns = mockClient(SNSClient);
beforeEach(() => {
  iam.reset();
  sns.reset();
  iam.on(DetachRolePolicyCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

const FULL_ACCESS = 'AttachRolePolicy.eventbridge-full-access';
type Envelope = Record<string, unknown> & { detail: Record<string, unknown> };
const envelope = (change: (e: Envelope) => void = () => {}): Envelope => {
  const e = fixture<Envelope>(FULL_ACCESS);
  change(e);
  return e;
};

describe('attach-guard: only real deliveries are acted on', () => {
  it.each([
    ['a bare CloudTrail record', () => fixture(FULL_ACCESS).detail, /bare CloudTrail record/],
    ['a CloudTrail log file', () => ({ Records: [fixture(FULL_ACCESS).detail] }), /log file/],
    [
      'source evil.custom',
      () => fixture('AttachRolePolicy.eventbridge-forged-source'),
      /source is not aws\.iam or aws\.sso/,
    ],
    ['a replayed event', () => fixture('AttachRolePolicy.eventbridge-replayed'), /replay/],
    [
      'an envelope whose account differs from the record',
      () => fixture('AttachRolePolicy.eventbridge-account-mismatch'),
      /account differs/,
    ],
    [
      'another detail-type',
      () =>
        envelope((e) => {
          e['detail-type'] = 'AWS Console Sign In via CloudTrail';
        }),
      /detail-type/,
    ],
    [
      'an account that is not 12 digits',
      () =>
        envelope((e) => {
          e.account = '12345';
          e.detail.recipientAccountId = '12345';
        }),
      /12-digit/,
    ],
    ['no recipientAccountId', () => envelope((e) => void delete e.detail.recipientAccountId), /account differs/],
    [
      'aws.sso carrying an IAM record',
      () =>
        envelope((e) => {
          e.source = 'aws.sso';
        }),
      /does not carry/,
    ],
    ['no envelope id', () => envelope((e) => void delete e.id), /no id/],
    ['no time', () => envelope((e) => void delete e.time), /time/],
    ['not an object', () => 'AttachRolePolicy', /not an EventBridge event/],
  ])('%s: error log, RejectedDeliveries metric, no detach, no alert, no throw', async (_case, make, problem) => {
    const deps = guardDeps();
    await expect(handleAttachEvent(make(), deps)).resolves.toEqual({ outcome: null, alert: null });
    expect(iam.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    expect(deps.metrics.counts).toEqual({ RejectedDeliveries: 1 });
    expect(deps.logs).toEqual([
      {
        level: 'error',
        message: 'rejected delivery',
        fields: expect.objectContaining({ problem: expect.stringMatching(problem) }),
      },
    ]);
  });

  it('the same record in a real delivery is acted on', async () => {
    const deps = guardDeps();
    expect(
      (await handleAttachEvent(delivered(fixture(FULL_ACCESS).detail as Record<string, unknown>), deps)).outcome,
    ).toBe('reverted');
    expect(iam.commandCalls(DetachRolePolicyCommand)).toHaveLength(1);
  });

  it("a member account's forwarded event (account = recipientAccountId = the member) is acted on there", async () => {
    const deps = guardDeps({ homeAccount: '123456789012' });
    const accounts = createAccountAccess({
      home: deps.iam,
      homeAccount: '123456789012',
      member: null,
      sts: () => Promise.reject(new Error('no STS')),
    });
    const event = envelope((e) => {
      e.account = '222222222222';
      e.detail.recipientAccountId = '222222222222';
    });
    // No member role configured: never acted on at home; the alert says so.
    const response = await handleAttachEvent(event, { ...deps, accounts });
    expect(response.outcome).toBe('not-remediable');
    expect(response.alert).toMatchObject({ account: '222222222222' });
    expect(iam.calls()).toHaveLength(0);
  });
});
