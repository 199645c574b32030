// The deployed entry point, end to end: configuration from the environment at cold start, clients built by the
// runtime, the account and partition taken from the invoked function ARN. Its own file, because it sets process.env.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { expect, it } from 'vitest';
import { digestSchema } from '../../functions/core/digest-schema.js';
import { lambdaContext } from '../support/lambda-context.js';
import {
  awsClientConfig,
  createSqsQueueSubscribedToTopic,
  describeWithEmulator,
  receiveAll,
  snsEnvelope,
  uniqueName,
} from './helpers/emulator.js';
import {
  accountEnv,
  attach,
  attachedPolicies,
  countingIamClient,
  createPrincipals,
  isolatedAccount,
  managed,
  role,
  user,
} from './sweep-account.js';

// An EventBridge schedule delivers this; the sweep does not read it.
const SCHEDULED_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-26T12:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/iot-policy-guard-dev-sweep'],
  detail: {},
};

describeWithEmulator('sweep handler module', () => {
  it('sweeps the account of its function ARN with the configured allowlist, and sends the digest', async () => {
    const account = await isolatedAccount();
    const { iam } = countingIamClient(account.config);
    const sns = new SNSClient(awsClientConfig());
    const { TopicArn = '' } = await sns.send(new CreateTopicCommand({ Name: uniqueName('sweep-handler') }));
    const { queueUrl } = await createSqsQueueSubscribedToTopic(TopicArn);
    try {
      await createPrincipals(iam, [
        role('iot-ingest-1'),
        role('intruder'),
        user('contractor-9'),
        ...Array.from({ length: 50 }, (_, i) => role(`filler-${i}`)),
      ]);
      await attach(iam, role('iot-ingest-1'), managed('AWSIoTDataAccess'));
      await attach(iam, role('intruder'), managed('AWSIoTFullAccess'));
      await attach(iam, user('contractor-9'), managed('AWSIoTConfigAccess'));

      const dir = mkdtempSync(join(tmpdir(), 'sweep-handler-'));
      const allowlistPath = join(dir, 'allowlist.yml');
      writeFileSync(
        allowlistPath,
        `version: 1
mode: alert
scope: seed
allow:
  - policy: AWSIoTDataAccess
    principal: role/iot-ingest-*
    account: "${account.accountId}"
    reason: ingest
  - policy: AWSIoTConfigAccess
    principal: user/contractor-*
    expires: 2026-01-31
    reason: ended
`,
      );
      Object.assign(process.env, {
        ...accountEnv(account),
        ALERT_TOPIC_ARN: TopicArn,
        // As the deploy sets it: the function's own account (the topic here lives in the emulator's default one).
        HOME_ACCOUNT_ID: account.accountId,
        ALLOWLIST_PATH: allowlistPath,
        GUARD_MODE: 'remediate',
        LOG_LEVEL: 'WARN',
        POWERTOOLS_METRICS_DISABLED: 'true',
      });
      const { handler } = await import('../../functions/sweep/handler.js');
      const context = lambdaContext('iot-policy-guard-dev-sweep', { account: account.accountId });

      const result = await handler(structuredClone(SCHEDULED_EVENT), context);

      expect(result).toEqual([
        expect.objectContaining({
          account: account.accountId,
          attachments: 3,
          violations: 2,
          listCalls: 4,
          digest: true,
          outcomes: expect.objectContaining({ reverted: 2 }),
        }),
      ]);
      expect(await attachedPolicies(iam, role('intruder'))).toEqual([]);
      expect(await attachedPolicies(iam, user('contractor-9'))).toEqual([]);
      expect(await attachedPolicies(iam, role('iot-ingest-1'))).toEqual([managed('AWSIoTDataAccess')]);

      const messages = await receiveAll(queueUrl, { expect: 3, timeoutMs: 10_000 });
      expect(messages).toHaveLength(3);
      const digests = messages.filter((m) => snsEnvelope(m).MessageAttributes?.kind?.Value === 'sweep-digest');
      expect(digests).toHaveLength(1);
      const digest = digestSchema.parse(JSON.parse(snsEnvelope(digests[0]!).Message));
      expect(digest).toMatchObject({
        account: account.accountId,
        mode: 'remediate',
        scope: 'seed',
        counts: { violations: 2, allowed: 1 },
      });
      expect(snsEnvelope(digests[0]!).Subject).toBe(
        `IoT policy sweep (${account.accountId}): 2 violations (2 reverted)`,
      );
    } finally {
      await sns.send(new DeleteTopicCommand({ TopicArn }));
      sns.destroy();
      iam.destroy();
    }
  });
});
