// The self-check of a stack deployed into the emulator with `osls deploy` (in an account of its own): the deployed
// sweep bundle runs with its deployed environment, checks the deployed rule, schedule, topic and key (clean), then the
// rule is disabled and the subscription deleted there, and the next run reports both, in its log, its metric and the
// digest it sends.
//
// The stack's own e-mail subscription (alertEmail) cannot serve: moto creates AWS::SNS::Subscription only as a
// placeholder (no subscription is listed on the topic), and a real one waits for a human to confirm it. The test
// subscribes an SQS queue to the deployed topic instead, as a security tool would, and deletes that.
//
// moto 5.2.4 keeps the policy of a key made by its CloudFormation as an object where KMS keeps JSON text, and then
// fails every DescribeKey of that key with HTTP 500 (kms/policy_validator.py: json.loads of a dict). The test puts the
// same policy back as text (what KMS stores) before the sweep reads the key.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DisableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { ListSubscriptionsByTopicCommand, SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deployedFunction, type DeployedFunction } from '../support/deployed-function.js';
import { clientConfig, deployStack, type DeployedStack } from '../support/deployed-stack.js';
import { deployTarget } from './helpers/deploy.js';
import { describeWithEmulator } from './helpers/emulator.js';

const SCHEDULED = { source: 'aws.scheduler', 'detail-type': 'Scheduled Event', detail: {} };

describeWithEmulator('self-check of a stack deployed into the emulator', () => {
  const stage = `e2esc${randomBytes(3).toString('hex')}`;
  const rule = `iot-policy-guard-${stage}-attach-policy`;
  let stack: DeployedStack;
  let sweep: DeployedFunction;
  let config: ReturnType<typeof clientConfig>;

  beforeAll(async () => {
    stack = await deployStack(await deployTarget(), stage);
    config = clientConfig(stack.target);
    sweep = await deployedFunction(stack, 'sweep', join(tmpdir(), `iot-policy-guard-${stage}`));
    const kms = new KMSClient(config);
    const keyId = sweep.environment.ALERT_KEY_ARN ?? '';
    const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }));
    await kms.send(
      new PutKeyPolicyCommand({
        KeyId: keyId,
        PolicyName: 'default',
        Policy: typeof Policy === 'string' ? Policy : JSON.stringify(Policy),
      }),
    );
  }, 300_000);

  afterAll(async () => {
    await stack?.remove();
  }, 120_000);

  /**
   * Runs the deployed sweep once: the self-check's log line, the SelfCheckDrift it emitted, the home account's result.
   */
  async function runSweep() {
    const { result, logs } = await sweep.invoke(SCHEDULED);
    const line = logs.find((l) => l.message === 'self-check clean' || l.message === 'self-check drift');
    const metric = logs.find((l) => 'SelfCheckDrift' in l);
    return { line, metric, home: (result as { account: string; digest: boolean }[])[0] };
  }

  it('names the deployed rule, schedule and key in the sweep’s environment', () => {
    expect(sweep.environment).toMatchObject({
      SELF_CHECK_RULE_NAMES: rule,
      SELF_CHECK_RULE_TARGET: expect.stringMatching(new RegExp(`:function:iot-policy-guard-${stage}-attach-guard$`)),
      SELF_CHECK_SCHEDULE: `iot-policy-guard-${stage}/iot-policy-guard-${stage}-sweep`,
      SELF_CHECK_TRAIL: '',
      ALERT_KEY_ARN: expect.stringMatching(new RegExp(`^arn:aws:kms:us-east-1:${stack.target.accountId}:key/`)),
      ALERT_TOPIC_ARN: stack.physicalId('AlertTopic'),
    });
  });

  it('gives the sweep role the self-check’s reads on those resources', async () => {
    const iam = new IAMClient(config);
    const roleName = `iot-policy-guard-${stage}-sweep-us-east-1`;
    const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
    expect(PolicyNames).toContain('self-check');
    const { PolicyDocument = '' } = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'self-check' }),
    );
    const document = JSON.parse(decodeURIComponent(PolicyDocument)) as { Statement: { Resource: unknown }[] };
    expect(document.Statement.flatMap((s) => [s.Resource].flat()).map(String)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`:rule/${rule}$`)),
        expect.stringMatching(new RegExp(`:schedule/iot-policy-guard-${stage}/iot-policy-guard-${stage}-sweep$`)),
        stack.physicalId('AlertTopic'),
        sweep.environment.ALERT_KEY_ARN,
      ]),
    );
  });

  it(
    'is clean as deployed with a confirmed subscription, then ' +
      'reports the disabled rule and the deleted subscription',
    async () => {
      const topicArn = stack.physicalId('AlertTopic');
      const sns = new SNSClient(config);
      // moto's placeholder for the stack's own subscription lists nothing.
      expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? []).toEqual(
        [],
      );
      const sqs = new SQSClient(config);
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${stage}-alerts` }));
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      const { SubscriptionArn = '' } = await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: Attributes?.QueueArn,
          ReturnSubscriptionArn: true,
        }),
      );

      const clean = await runSweep();
      expect(clean.line).toMatchObject({ level: 'INFO', message: 'self-check clean', checks: 4, drift: 0 });
      expect(clean.metric).toMatchObject({ SelfCheckDrift: 0, FunctionName: sweep.name });
      expect(clean.home).toMatchObject({ account: stack.target.accountId, digest: false });

      await new EventBridgeClient(config).send(new DisableRuleCommand({ Name: rule }));
      await sns.send(new UnsubscribeCommand({ SubscriptionArn }));
      const drifted = await runSweep();
      expect(drifted.line).toMatchObject({
        level: 'WARN',
        message: 'self-check drift',
        checks: 4,
        drift: 2,
        findings: [
          {
            check: 'attach-rule',
            resource: rule,
            problem: 'the rule is DISABLED: no attach event reaches attach-guard',
          },
          {
            check: 'alert-subscription',
            resource: topicArn,
            problem: 'the alert topic has no subscription: alerts and digests reach nobody',
          },
        ],
      });
      expect(drifted.metric).toMatchObject({
        SelfCheckDrift: 2,
        FunctionName: sweep.name,
        service: 'iot-policy-guard',
      });
      // The drift alone makes the run send its digest.
      expect(drifted.home).toMatchObject({ account: stack.target.accountId, digest: true });
    },
  );
});
