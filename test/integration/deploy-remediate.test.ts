// The deployed whole, end to end: `osls deploy` (the README's command) into the emulator in remediate mode, in an
// account of its own; what was deployed is read back; the deployed bundles (taken from the deployment bucket) run in
// fresh node processes with the deployed environment, on events that the deployed rule routed; detaches and alerts
// are checked in the emulator.
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeRuleCommand } from '@aws-sdk/client-eventbridge';
import { DetachRolePolicyCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deployedFunction, type DeployedFunction } from '../support/deployed-function.js';
import { clientConfig, deployStack, type DeployedStack } from '../support/deployed-stack.js';
import { describeWithEmulator } from './helpers/emulator.js';
import { deployTarget } from './helpers/deploy.js';
import { outcomes, StackDriver, type Queue } from './helpers/stack-driver.js';

const FULL_ACCESS = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';
const DATA_ACCESS = 'arn:aws:iam::aws:policy/AWSIoTDataAccess';

describeWithEmulator('the deployed stack in remediate mode, driven end to end', () => {
  const stage = `e2er${randomBytes(3).toString('hex')}`;
  const rule = `iot-policy-guard-${stage}-attach-policy`;
  let stack: DeployedStack;
  let drive: StackDriver;
  let guard: DeployedFunction;
  let sweep: DeployedFunction;
  let routed: Queue;
  let alerts: Queue;
  let deployedTargets: string[];

  beforeAll(async () => {
    stack = await deployStack(await deployTarget(), stage, {
      mode: 'remediate',
      allowlist: 'test/fixtures/allowlists/deploy-e2e.yml',
    });
    drive = new StackDriver(stack);
    const work = join(tmpdir(), `iot-policy-guard-${stage}`);
    [guard, sweep] = await Promise.all([
      deployedFunction(stack, 'attachGuard', work),
      deployedFunction(stack, 'sweep', work),
    ]);
    alerts = await drive.subscribe(stack.physicalId('AlertTopic'));
    ({ queue: routed, deployedTargets } = await drive.capture(rule));
  }, 300_000);

  afterAll(async () => {
    await stack?.remove();
  }, 120_000);

  it('reads back the deployed functions, rule, schedule, topic and roles of remediate mode', async () => {
    for (const fn of [guard, sweep]) {
      expect(fn.environment).toMatchObject({
        GUARD_MODE: 'remediate',
        ALERT_TOPIC_ARN: stack.physicalId('AlertTopic'),
        ALLOWLIST_PATH: '.build/test/fixtures/allowlists/deploy-e2e.json',
      });
    }
    expect((await drive.events.send(new DescribeRuleCommand({ Name: rule }))).State).toBe('ENABLED');
    expect(deployedTargets).toEqual([guard.arn]);
    const schedule = await new SchedulerClient(clientConfig(stack.target)).send(
      new GetScheduleCommand({
        Name: `iot-policy-guard-${stage}-sweep`,
        GroupName: stack.physicalId('SweepScheduleGroup'),
      }),
    );
    expect(schedule).toMatchObject({
      State: 'ENABLED',
      ScheduleExpression: 'rate(1 hour)',
      Target: { Arn: sweep.arn },
    });
    for (const role of [
      `iot-policy-guard-${stage}-attach-guard-us-east-1`,
      `iot-policy-guard-${stage}-sweep-us-east-1`,
    ]) {
      expect(
        (await drive.iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames?.length,
        role,
      ).toBeGreaterThan(0);
    }
    expect(stack.resources.RemediationPolicy?.type).toBe('AWS::IAM::Policy');
  });

  it(
    'reverts a forbidden attachment that the deployed rule ' +
      'routed, alerts once, and takes a duplicate delivery as done',
    async () => {
      const role = await drive.roleWith(`${stage}-intruder`, FULL_ACCESS);
      const event = await drive.routeAttach(routed, role, FULL_ACCESS);
      expect((await guard.invoke(event)).result).toEqual({ outcome: 'reverted' });
      expect(await drive.attachedTo(role)).toEqual([]);
      const [alert, ...more] = await drive.receive(alerts, 1);
      expect(more).toEqual([]);
      expect(outcomes([alert ?? {}])).toEqual(['reverted']);
      expect(JSON.parse((JSON.parse(alert?.Body ?? '{}') as { Message: string }).Message)).toMatchObject({
        outcome: 'reverted',
        principal: { type: 'role', name: role },
        policyArn: FULL_ACCESS,
      });

      // A second delivery of the same event: nothing left to detach, which is success, and said so.
      expect((await guard.invoke(event)).result).toEqual({ outcome: 'already-detached' });
      expect(outcomes(await drive.receive(alerts, 1))).toEqual(['already-detached']);
    },
  );

  it('keeps an allowed attachment, and does nothing about a failed attempt', async () => {
    const allowed = await drive.roleWith(`e2e-ingest-${stage}`, DATA_ACCESS);
    expect((await guard.invoke(await drive.routeAttach(routed, allowed, DATA_ACCESS))).result).toEqual({
      outcome: null,
    });
    expect(await drive.attachedTo(allowed)).toEqual([DATA_ACCESS]);

    // The call failed, so nothing was attached by it; what is attached (here: by someone else) is the sweep's business.
    const bystander = await drive.roleWith(`${stage}-bystander`, FULL_ACCESS);
    expect(
      (await guard.invoke(await drive.routeAttach(routed, bystander, FULL_ACCESS, 'AccessDenied'))).result,
    ).toEqual({ outcome: null });
    expect(await drive.attachedTo(bystander)).toEqual([FULL_ACCESS]);
    // Taken off by hand, so that the sweep test below finds only what it made itself.
    await drive.iam.send(new DetachRolePolicyCommand({ RoleName: bystander, PolicyArn: FULL_ACCESS }));
    expect(await drive.receive(alerts, 1)).toEqual([]);
  });

  it('runs the deployed sweep: it reverts what no event reported and keeps what the allowlist allows', async () => {
    const missed = await drive.roleWith(`${stage}-missed`, DATA_ACCESS);
    const result = (await sweep.invoke({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event', detail: {} }))
      .result as { account: string; outcomes: Record<string, number> }[];
    expect(result).toHaveLength(1);
    expect(result[0]?.account).toBe(stack.target.accountId);
    expect(result[0]?.outcomes).toMatchObject({ reverted: 1 });
    expect(await drive.attachedTo(missed)).toEqual([]);
    expect(await drive.attachedTo(`e2e-ingest-${stage}`)).toEqual([DATA_ACCESS]);
  });
});
