// attach-guard's hardening (issue 11) end to end against moto: forged deliveries detach nothing, and an alert SNS
// refuses after a detach is kept in the fallback queue instead of living only in a log line.
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Alert } from '../../functions/core/alert.js';
import { fixture, fresh } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';
import {
  awsClientConfig,
  createSqsQueueSubscribedToTopic,
  describeWithEmulator,
  motoEndpoint,
  receiveAll,
  uniqueName,
} from './helpers/emulator.js';

const FULL = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';
const TRUST = '{"Version":"2012-10-17","Statement":[]}';
const context = lambdaContext('attach-guard');
type Handler = (event: unknown, context: Context) => Promise<{ outcome: string | null }>;
type Envelope = { id: string; detail: Record<string, unknown> & { requestParameters: Record<string, unknown> } };

describeWithEmulator('attach-guard hardening against moto', () => {
  const prefix = uniqueName('hd');
  let iam: IAMClient;
  let topicArn: string;
  let fallbackQueue: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    iam = new IAMClient(awsClientConfig());
    ({ TopicArn: topicArn = '' } = await new SNSClient(awsClientConfig()).send(
      new CreateTopicCommand({ Name: `${prefix}-alerts` }),
    ));
    ({ QueueUrl: fallbackQueue = '' } = await new SQSClient(awsClientConfig()).send(
      new CreateQueueCommand({ QueueName: `${prefix}-dead-letters` }),
    ));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: motoEndpoint()!,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      ALLOWLIST_PATH: 'infra/allowlist.yml',
      GUARD_MODE: 'remediate',
      ALERT_FALLBACK_QUEUE_URL: fallbackQueue,
      LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
  });
  afterAll(() => {
    process.env = saved;
  });

  const load = async (alertTopicArn: string): Promise<Handler> => {
    process.env.ALERT_TOPIC_ARN = alertTopicArn;
    vi.resetModules();
    return ((await import('../../functions/attach-guard/handler.js')) as unknown as { handler: Handler }).handler;
  };
  const roleHolding = async (name: string): Promise<string> => {
    const role = `${prefix}-${name}`;
    await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: TRUST }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: FULL }));
    return role;
  };
  const attached = async (role: string) =>
    ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? []).map(
      (p) => p.PolicyArn,
    );
  const forRole = <T extends Envelope>(event: T, role: string): T => {
    event.id = crypto.randomUUID();
    event.detail.eventID = crypto.randomUUID();
    event.detail.requestParameters = { roleName: role, policyArn: FULL };
    return fresh(event);
  };

  it('forged deliveries detach nothing; the same call in a real delivery does', async () => {
    const handler = await load(topicArn);
    const { queueUrl: alerts } = await createSqsQueueSubscribedToTopic(topicArn);
    const role = await roleHolding('forged');
    const forged: unknown[] = [
      forRole(fixture<Envelope>('AttachRolePolicy.eventbridge-forged-source'), role),
      forRole(fixture<Envelope>('AttachRolePolicy.eventbridge-replayed'), role),
      forRole(fixture<Envelope>('AttachRolePolicy.eventbridge-account-mismatch'), role),
      forRole(fixture<Envelope>('AttachRolePolicy.eventbridge-full-access'), role).detail,
      { Records: [forRole(fixture<Envelope>('AttachRolePolicy.eventbridge-full-access'), role).detail] },
    ];
    for (const event of forged) expect(await handler(event, context)).toEqual({ outcome: null });
    expect(await attached(role)).toEqual([FULL]);
    expect(await receiveAll(alerts, { expect: 1, timeoutMs: 1_500 })).toEqual([]);

    expect(
      await handler(forRole(fixture<Envelope>('AttachRolePolicy.eventbridge-full-access'), role), context),
    ).toEqual({ outcome: 'reverted' });
    expect(await attached(role)).toEqual([]);
  });

  it(
    'an alert SNS refuses after a detach is kept in the ' + 'fallback queue, and the invocation fails for a retry',
    async () => {
      // A topic that does not exist: SNS answers NotFound to every publish.
      const handler = await load(`arn:aws:sns:us-east-1:123456789012:${prefix}-missing`);
      const role = await roleHolding('refused');
      await expect(
        handler(forRole(fixture<Envelope>('AttachRolePolicy.eventbridge-full-access'), role), context),
      ).rejects.toThrow();
      expect(await attached(role)).toEqual([]);
      const [kept, ...more] = await receiveAll(fallbackQueue, { expect: 1 });
      expect(more).toEqual([]);
      expect(kept?.MessageAttributes?.kind?.StringValue).toBe('undelivered-alert');
      expect(JSON.parse(kept!.Body!) as Alert).toMatchObject({
        outcome: 'reverted',
        principal: { type: 'role', name: role },
        policyArn: FULL,
      });
    },
  );
});
