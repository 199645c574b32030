// The self-check against a stack deployed into the emulator with `osls deploy`: the sweep's deployed environment names
// the resources, the self-check reads them (clean), then the rule is disabled and the subscription deleted there, and
// both are reported.
//
// The stack's own e-mail subscription (alertEmail) cannot serve: moto creates AWS::SNS::Subscription only as a
// placeholder (no subscription is listed on the topic), and a real one waits for a human to confirm it. The test
// subscribes an SQS queue to the deployed topic instead, as a security tool would, and deletes that.
//
// moto 5.2.4 keeps the policy of a key made by its CloudFormation as an object where KMS keeps JSON text, and then
// fails every DescribeKey of that key with HTTP 500 (kms/policy_validator.py: json.loads of a dict). The test puts the
// same policy back as text (what KMS stores) before the self-check reads the key.
import { randomBytes } from 'node:crypto';
import { DisableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListSubscriptionsByTopicCommand, SNSClient, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadGuardConfig } from '../../functions/config/guard-config.js';
import { loadSelfCheckConfig } from '../../functions/config/self-check-config.js';
import { createSelfCheckClients, runSelfCheck } from '../../functions/guard/self-check.js';
import { deployStack, type DeployedStack } from '../support/deployed-stack.js';
import { guardDeps } from '../support/guard.js';
import { awsClientConfig, createSqsQueueSubscribedToTopic, describeWithEmulator, motoEndpoint } from './helpers/emulator.js';

describeWithEmulator('self-check of a stack deployed into the emulator', () => {
  const stage = `e2esc${randomBytes(3).toString('hex')}`;
  let stack: DeployedStack;
  let environment: Record<string, string>;

  beforeAll(async () => {
    stack = await deployStack(motoEndpoint() ?? '', stage);
    const sweep = await new LambdaClient(awsClientConfig()).send(new GetFunctionConfigurationCommand({ FunctionName: `iot-policy-guard-${stage}-sweep` }));
    environment = sweep.Environment?.Variables ?? {};
    const kms = new KMSClient(awsClientConfig());
    const keyId = environment.ALERT_KEY_ARN ?? '';
    const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }));
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: typeof Policy === 'string' ? Policy : JSON.stringify(Policy) }));
  }, 300_000);

  afterAll(async () => {
    await stack?.remove();
  }, 120_000);

  it('names the deployed rule, schedule and key in the sweep’s environment', () => {
    expect(environment).toMatchObject({
      SELF_CHECK_RULE_NAMES: `iot-policy-guard-${stage}-attach-policy`,
      SELF_CHECK_RULE_TARGET: expect.stringMatching(new RegExp(`:function:iot-policy-guard-${stage}-attach-guard$`)),
      SELF_CHECK_SCHEDULE: `iot-policy-guard-${stage}/iot-policy-guard-${stage}-sweep`,
      SELF_CHECK_TRAIL: '',
      ALERT_KEY_ARN: expect.stringMatching(/^arn:aws:kms:us-east-1:\d{12}:key\//),
      ALERT_TOPIC_ARN: stack.physicalId('AlertTopic'),
    });
  });

  it('gives the sweep role the self-check’s reads on those resources', async () => {
    const iam = new IAMClient(awsClientConfig());
    const roleName = `iot-policy-guard-${stage}-sweep-us-east-1`;
    const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
    expect(PolicyNames).toContain('self-check');
    const { PolicyDocument = '' } = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'self-check' }));
    const document = JSON.parse(decodeURIComponent(PolicyDocument)) as { Statement: { Resource: unknown }[] };
    const resources = document.Statement.flatMap((s) => [s.Resource].flat()).map(String);
    expect(resources).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`:rule/iot-policy-guard-${stage}-attach-policy$`)),
        expect.stringMatching(new RegExp(`:schedule/iot-policy-guard-${stage}/iot-policy-guard-${stage}-sweep$`)),
        stack.physicalId('AlertTopic'),
        environment.ALERT_KEY_ARN,
      ]),
    );
  });

  it('is clean as deployed with a confirmed subscription, then reports the disabled rule and the deleted subscription', async () => {
    const topicArn = stack.physicalId('AlertTopic');
    const sns = new SNSClient(awsClientConfig());
    // moto's placeholder for the stack's own subscription lists nothing.
    expect((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? []).toEqual([]);
    const { subscriptionArn } = await createSqsQueueSubscribedToTopic(topicArn);

    // The configuration the deployed sweep reads at cold start, from its deployed environment.
    const guard = loadGuardConfig({ ...environment, ALLOWLIST_PATH: 'infra/allowlist.yml' });
    const config = loadSelfCheckConfig(environment, guard)!;
    const deps = guardDeps();
    const run = async () => {
      const emitted: number[] = [];
      const summary = await runSelfCheck(config, createSelfCheckClients(config, sns, awsClientConfig()), deps.logger, (n) => void emitted.push(n));
      return { problems: summary.drift.map((d) => `${d.check} ${d.resource}: ${d.problem}`), checks: summary.checks, emitted };
    };
    expect(await run()).toEqual({ problems: [], checks: 4, emitted: [0] });

    await new EventBridgeClient(awsClientConfig()).send(new DisableRuleCommand({ Name: `iot-policy-guard-${stage}-attach-policy` }));
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn }));
    expect(await run()).toEqual({
      problems: [
        `attach-rule iot-policy-guard-${stage}-attach-policy: the rule is DISABLED: no attach event reaches attach-guard`,
        `alert-subscription ${topicArn}: the alert topic has no subscription: alerts and digests reach nobody`,
      ],
      checks: 4,
      emitted: [2],
    });
  });
});
