// The README's deploy command, run against the emulator: `osls deploy` in alert mode, then what was deployed is
// read back through the real SDK clients, and `osls remove` leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { DescribeStacksCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, IAMClient, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetTopicAttributesCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientConfig, deployStack, type DeployedStack } from '../support/deployed-stack.js';
import { describeWithEmulator } from './helpers/emulator.js';
import { deployTarget } from './helpers/deploy.js';

describeWithEmulator('osls deploy into the emulator, alert mode', () => {
  const stage = `e2ea${randomBytes(3).toString('hex')}`;
  let stack: DeployedStack;

  beforeAll(async () => {
    stack = await deployStack(await deployTarget(), stage);
  }, 300_000);

  afterAll(async () => {
    await stack?.remove();
  }, 120_000);

  it('deploys both functions with the configuration of alert mode', async () => {
    const lambda = new LambdaClient(clientConfig(stack.target));
    const guard = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: `iot-policy-guard-${stage}-attach-guard` }),
    );
    const sweep = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: `iot-policy-guard-${stage}-sweep` }),
    );
    for (const fn of [guard, sweep]) {
      expect(fn.Runtime).toBe('nodejs22.x');
      expect(fn.Environment?.Variables).toMatchObject({
        GUARD_MODE: 'alert',
        ALLOWLIST_PATH: '.build/infra/allowlist.json',
        ALERT_TOPIC_ARN: stack.physicalId('AlertTopic'),
      });
    }
    expect(guard.Role).toContain(`iot-policy-guard-${stage}-attach-guard-us-east-1`);
  });

  it('routes the attach rule to attach-guard and keeps the topic encrypted with the stack key', async () => {
    const events = new EventBridgeClient(clientConfig(stack.target));
    const rule = `iot-policy-guard-${stage}-attach-policy`;
    const described = await events.send(new DescribeRuleCommand({ Name: rule }));
    expect(described.State).toBe('ENABLED');
    expect(JSON.parse(described.EventPattern ?? '{}')).toMatchObject({
      source: ['aws.iam'],
      'detail-type': ['AWS API Call via CloudTrail'],
    });
    const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: rule }));
    expect(Targets.map((t) => t.Arn)).toEqual([
      expect.stringContaining(`function:iot-policy-guard-${stage}-attach-guard`),
    ]);

    const sns = new SNSClient(clientConfig(stack.target));
    const { Attributes = {} } = await sns.send(
      new GetTopicAttributesCommand({ TopicArn: stack.physicalId('AlertTopic') }),
    );
    expect(Attributes.KmsMasterKeyId).toBeTruthy();
  });

  it('gives attach-guard a role without any detach permission in alert mode', async () => {
    const iam = new IAMClient(clientConfig(stack.target));
    const roleName = `iot-policy-guard-${stage}-attach-guard-us-east-1`;
    await iam.send(new GetRoleCommand({ RoleName: roleName }));
    const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
    expect(stack.resources.RemediationPolicy).toBeUndefined();
    expect(PolicyNames.length).toBeGreaterThan(0);
  });

  it('is removed by osls remove without a trace', async () => {
    // A stack of its own in an account of its own, so that "nothing left" can be read off the whole account.
    const removable = await deployStack(await deployTarget(), `${stage}r`);
    const config = clientConfig(removable.target);
    expect((await new LambdaClient(config).send(new ListFunctionsCommand({}))).Functions?.length).toBe(2);
    await removable.remove();

    const cfn = new CloudFormationClient(config);
    const { Stacks = [] } = await cfn
      .send(new DescribeStacksCommand({ StackName: removable.stackName }))
      .catch(() => ({ Stacks: [] }));
    expect(Stacks.filter((s) => s.StackStatus !== 'DELETE_COMPLETE')).toEqual([]);
    const left = {
      functions: (await new LambdaClient(config).send(new ListFunctionsCommand({}))).Functions ?? [],
      topics: (await new SNSClient(config).send(new ListTopicsCommand({}))).Topics ?? [],
      rules: (await new EventBridgeClient(config).send(new ListRulesCommand({}))).Rules ?? [],
      schedules: (await new SchedulerClient(config).send(new ListSchedulesCommand({}))).Schedules ?? [],
      queues: (await new SQSClient(config).send(new ListQueuesCommand({}))).QueueUrls ?? [],
      roles: ((await new IAMClient(config).send(new ListRolesCommand({}))).Roles ?? []).filter((r) =>
        r.RoleName?.startsWith('iot-policy-guard'),
      ),
      buckets: (await new S3Client({ ...config, forcePathStyle: true }).send(new ListBucketsCommand({}))).Buckets ?? [],
      enabledKeys: await enabledKeys(new KMSClient(config)),
    };
    expect(left).toEqual({
      functions: [],
      topics: [],
      rules: [],
      schedules: [],
      queues: [],
      roles: [],
      buckets: [],
      enabledKeys: [],
    });
  }, 300_000);
});

/** Keys not disabled or scheduled for deletion (CloudFormation schedules a deleted key's deletion). */
async function enabledKeys(kms: KMSClient): Promise<string[]> {
  const { Keys = [] } = await kms.send(new ListKeysCommand({}));
  const states = await Promise.all(
    Keys.map(async (k) => (await kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata),
  );
  return states.filter((m) => m?.KeyState === 'Enabled').map((m) => m?.KeyId ?? '');
}
