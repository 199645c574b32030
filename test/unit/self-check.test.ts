// The self-check's reads (functions/aws/self-check-reads.ts) and run (functions/guard/self-check.ts), with the SDK
// clients stubbed by aws-sdk-client-mock: every check passing and failing, and a refused read as drift, not a crash.
import {
  CloudTrailClient,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  TrailNotFoundException,
} from '@aws-sdk/client-cloudtrail';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  GetScheduleCommand,
  SchedulerClient,
  ResourceNotFoundException as ScheduleNotFoundException,
} from '@aws-sdk/client-scheduler';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/config/guard-config.js';
import { loadSelfCheckConfig, type SelfCheckConfig } from '../../functions/config/self-check-config.js';
import { createSelfCheck, runSelfCheck, type SelfCheckClients } from '../../functions/guard/self-check.js';
import { guardDeps } from '../support/guard.js';

const ACCOUNT = '123456789012';
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:iot-policy-guard-dev-alerts`;
const TARGET = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iot-policy-guard-dev-attach-guard`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5bc3a8-1f2e-4f0a-9a45-0123456789ab`;
const RULE = 'iot-policy-guard-dev-attach-policy';
const PS_RULE = 'iot-policy-guard-dev-attach-permission-set';
const TRAIL = 'iot-policy-guard-dev';
const ENV = {
  SELF_CHECK_RULE_NAMES: RULE,
  SELF_CHECK_RULE_TARGET: TARGET,
  SELF_CHECK_SCHEDULE: 'iot-policy-guard-dev/iot-policy-guard-dev-sweep',
  SELF_CHECK_TRAIL: TRAIL,
  ALERT_KEY_ARN: KEY,
};
const GUARD = { alertTopicArn: TOPIC, identityCenterRegion: null };

const eventsMock = mockClient(EventBridgeClient);
const schedulerMock = mockClient(SchedulerClient);
const snsMock = mockClient(SNSClient);
const trailMock = mockClient(CloudTrailClient);
const kmsMock = mockClient(KMSClient);

const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const clients: SelfCheckClients = {
  events: new EventBridgeClient({ region: 'us-east-1', credentials, maxAttempts: 1 }),
  scheduler: new SchedulerClient({ region: 'us-east-1', credentials, maxAttempts: 1 }),
  sns: new SNSClient({ region: 'us-east-1', credentials, maxAttempts: 1 }),
  cloudtrail: new CloudTrailClient({ region: 'us-east-1', credentials, maxAttempts: 1 }),
  kms: new KMSClient({ region: 'us-east-1', credentials, maxAttempts: 1 }),
};

function accessDenied(action: string): Error {
  return Object.assign(
    new Error(`User: arn:aws:sts::${ACCOUNT}:assumed-role/sweep/x is not authorized to perform: ${action}`),
    { name: 'AccessDeniedException' },
  );
}

/** Everything as the stack deploys it. */
function healthy(): void {
  for (const m of [eventsMock, schedulerMock, snsMock, trailMock, kmsMock]) m.reset();
  eventsMock.on(DescribeRuleCommand).callsFake(({ Name }: { Name: string }) => ({ Name, State: 'ENABLED' }));
  eventsMock.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 'attach-guard', Arn: TARGET }] });
  schedulerMock.on(GetScheduleCommand).resolves({ Name: 'iot-policy-guard-dev-sweep', State: 'ENABLED' });
  snsMock.on(ListSubscriptionsByTopicCommand).resolves({
    Subscriptions: [
      { SubscriptionArn: `${TOPIC}:5b0e7d63-1f4d-4b55-9d4e-0e6f7a8b9c0d`, Protocol: 'email', TopicArn: TOPIC },
    ],
  });
  trailMock.on(GetTrailStatusCommand).resolves({ IsLogging: true });
  trailMock
    .on(GetEventSelectorsCommand)
    .resolves({ EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] });
  kmsMock
    .on(DescribeKeyCommand)
    .resolves({ KeyMetadata: { KeyId: 'k', Arn: KEY, KeyState: 'Enabled', Enabled: true } });
}

async function check(config: SelfCheckConfig = loadSelfCheckConfig(ENV, GUARD)!) {
  const deps = guardDeps();
  const emitted: number[] = [];
  const summary = await runSelfCheck(config, clients, deps.logger, (n) => void emitted.push(n));
  return {
    summary,
    emitted,
    logs: deps.logs,
    problems: summary.drift.map((d) => `${d.check} ${d.resource}: ${d.problem}`),
  };
}

describe('self-check reads', () => {
  beforeEach(healthy);

  it('finds nothing when everything is as deployed, and emits 0', async () => {
    const { summary, emitted, logs } = await check();
    expect(summary).toEqual({ checks: 5, drift: [] });
    expect(emitted).toEqual([0]);
    expect(logs).toEqual([
      { level: 'info', message: 'self-check clean', fields: { checks: 5, drift: 0, findings: [] } },
    ]);
    expect(eventsMock.commandCalls(DescribeRuleCommand)[0]?.args[0].input).toEqual({ Name: RULE });
    expect(schedulerMock.commandCalls(GetScheduleCommand)[0]?.args[0].input).toEqual({
      GroupName: 'iot-policy-guard-dev',
      Name: 'iot-policy-guard-dev-sweep',
    });
    expect(kmsMock.commandCalls(DescribeKeyCommand)[0]?.args[0].input).toEqual({ KeyId: KEY });
    expect(trailMock.commandCalls(GetTrailStatusCommand)[0]?.args[0].input).toEqual({ Name: TRAIL });
  });

  it('reports a disabled rule', async () => {
    eventsMock.on(DescribeRuleCommand).resolves({ Name: RULE, State: 'DISABLED' });
    const { problems, emitted, logs } = await check();
    expect(problems).toEqual([`attach-rule ${RULE}: the rule is DISABLED: no attach event reaches attach-guard`]);
    expect(emitted).toEqual([1]);
    expect(logs[0]).toMatchObject({ level: 'warn', message: 'self-check drift', fields: { drift: 1 } });
  });

  it('reports a rule whose attach-guard target was removed', async () => {
    eventsMock.on(ListTargetsByRuleCommand).resolves({ Targets: [] });
    expect((await check()).problems).toEqual([
      `attach-rule ${RULE}: the rule does not target attach-guard (${TARGET}); its targets: none`,
    ]);
  });

  it('reads every page of targets', async () => {
    eventsMock
      .on(ListTargetsByRuleCommand)
      .resolvesOnce({ Targets: [{ Id: 'other', Arn: 'arn:aws:sqs:us-east-1:123456789012:audit' }], NextToken: 't1' })
      .resolvesOnce({ Targets: [{ Id: 'attach-guard', Arn: TARGET }] });
    expect((await check()).problems).toEqual([]);
    expect(eventsMock.commandCalls(ListTargetsByRuleCommand).map((c) => c.args[0].input)).toEqual([
      { Rule: RULE },
      { Rule: RULE, NextToken: 't1' },
    ]);
  });

  it('reports a missing rule, and checks the Identity Center rule too when configured', async () => {
    eventsMock.on(DescribeRuleCommand, { Name: PS_RULE }).rejects(
      new ResourceNotFoundException({
        message: `Rule ${PS_RULE} does not exist on EventBus default.`,
        $metadata: {},
      }),
    );
    const config = loadSelfCheckConfig(
      { ...ENV, SELF_CHECK_RULE_NAMES: `${RULE},${PS_RULE}` },
      { ...GUARD, identityCenterRegion: 'eu-west-1' },
    )!;
    const { summary, problems } = await check(config);
    expect(summary.checks).toBe(6);
    expect(problems).toEqual([`attach-rule ${PS_RULE}: the rule does not exist: no attach event reaches attach-guard`]);
  });

  it('reports a disabled schedule and a missing one', async () => {
    schedulerMock.on(GetScheduleCommand).resolves({ State: 'DISABLED' });
    expect((await check()).problems).toEqual([
      'sweep-schedule iot-policy-guard-dev/iot-policy-guard-dev-sweep: the schedule is DISABLED: the ' +
        'sweep does not run on it',
    ]);
    schedulerMock.on(GetScheduleCommand).rejects(
      new ScheduleNotFoundException({
        message: 'Schedule iot-policy-guard-dev-sweep does not exist.',
        Message: 'Schedule iot-policy-guard-dev-sweep does not exist.',
        $metadata: {},
      }),
    );
    expect((await check()).problems).toEqual([
      'sweep-schedule iot-policy-guard-dev/iot-policy-guard-dev-sweep: the schedule does not exist: the ' +
        'sweep does not run',
    ]);
  });

  it('reports a topic whose only subscriptions are pending confirmation, over every page', async () => {
    snsMock
      .on(ListSubscriptionsByTopicCommand)
      .resolvesOnce({ Subscriptions: [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email' }], NextToken: 'p2' })
      .resolvesOnce({ Subscriptions: [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'https' }] });
    expect((await check()).problems).toEqual([
      `alert-subscription ${TOPIC}: the alert topic has no confirmed subscription (2 pending ` +
        'confirmation): alerts and digests reach nobody',
    ]);
    // (The paginator reuses one input object: only the last call's token can be seen.)
    const calls = snsMock.commandCalls(ListSubscriptionsByTopicCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual({ TopicArn: TOPIC, NextToken: 'p2' });
  });

  it('stops listing subscriptions at the first confirmed one', async () => {
    snsMock
      .on(ListSubscriptionsByTopicCommand)
      .resolvesOnce({ Subscriptions: [{ SubscriptionArn: `${TOPIC}:1` }], NextToken: 'p2' });
    expect((await check()).problems).toEqual([]);
    expect(snsMock.commandCalls(ListSubscriptionsByTopicCommand)).toHaveLength(1);
  });

  it('reports a topic without subscriptions', async () => {
    snsMock.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [] });
    expect((await check()).problems).toEqual([
      `alert-subscription ${TOPIC}: the alert topic has no subscription: alerts and digests reach nobody`,
    ]);
  });

  it('reports a trail that stopped logging', async () => {
    trailMock.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    expect((await check()).problems).toEqual([
      `trail ${TRAIL}: the trail is not logging: no CloudTrail event reaches the guard`,
    ]);
  });

  it('reports a trail whose basic selectors exclude management events', async () => {
    trailMock.on(GetEventSelectorsCommand).resolves({
      EventSelectors: [
        {
          ReadWriteType: 'All',
          IncludeManagementEvents: false,
          DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }],
        },
      ],
    });
    expect((await check()).problems).toEqual([
      `trail ${TRAIL}: the trail's event selectors do not record write management events of iam.amazonaws.com`,
    ]);
  });

  it(
    'reports a trail whose advanced selectors exclude ' + 'management events, and accepts ones that record them',
    async () => {
      trailMock.on(GetEventSelectorsCommand).resolves({
        AdvancedEventSelectors: [
          {
            Name: 'S3 data only',
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Data'] },
              { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
            ],
          },
        ],
      });
      expect((await check()).problems).toEqual([
        `trail ${TRAIL}: the trail's event selectors do not record write management events of iam.amazonaws.com`,
      ]);
      trailMock.on(GetEventSelectorsCommand).resolves({
        AdvancedEventSelectors: [
          {
            Name: 'Management, no KMS',
            FieldSelectors: [
              { Field: 'eventCategory', Equals: ['Management'] },
              { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] },
            ],
          },
        ],
      });
      expect((await check()).problems).toEqual([]);
    },
  );

  it('reports a missing trail, and skips the trail when none is watched', async () => {
    trailMock
      .on(GetTrailStatusCommand)
      .rejects(new TrailNotFoundException({ message: `Unknown trail: ${TRAIL}`, $metadata: {} }));
    expect((await check()).problems).toEqual([`trail ${TRAIL}: the trail does not exist`]);
    trailMock.resetHistory();
    const { summary } = await check(loadSelfCheckConfig({ ...ENV, SELF_CHECK_TRAIL: '' }, GUARD)!);
    expect(summary).toEqual({ checks: 4, drift: [] });
    expect(trailMock.calls()).toHaveLength(0);
  });

  it('reports a disabled key and a key pending deletion', async () => {
    kmsMock.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'k', KeyState: 'Disabled', Enabled: false } });
    expect((await check()).problems).toEqual([
      `alert-key ${KEY}: the key is Disabled: alerts, alarm notifications and the dead-letter queue fail`,
    ]);
    kmsMock.on(DescribeKeyCommand).resolves({
      KeyMetadata: {
        KeyId: 'k',
        KeyState: 'PendingDeletion',
        Enabled: false,
        DeletionDate: new Date('2026-12-26T12:00:00Z'),
      },
    });
    expect((await check()).problems).toEqual([
      `alert-key ${KEY}: the key is PendingDeletion (deletion scheduled for 2026-12-26T12:00:00.000Z): ` +
        'alerts, alarm notifications and the dead-letter queue fail',
    ]);
  });

  it('reports a refused read as drift, does not throw, and still checks the rest', async () => {
    eventsMock.on(DescribeRuleCommand).rejects(accessDenied('events:DescribeRule'));
    kmsMock.on(DescribeKeyCommand).rejects(accessDenied('kms:DescribeKey'));
    const { summary, problems, emitted } = await check();
    expect(problems).toEqual([
      `attach-rule ${RULE}: cannot be read: AccessDenied: User: ` +
        `arn:aws:sts::${ACCOUNT}:assumed-role/sweep/x is not authorized to perform: events:DescribeRule`,
      `alert-key ${KEY}: cannot be read: AccessDenied: User: arn:aws:sts::${ACCOUNT}:assumed-role/sweep/x ` +
        'is not authorized to perform: kms:DescribeKey',
    ]);
    expect(summary.checks).toBe(5);
    expect(emitted).toEqual([2]);
    expect(schedulerMock.calls()).toHaveLength(1);
    expect(snsMock.calls()).toHaveLength(1);
  });

  it('reports a failure other than AccessDenied (a network error) the same way', async () => {
    snsMock
      .on(ListSubscriptionsByTopicCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { name: 'Error', code: 'ECONNREFUSED' }));
    expect((await check()).problems).toEqual([
      `alert-subscription ${TOPIC}: cannot be read: Error: connect ECONNREFUSED 127.0.0.1:443`,
    ]);
  });
});

describe('self-check configuration', () => {
  it('reads the stack names from the environment, frozen', () => {
    const config = loadSelfCheckConfig(
      { ...ENV, SELF_CHECK_RULE_NAMES: ` ${RULE} , ${PS_RULE} ` },
      { ...GUARD, identityCenterRegion: 'eu-west-1' },
    );
    expect(config).toEqual({
      ruleNames: [RULE, PS_RULE],
      ruleTarget: TARGET,
      schedule: { groupName: 'iot-policy-guard-dev', name: 'iot-policy-guard-dev-sweep' },
      topicArn: TOPIC,
      keyArn: KEY,
      trail: TRAIL,
      trailRegion: null,
      trailSources: ['iam.amazonaws.com', 'sso.amazonaws.com'],
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('takes a trail ARN with its Region', () => {
    const arn = 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/org-trail';
    expect(loadSelfCheckConfig({ ...ENV, SELF_CHECK_TRAIL: arn }, GUARD)).toMatchObject({
      trail: arn,
      trailRegion: 'eu-west-1',
      trailSources: ['iam.amazonaws.com'],
    });
  });

  it('is off when none of its variables is set, and says so at cold start', () => {
    expect(loadSelfCheckConfig({}, GUARD)).toBeNull();
    const deps = guardDeps();
    expect(createSelfCheck({}, deps)).toBeNull();
    expect(deps.logs).toEqual([expect.objectContaining({ level: 'warn', message: 'self-check off' })]);
  });

  it.each([
    [
      { ALERT_KEY_ARN: '' },
      new RegExp(
        'needs SELF_CHECK_RULE_NAMES, SELF_CHECK_RULE_TARGET, SELF_CHECK_SCHEDULE, ALERT_KEY_ARN together; ' +
          'missing: ALERT_KEY_ARN',
      ),
    ],
    [
      { SELF_CHECK_RULE_NAMES: 'a rule' },
      /SELF_CHECK_RULE_NAMES must be EventBridge rule names separated by commas, got "a rule"/,
    ],
    [{ SELF_CHECK_RULE_NAMES: ' , ' }, /SELF_CHECK_RULE_NAMES must be EventBridge rule names/],
    [{ SELF_CHECK_RULE_TARGET: 'attach-guard' }, /SELF_CHECK_RULE_TARGET must be attach-guard's function ARN/],
    [{ SELF_CHECK_SCHEDULE: 'iot-policy-guard-dev-sweep' }, /SELF_CHECK_SCHEDULE must be GROUP\/NAME/],
    [{ ALERT_KEY_ARN: 'alias/iot-policy-guard-dev' }, /ALERT_KEY_ARN must be a KMS key ARN/],
    [
      { SELF_CHECK_TRAIL: 'my trail' },
      /SELF_CHECK_TRAIL must be a CloudTrail trail name or ARN \(or empty\), got "my trail"/,
    ],
  ])('refuses %o with a message naming the variable', (change, message) => {
    expect(() => loadSelfCheckConfig({ ...ENV, ...change }, GUARD)).toThrow(ConfigError);
    expect(() => loadSelfCheckConfig({ ...ENV, ...change }, GUARD)).toThrow(message);
  });
});
