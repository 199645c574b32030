// The README's deploy command, run against the emulator: `osls deploy` in alert mode, then what was deployed is
// read back through the real SDK clients, and `osls remove` leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { DescribeStacksCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
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
    const guard = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `iot-policy-guard-${stage}-attach-guard` }));
    const sweep = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `iot-policy-guard-${stage}-sweep` }));
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
    expect(JSON.parse(described.EventPattern ?? '{}')).toMatchObject({ source: ['aws.iam'], 'detail-type': ['AWS API Call via CloudTrail'] });
    const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: rule }));
    expect(Targets.map((t) => t.Arn)).toEqual([expect.stringContaining(`function:iot-policy-guard-${stage}-attach-guard`)]);

    const sns = new SNSClient(clientConfig(stack.target));
    const { Attributes = {} } = await sns.send(new GetTopicAttributesCommand({ TopicArn: stack.physicalId('AlertTopic') }));
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
    const removable = await deployStack(stack.target, `${stage}r`);
    await removable.remove();
    const cfn = new CloudFormationClient(clientConfig(stack.target));
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({ StackName: removable.stackName })).catch(() => ({ Stacks: [] }));
    expect(Stacks.filter((s) => s.StackStatus !== 'DELETE_COMPLETE')).toEqual([]);
    const lambda = new LambdaClient(clientConfig(stack.target));
    await expect(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `iot-policy-guard-${stage}r-attach-guard` }))).rejects.toThrow();
  }, 300_000);
});
