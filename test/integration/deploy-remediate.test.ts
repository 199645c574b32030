// The deployed whole, end to end: `osls deploy` (the README's command) into the emulator in remediate mode, in an
// account of its own; what was deployed is read back; the deployed bundles (taken from the deployment bucket) run in
// fresh node processes with the deployed environment, on events that the deployed rule routed; detaches and alerts
// are checked in the emulator.
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, PutEventsCommand, PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deployedFunction, type DeployedFunction } from '../support/deployed-function.js';
import { clientConfig, deployStack, type DeployedStack } from '../support/deployed-stack.js';
import { fixture } from '../support/fixtures.js';
import { describeWithEmulator } from './helpers/emulator.js';
import { deployTarget } from './helpers/deploy.js';

const FULL_ACCESS = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';
const DATA_ACCESS = 'arn:aws:iam::aws:policy/AWSIoTDataAccess';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

describeWithEmulator('the deployed stack in remediate mode, driven end to end', () => {
  const stage = `e2er${randomBytes(3).toString('hex')}`;
  const work = join(tmpdir(), `iot-policy-guard-${stage}`);
  let stack: DeployedStack;
  let guard: DeployedFunction;
  let sweep: DeployedFunction;
  let iam: IAMClient;
  let sqs: SQSClient;
  let events: EventBridgeClient;
  let routedQueue: string;
  let alertQueue: string;
  let deployedTargets: string[];
  const rule = `iot-policy-guard-${stage}-attach-policy`;

  beforeAll(async () => {
    stack = await deployStack(await deployTarget(), stage, { mode: 'remediate', allowlist: 'test/fixtures/allowlists/deploy-e2e.yml' });
    const config = clientConfig(stack.target);
    [iam, sqs, events] = [new IAMClient(config), new SQSClient(config), new EventBridgeClient(config)];
    [guard, sweep] = await Promise.all([deployedFunction(stack, 'attachGuard', work), deployedFunction(stack, 'sweep', work)]);

    const alerts = await queue('alerts');
    alertQueue = alerts.url;
    await new SNSClient(config).send(new SubscribeCommand({ TopicArn: stack.physicalId('AlertTopic'), Protocol: 'sqs', Endpoint: alerts.arn }));
    // moto cannot invoke Lambda (PutEvents fails on a Lambda target): the deployed rule's target becomes a queue,
    // and the test hands what arrives there to the deployed handler.
    const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: rule }));
    deployedTargets = Targets.map((t) => t.Arn ?? '');
    await events.send(new RemoveTargetsCommand({ Rule: rule, Ids: Targets.map((t) => t.Id ?? '') }));
    const routed = await queue('routed');
    routedQueue = routed.url;
    await events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'queue', Arn: routed.arn }] }));
  }, 300_000);

  afterAll(async () => {
    await stack?.remove();
  }, 120_000);

  async function queue(name: string): Promise<{ url: string; arn: string }> {
    const { QueueUrl: url = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `${stage}-${name}` }));
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    return { url, arn: Attributes.QueueArn ?? '' };
  }

  async function receive(url: string, expected: number): Promise<Message[]> {
    const messages: Message[] = [];
    const deadline = Date.now() + 15_000;
    while (messages.length < expected && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
      messages.push(...Messages);
    }
    return messages;
  }

  async function roleWith(name: string, policyArn: string): Promise<string> {
    await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: policyArn }));
    return name;
  }

  const attachedTo = async (role: string): Promise<string[]> =>
    ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? []).map((p) => p.PolicyArn ?? '');

  /** The CloudTrail record of AttachRolePolicy, as it happened now in the stack's account, put on the default bus; returns what the deployed rule routed. */
  async function route(role: string, policyArn: string, errorCode?: string): Promise<Record<string, unknown>> {
    const detail = fixture<{ detail: Record<string, unknown> }>('AttachRolePolicy.eventbridge-full-access').detail;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    Object.assign(detail, { eventID: randomUUID(), eventTime: now, recipientAccountId: stack.target.accountId, requestParameters: { roleName: role, policyArn } });
    if (errorCode) Object.assign(detail, { errorCode, errorMessage: 'User is not authorized to perform: iam:AttachRolePolicy', responseElements: null });
    const out = await events.send(new PutEventsCommand({ Entries: [{ Source: 'aws.iam', DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(detail) }] }));
    expect(out.FailedEntryCount ?? 0).toBe(0);
    const [message, ...more] = await receive(routedQueue, 1);
    expect(more).toEqual([]);
    const routed = JSON.parse(message?.Body ?? 'null') as Record<string, unknown>;
    expect(routed).toMatchObject({ source: 'aws.iam', detail: { eventID: detail.eventID } });
    // moto leaves `account` out of the events it delivers to SQS; EventBridge sets it to the bus's account.
    return { account: stack.target.accountId, ...routed };
  }

  it('reads back the deployed functions, rule, schedule, topic and roles of remediate mode', async () => {
    const config = clientConfig(stack.target);
    for (const fn of [guard, sweep]) {
      expect(fn.environment).toMatchObject({ GUARD_MODE: 'remediate', ALERT_TOPIC_ARN: stack.physicalId('AlertTopic'), ALLOWLIST_PATH: '.build/test/fixtures/allowlists/deploy-e2e.json' });
    }
    expect((await events.send(new DescribeRuleCommand({ Name: rule }))).State).toBe('ENABLED');
    expect(deployedTargets).toEqual([guard.arn]);
    const schedule = await new SchedulerClient(config).send(new GetScheduleCommand({ Name: `iot-policy-guard-${stage}-sweep`, GroupName: stack.physicalId('SweepScheduleGroup') }));
    expect(schedule).toMatchObject({ State: 'ENABLED', ScheduleExpression: 'rate(1 hour)', Target: { Arn: sweep.arn } });
    for (const role of [`iot-policy-guard-${stage}-attach-guard-us-east-1`, `iot-policy-guard-${stage}-sweep-us-east-1`]) {
      expect((await iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames?.length, role).toBeGreaterThan(0);
    }
    expect(stack.resources.RemediationPolicy?.type).toBe('AWS::IAM::Policy');
  });

  it('reverts a forbidden attachment that the deployed rule routed, alerts once, and takes a duplicate delivery as done', async () => {
    const role = await roleWith(`${stage}-intruder`, FULL_ACCESS);
    const event = await route(role, FULL_ACCESS);
    expect((await guard.invoke(event)).result).toEqual({ outcome: 'reverted' });
    expect(await attachedTo(role)).toEqual([]);
    const [alert, ...more] = await receive(alertQueue, 1);
    expect(more).toEqual([]);
    const envelope = JSON.parse(alert?.Body ?? '{}') as { Message: string; MessageAttributes: Record<string, { Value: string }> };
    expect(envelope.MessageAttributes.outcome?.Value).toBe('reverted');
    expect(JSON.parse(envelope.Message)).toMatchObject({ outcome: 'reverted', principal: { type: 'role', name: role }, policyArn: FULL_ACCESS });

    // A second delivery of the same event: nothing left to detach, which is success, and said so.
    expect((await guard.invoke(event)).result).toEqual({ outcome: 'already-detached' });
    const again = await receive(alertQueue, 1);
    expect(again.map((m) => (JSON.parse(m.Body ?? '{}') as { MessageAttributes: Record<string, { Value: string }> }).MessageAttributes.outcome?.Value)).toEqual(['already-detached']);
  });

  it('keeps an allowed attachment, and does nothing about a failed attempt', async () => {
    const allowed = await roleWith(`e2e-ingest-${stage}`, DATA_ACCESS);
    expect((await guard.invoke(await route(allowed, DATA_ACCESS))).result).toEqual({ outcome: null });
    expect(await attachedTo(allowed)).toEqual([DATA_ACCESS]);

    // The call failed, so nothing was attached by it; what is attached (here: by someone else) is the sweep's business.
    const bystander = await roleWith(`${stage}-bystander`, FULL_ACCESS);
    expect((await guard.invoke(await route(bystander, FULL_ACCESS, 'AccessDenied'))).result).toEqual({ outcome: null });
    expect(await attachedTo(bystander)).toEqual([FULL_ACCESS]);
    await receive(alertQueue, 1).then((extra) => expect(extra).toEqual([]));
  });

  it('runs the deployed sweep: it reverts what no event reported and keeps what the allowlist allows', async () => {
    const missed = await roleWith(`${stage}-missed`, DATA_ACCESS);
    const result = (await sweep.invoke({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event', detail: {} })).result as { account: string; outcomes: Record<string, number> }[];
    expect(result).toHaveLength(1);
    expect(result[0]?.account).toBe(stack.target.accountId);
    // The bystander of the previous test and this one: both reverted.
    expect(result[0]?.outcomes).toMatchObject({ reverted: 2 });
    expect(await attachedTo(missed)).toEqual([]);
    expect(await attachedTo(`e2e-ingest-${stage}`)).toEqual([DATA_ACCESS]);
  });
});
