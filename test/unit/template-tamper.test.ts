// The guard watching itself (docs/tamper.md), from the packaged template (offline, no credentials): the tamper rules
// and their generated patterns, the tamper topic, the rules' dead-letter queue, the sweep heartbeat alarm, and the
// topic, queue and key policies with and without the deployer and operator roles.
// Run alone: npx vitest run test/unit/template-tamper.test.ts (two packagings).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { heartbeatPeriodSeconds } from '../../infra/heartbeat.js';
import {
  adminPrincipalArns,
  checkDeployerRoleArn,
  checkOperatorRoleArns,
  StageParamError,
} from '../../infra/stage-params.js';
import {
  logicalId,
  MEMBER_WATCH_KEYS,
  memberWatches,
  stackWatches,
  TAMPER_EVENTS,
  tamperInputPaths,
  WATCH_KEYS,
  watchPattern,
  type Watch,
} from '../../infra/tamper.js';
import {
  packageStack,
  substitutePseudoParameters,
  type PackagedStack,
  type Template,
} from '../../scripts/package-stack.js';

const PREFIX = 'iot-policy-guard-dev';
const DEPLOYER = 'arn:aws:iam::123456789012:role/deployer';
const OPERATORS = ['arn:aws:iam::123456789012:role/secops/on-call', 'arn:aws:iam::123456789012:role/break-glass'];

type Resource = Template['Resources'][string];
type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

let plain: PackagedStack;
let guarded: PackagedStack;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipg-tamper-'));
  plain = await packageStack(join(dir, 'plain'));
  guarded = await packageStack(join(dir, 'guarded'), {
    deployerRoleArn: DEPLOYER,
    operatorRoleArns: OPERATORS.join(','),
    alertEmail: 'secops@example.com',
    createTrail: 'true',
    sweepSchedule: 'cron(0 6 ? * MON-FRI *)',
    organizationId: 'o-abcdefghij',
    memberRoleName: 'iot-policy-guard-remediation',
    memberExternalId: 'org-guard-secret',
  });
}, 240_000);

const tamperRules = (template: Template): [string, Resource][] =>
  Object.entries(template.Resources).filter(
    ([, r]) => r.Type === 'AWS::Events::Rule' && String(r.Properties?.Name).startsWith(`${PREFIX}-tamper-`),
  );

/** A pattern value as text: pseudo parameters filled in, a resource's Ref or attribute written `Ref(X)`, `X.Arn`. */
function text(value: unknown): string {
  const v = substitutePseudoParameters(value) as unknown;
  if (typeof v === 'string') return v;
  const o = v as Record<string, unknown>;
  if (typeof o.Ref === 'string') return `Ref(${o.Ref})`;
  if (Array.isArray(o['Fn::GetAtt'])) return (o['Fn::GetAtt'] as string[]).join('.');
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}

/** The values of a watch as text: exact values as they are, matchers as `prefix:...`, `suffix:...`, `wildcard:...`. */
function watchValues(watch: Watch): string[] {
  return watch.values.map((m) => {
    if (typeof m === 'object' && m !== null)
      for (const op of ['prefix', 'suffix', 'wildcard'])
        if (op in m) return `${op}:${text((m as Record<string, unknown>)[op])}`;
    return text(m);
  });
}

const watch = (key: string): Watch => {
  const found = stackWatches('iot-policy-guard', 'dev').find((w) => w.key === key);
  if (!found) throw new Error(`no watch ${key}`);
  return found;
};
const names = (template: Template, type: string, property: string): string[] =>
  Object.values(template.Resources)
    .filter((r) => r.Type === type)
    .map((r) => text(r.Properties?.[property]))
    .sort();
/** The statements of a policy document as deployed: every `Fn::If` resolved, `AWS::NoValue` dropped. */
const statements = (document: unknown, holds: (condition: string) => boolean): Statement[] => {
  const NO_VALUE = Symbol('NoValue');
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve).filter((v) => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, unknown>;
    if (o.Ref === 'AWS::NoValue') return NO_VALUE;
    const branch = o['Fn::If'] as [string, unknown, unknown] | undefined;
    if (branch) return resolve(holds(branch[0]) ? branch[1] : branch[2]);
    return Object.fromEntries(
      Object.entries(o)
        .map(([k, v]) => [k, resolve(v)])
        .filter(([, v]) => v !== NO_VALUE),
    );
  };
  return (resolve((document as { Statement: unknown[] }).Statement) ?? []) as Statement[];
};
const hasDeployer =
  (template: Template) =>
  (condition: string): boolean => {
    expect(condition).toBe('HasDeployerRole');
    const expr = template.Conditions?.HasDeployerRole as { 'Fn::Not': [{ 'Fn::Equals': [string, string] }] };
    const [a, b] = expr['Fn::Not'][0]['Fn::Equals'];
    return a !== b;
  };

describe('tamper rules', () => {
  it(
    'are deployed by default, one per watch, on the default bus, each to ' +
      'the tamper topic with a readable text, retries and a dead-letter queue',
    () => {
      const rules = tamperRules(plain.template);
      const expected = [...WATCH_KEYS, ...MEMBER_WATCH_KEYS];
      expect(rules.map(([id]) => id).sort()).toEqual(expected.map(logicalId).sort());
      for (const [id, rule] of rules) {
        const props = rule.Properties ?? {};
        expect(props.State, id).toBe('ENABLED');
        expect(props.EventBusName, id).toBeUndefined();
        expect(props.Targets, id).toEqual([
          {
            Id: 'tamper-topic',
            Arn: { Ref: 'TamperTopic' },
            InputTransformer: {
              InputPathsMap: expect.any(Object),
              InputTemplate: expect.stringMatching(
                new RegExp(
                  String.raw`^"HIGH tamper alert \(iot-policy-guard-dev\): <action> on <resource> by <actor> ` +
                    String.raw`in account <account> \(<region>\) at <time> from <sourceIp>\..*` +
                    String.raw`CloudTrail event <eventId>\."$`,
                ),
              ),
            },
            RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['RuleDeadLetterQueue', 'Arn'] } },
          },
        ]);
      }
      // Only the trail rules need a condition (the stack's trail), and the member rules an organization.
      expect(Object.fromEntries(rules.filter(([, r]) => r.Condition).map(([id, r]) => [id, r.Condition]))).toEqual({
        TamperTrailRule: 'CreateTrail',
        TamperTrailSelectorsRule: 'CreateTrail',
        TamperMemberRulesRule: 'HasMemberRole',
        TamperMemberTargetsRule: 'HasMemberRole',
        TamperMemberRolesRule: 'HasMemberRole',
      });
    },
  );

  it('match successful CloudTrail calls of exactly the event names CloudTrail records', () => {
    // Lambda's carry their API version (docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html).
    expect(TAMPER_EVENTS).toEqual({
      rules: ['DisableRule', 'DeleteRule', 'PutRule'],
      targets: ['RemoveTargets', 'PutTargets'],
      lambda: [
        'DeleteFunction20150331',
        'UpdateFunctionCode20150331v2',
        'UpdateFunctionConfiguration20150331v2',
        'PutFunctionConcurrency20171031',
        'RemovePermission20150331v2',
        'PutFunctionEventInvokeConfig',
        'UpdateFunctionEventInvokeConfig',
      ],
      trail: ['StopLogging', 'DeleteTrail', 'UpdateTrail'],
      trailSelectors: ['PutEventSelectors', 'PutInsightSelectors'],
      topic: ['DeleteTopic', 'SetTopicAttributes', 'Subscribe'],
      subscription: ['Unsubscribe', 'SetSubscriptionAttributes'],
      key: ['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy'],
      schedule: ['DeleteSchedule', 'UpdateSchedule'],
      scheduleGroup: ['DeleteScheduleGroup'],
      alarms: ['DeleteAlarms', 'DisableAlarmActions'],
      alarm: ['PutMetricAlarm'],
      roles: ['DetachRolePolicy', 'PutRolePolicy', 'DeleteRolePolicy', 'UpdateAssumeRolePolicy', 'DeleteRole'],
      queue: ['PurgeQueue', 'DeleteQueue', 'SetQueueAttributes'],
      stack: ['DeleteStack', 'UpdateStack', 'ExecuteChangeSet'],
    });
    for (const [id, rule] of tamperRules(guarded.template)) {
      const pattern = rule.Properties?.EventPattern as {
        source: string[];
        'detail-type': string[];
        detail: { eventSource: string[]; eventName: string[]; errorCode: unknown };
      };
      expect(pattern['detail-type'], id).toEqual(['AWS API Call via CloudTrail']);
      expect(pattern.detail.errorCode, id).toEqual([{ exists: false }]);
      expect(pattern.source[0], id).toBe(
        `aws.${
          pattern.detail.eventSource[0] === 'monitoring.amazonaws.com'
            ? 'cloudwatch'
            : pattern.detail.eventSource[0]?.split('.')[0]
        }`,
      );
    }
  });

  it('are the generated patterns, the same in every configuration', () => {
    for (const w of stackWatches('iot-policy-guard', 'dev')) {
      expect(plain.template.Resources[logicalId(w.key)]?.Properties?.EventPattern, w.key).toEqual(watchPattern(w));
      expect(guarded.template.Resources[logicalId(w.key)]?.Properties?.EventPattern, w.key).toEqual(watchPattern(w));
    }
  });

  it(
    'name every one of the stack’s rules, functions, topics, ' +
      'queues, alarms, roles, key, schedule, trail, and only those',
    () => {
      const t = guarded.template;
      const rules = names(t, 'AWS::Events::Rule', 'Name').filter((n) => n.startsWith(PREFIX));
      expect(rules.length).toBeGreaterThan(15);
      expect(watchValues(watch('rules')).sort()).toEqual(rules);
      expect(watchValues(watch('targets')).sort()).toEqual(rules);

      const functions = names(t, 'AWS::Lambda::Function', 'FunctionName');
      expect(functions).toEqual([`${PREFIX}-attach-guard`, `${PREFIX}-sweep`]);
      expect(watchValues(watch('functions')).sort()).toEqual(
        functions
          .flatMap((n) => {
            const arn = `arn:aws:lambda:us-east-1:123456789012:function:${n}`;
            const partial = `123456789012:function:${n}`;
            return [n, arn, partial, `prefix:${n}:`, `prefix:${arn}:`, `prefix:${partial}:`];
          })
          .sort(),
      );

      const topics = names(t, 'AWS::SNS::Topic', 'TopicName').map((n) => `arn:aws:sns:us-east-1:123456789012:${n}`);
      expect(watchValues(watch('topics')).sort()).toEqual(topics);
      expect(watchValues(watch('subscriptions')).sort()).toEqual(topics.map((arn) => `prefix:${arn}:`));

      expect(watchValues(watch('queues')).sort()).toEqual(
        names(t, 'AWS::SQS::Queue', 'QueueName').map((n) => `suffix:/123456789012/${n}`),
      );
      const alarms = names(t, 'AWS::CloudWatch::Alarm', 'AlarmName');
      expect([...watchValues(watch('alarms'))].sort()).toEqual(alarms);
      expect([...watchValues(watch('alarm'))].sort()).toEqual(alarms);

      // A role with a fixed name by its name, one with a generated name by its Ref (which is its name).
      const roles = Object.entries(t.Resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Role')
        .map(([id, r]) => (r.Properties?.RoleName ? text(r.Properties.RoleName) : `Ref(${id})`))
        .sort();
      expect(roles).toEqual(
        [`${PREFIX}-attach-guard-us-east-1`, `${PREFIX}-sweep-us-east-1`, 'Ref(SweepSchedulerRole)'].sort(),
      );
      expect(watchValues(watch('roles')).sort()).toEqual(roles);

      expect(
        Object.entries(t.Resources)
          .filter(([, r]) => r.Type === 'AWS::KMS::Key')
          .map(([id]) => id),
      ).toEqual(['AlertKey']);
      expect(watchValues(watch('key'))).toEqual(['Ref(AlertKey)', 'AlertKey.Arn']);

      expect(watchValues(watch('schedule'))).toEqual(names(t, 'AWS::Scheduler::Schedule', 'Name'));
      expect(watch('schedule').also).toEqual({ groupName: names(t, 'AWS::Scheduler::ScheduleGroup', 'Name') });
      expect(watchValues(watch('schedule-group'))).toEqual(names(t, 'AWS::Scheduler::ScheduleGroup', 'Name'));

      const trail = text(t.Resources.Trail?.Properties?.TrailName);
      expect(watchValues(watch('trail'))).toEqual([trail, `arn:aws:cloudtrail:us-east-1:123456789012:trail/${trail}`]);
      expect(watchValues(watch('trail-selectors'))).toEqual(watchValues(watch('trail')));
      // osls names the stack <service>-<stage>.
      expect(watchValues(watch('stack'))).toEqual([
        PREFIX,
        `prefix:arn:aws:cloudformation:us-east-1:123456789012:stack/${PREFIX}/`,
      ]);
    },
  );

  it('name no other stage’s resources: every literal and matcher carries this stage, whole', () => {
    const other = (value: string): boolean =>
      /iot-policy-guard-dev(?![-:/]|$)/.test(value) || /iot-policy-guard-(?!dev)/.test(value);
    for (const w of stackWatches('iot-policy-guard', 'dev')) {
      for (const value of watchValues(w)) {
        if (value.startsWith('Ref(') || value === 'AlertKey.Arn') continue;
        expect(value, w.key).toContain(PREFIX);
        expect(other(value), `${w.key} ${value}`).toBe(false);
        // A prefix matcher ends at a separator, so "…-dev" never lets "…-dev2" through.
        if (value.startsWith('prefix:')) expect(value, w.key).toMatch(/[:/]$/);
      }
    }
  });

  it('show the resource from the field each rule matches on', () => {
    for (const w of [...stackWatches('iot-policy-guard', 'dev'), ...memberWatches(['r', 'r-read'])]) {
      const paths = tamperInputPaths(w);
      expect(paths.resource, w.key).toBe(
        w.field === 'alarmNames' ? '$.detail.requestParameters.alarmNames[0]' : `$.detail.requestParameters.${w.field}`,
      );
      expect(paths).toMatchObject({
        action: '$.detail.eventName',
        actor: '$.detail.userIdentity.arn',
        sourceIp: '$.detail.sourceIPAddress',
        time: '$.detail.eventTime',
      });
      expect(plain.template.Resources[logicalId(w.key)]?.Properties?.Targets).toEqual([
        expect.objectContaining({ InputTransformer: expect.objectContaining({ InputPathsMap: paths }) }),
      ]);
    }
  });

  it('stay within EventBridge’s 2048-character pattern, with the longest stage in the longest partition', () => {
    const pseudo = {
      'AWS::Partition': 'aws-us-gov',
      'AWS::Region': 'us-gov-west-1',
      'AWS::AccountId': '123456789012',
      'AWS::StackName': 'x',
    };
    const longest = (value: unknown): unknown =>
      JSON.parse(
        JSON.stringify(substitutePseudoParameters(value, pseudo))
          .replace(/\{"Ref":"AlertKey"\}/g, '"1234abcd-12ab-34cd-56ef-1234567890ab"')
          .replace(
            /\{"Fn::GetAtt":\["AlertKey","Arn"\]\}/g,
            '"arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"',
          )
          .replace(/\{"Ref":"SweepSchedulerRole"\}/g, `"${'s'.repeat(64)}"`),
      );
    const sizes = stackWatches('iot-policy-guard', 'a'.repeat(20)).map(
      (w) => JSON.stringify(longest(watchPattern(w))).length,
    );
    console.info(`tamper pattern sizes (longest stage, aws-us-gov): max ${Math.max(...sizes)} characters`);
    for (const size of sizes) expect(size).toBeLessThan(2048);
  });
});

describe('tamper topic', () => {
  it(
    'is not encrypted with the alert key (nor any key a principal could ' +
      'disable), and admits only the tamper rules and the stack’s alarms',
    () => {
      const topic = plain.template.Resources.TamperTopic?.Properties ?? {};
      expect(topic.TopicName).toBe(`${PREFIX}-tamper`);
      expect(topic.KmsMasterKeyId).toBeUndefined();
      const policy = statements(
        plain.template.Resources.TamperTopicPolicy?.Properties?.PolicyDocument,
        hasDeployer(plain.template),
      );
      const allow = policy
        .filter((s) => s.Effect === 'Allow')
        .map((s) => [s.Principal, s.Action, text(s.Condition?.ArnLike?.['aws:SourceArn'])]);
      expect(allow).toEqual([
        [
          { Service: 'events.amazonaws.com' },
          'sns:Publish',
          `arn:aws:events:us-east-1:123456789012:rule/${PREFIX}-tamper-*`,
        ],
        [
          { Service: 'cloudwatch.amazonaws.com' },
          'sns:Publish',
          `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${PREFIX}-*`,
        ],
      ]);
      for (const s of policy.filter((st) => st.Effect === 'Allow'))
        expect(s.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    },
  );

  it('e-mails alertEmail too, when given', () => {
    expect(plain.template.Resources.TamperEmailSubscription?.Condition).toBe('HasAlertEmail');
    expect(guarded.template.Resources.TamperEmailSubscription?.Properties).toEqual({
      TopicArn: { Ref: 'TamperTopic' },
      Protocol: 'email',
      Endpoint: 'secops@example.com',
    });
  });
});

describe('sweep heartbeat', () => {
  it('alarms to the tamper topic when no sweep run completed in two schedule periods, missing data breaching', () => {
    const alarm = plain.template.Resources.SweepHeartbeatAlarm?.Properties ?? {};
    expect(alarm).toEqual(
      expect.objectContaining({
        AlarmName: `${PREFIX}-sweep-heartbeat`,
        Namespace: 'IotPolicyGuard',
        MetricName: 'SweepCompleted',
        // The sweep handler's metric: Powertools' service dimension and the function's name.
        Dimensions: [
          { Name: 'service', Value: 'iot-policy-guard' },
          { Name: 'function', Value: `${PREFIX}-sweep` },
        ],
        Statistic: 'Sum',
        Period: 3600,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: 'TamperTopic' }],
        OKActions: [{ Ref: 'TamperTopic' }],
      }),
    );
    expect(text(plain.template.Resources.SweepLambdaFunction?.Properties?.FunctionName)).toBe(`${PREFIX}-sweep`);
    // Weekdays at 06:00: the longest gap is the weekend, Friday to Monday.
    expect(guarded.template.Resources.SweepHeartbeatAlarm?.Properties?.Period).toBe(3 * 86_400);
  });

  it(
    'takes its period from sweepSchedule: a rate’s interval, a ' +
      'cron’s longest gap; refuses what CloudWatch cannot evaluate',
    () => {
      expect(heartbeatPeriodSeconds('rate(5 minutes)')).toBe(300);
      expect(heartbeatPeriodSeconds('rate(1 hour)')).toBe(3600);
      expect(heartbeatPeriodSeconds('rate(6 hours)')).toBe(21_600);
      expect(heartbeatPeriodSeconds('rate(3 days)')).toBe(259_200);
      expect(heartbeatPeriodSeconds('cron(15 * * * ? *)')).toBe(3600);
      expect(heartbeatPeriodSeconds('cron(0/10 * * * ? *)')).toBe(600);
      expect(heartbeatPeriodSeconds('cron(0,30 * * * ? *)')).toBe(1800);
      expect(heartbeatPeriodSeconds('cron(0 */6 * * ? *)')).toBe(21_600);
      expect(heartbeatPeriodSeconds('cron(0 3 * * ? *)')).toBe(86_400);
      expect(heartbeatPeriodSeconds('cron(0 6 ? * MON-FRI *)')).toBe(259_200);
      expect(heartbeatPeriodSeconds('cron(0 9,17 ? * 2-6 *)')).toBe(64 * 3600); // Friday 17:00 to Monday 09:00
      expect(() => heartbeatPeriodSeconds('rate(4 days)')).toThrow(
        /sweepSchedule=rate\(4 days\).*at least every 3\.5 days/,
      );
      expect(() => heartbeatPeriodSeconds('cron(0 3 ? * MON *)')).toThrow(StageParamError); // weekly
      expect(() => heartbeatPeriodSeconds('cron(0 3 L * ? *)')).toThrow(
        /cannot derive the heartbeat alarm's period from "L"/,
      );
    },
  );
});

describe('deployer and operator roles (deployerRoleArn, operatorRoleArns)', () => {
  const denyOf = (
    template: Template,
    id: string,
    document: 'PolicyDocument' | 'KeyPolicy' = 'PolicyDocument',
  ): Statement[] =>
    statements(template.Resources[id]?.Properties?.[document], hasDeployer(template)).filter(
      (s) => s.Effect === 'Deny' && !s.Condition?.Bool,
    );
  const admins = [DEPLOYER, ...OPERATORS];

  it('without them, leave today’s behaviour: no principal is singled out, the account’s IAM decides', () => {
    for (const id of ['AlertTopicPolicy', 'TamperTopicPolicy', 'DeadLetterQueuePolicy', 'RuleDeadLetterQueuePolicy'])
      expect(denyOf(plain.template, id), id).toEqual([]);
    expect(denyOf(plain.template, 'AlertKey', 'KeyPolicy')).toEqual([]);
    const administer = statements(
      plain.template.Resources.AlertKey?.Properties?.KeyPolicy,
      hasDeployer(plain.template),
    ).find((s) => s.Sid === 'AdministerKey');
    expect(administer?.Principal).toEqual({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } });
    expect(administer?.Condition).toBeUndefined();
  });

  it('with them, deny subscription changes on both topics to everyone else', () => {
    for (const [id, topic] of [
      ['AlertTopicPolicy', 'AlertTopic'],
      ['TamperTopicPolicy', 'TamperTopic'],
    ] as const) {
      expect(denyOf(guarded.template, id), id).toEqual([
        {
          Sid: 'DenySubscriptionChangesToOthers',
          Effect: 'Deny',
          Principal: '*',
          Action: ['sns:Subscribe', 'sns:SetSubscriptionAttributes', 'sns:Unsubscribe'],
          Resource: { Ref: topic },
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::Split': [',', admins.join(',')] } } },
        },
      ]);
    }
  });

  it('with them, deny purging and deleting both dead-letter queues to everyone else', () => {
    for (const [id, queue] of [
      ['DeadLetterQueuePolicy', 'DeadLetterQueue'],
      ['RuleDeadLetterQueuePolicy', 'RuleDeadLetterQueue'],
    ] as const) {
      expect(denyOf(guarded.template, id), id).toEqual([
        {
          Sid: 'DenyPurgeAndDeleteToOthers',
          Effect: 'Deny',
          Principal: '*',
          Action: ['sqs:PurgeQueue', 'sqs:DeleteQueue'],
          Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::Split': [',', admins.join(',')] } } },
        },
      ]);
    }
  });

  it(
    'with them, allow key administration to them only and deny every changing ' +
      'administration to everyone else (CloudFormation acts as the deployer)',
    () => {
      const key = statements(guarded.template.Resources.AlertKey?.Properties?.KeyPolicy, hasDeployer(guarded.template));
      const administer = key.find((s) => s.Sid === 'AdministerKey');
      expect(administer?.Condition).toEqual({
        ArnEquals: { 'aws:PrincipalArn': { 'Fn::Split': [',', admins.join(',')] } },
      });
      const [deny] = denyOf(guarded.template, 'AlertKey', 'KeyPolicy');
      expect(deny?.Condition).toEqual({
        ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::Split': [',', admins.join(',')] } },
      });
      const denied = [deny?.Action].flat() as string[];
      for (const action of ['kms:DisableKey', 'kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy'])
        expect(denied).toContain(action);
      // Every denied action is one AdministerKey grants, and none reads or uses the key.
      for (const action of denied) expect([administer?.Action].flat()).toContain(action);
      expect(denied.filter((a) => /Describe|Get|List|Decrypt|Encrypt|GenerateDataKey/.test(a))).toEqual([]);
    },
  );

  it('checks the parameters, naming them', () => {
    expect(checkDeployerRoleArn('')).toBe('');
    expect(checkDeployerRoleArn(` ${DEPLOYER} `)).toBe(DEPLOYER);
    expect(() => checkDeployerRoleArn('arn:aws:iam::123456789012:user/deployer')).toThrow(
      /deployerRoleArn=.*IAM role ARN/,
    );
    expect(checkOperatorRoleArns(OPERATORS.join(' , '), DEPLOYER)).toBe(OPERATORS.join(','));
    expect(() => checkOperatorRoleArns(OPERATORS[0], '')).toThrow(/operatorRoleArns=.*needs --param="deployerRoleArn/);
    expect(() => checkOperatorRoleArns('deployer', DEPLOYER)).toThrow(/operatorRoleArns=.*IAM role ARNs/);
    expect(adminPrincipalArns(DEPLOYER, `${OPERATORS.join(',')},${DEPLOYER}`)).toBe(admins.join(','));
    expect(adminPrincipalArns('', '')).toBe('');
  });
});

describe('rule dead letters', () => {
  it(
    'every rule target of the stack has one: the rule dead-letter ' +
      'queue, which only EventBridge rules of this stack may send to',
    () => {
      for (const { template } of [plain, guarded]) {
        const rules = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule');
        for (const [id, rule] of rules) {
          expect(String(rule.Properties?.Name), id).toMatch(new RegExp(`^${PREFIX}-`));
          for (const target of rule.Properties!.Targets as { DeadLetterConfig?: unknown }[])
            expect(target.DeadLetterConfig, id).toEqual({ Arn: { 'Fn::GetAtt': ['RuleDeadLetterQueue', 'Arn'] } });
        }
      }
      const queue = plain.template.Resources.RuleDeadLetterQueue?.Properties ?? {};
      expect(queue).toMatchObject({
        QueueName: `${PREFIX}-rule-dead-letters`,
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1209600,
      });
      // not the alert key: its undelivered tamper alerts survive a disabled key
      expect(queue.KmsMasterKeyId).toBeUndefined();
      const [send] = statements(
        plain.template.Resources.RuleDeadLetterQueuePolicy?.Properties?.PolicyDocument,
        hasDeployer(plain.template),
      ).filter((s) => s.Effect === 'Allow');
      expect(send).toEqual({
        Sid: 'RulesSendUndelivered',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['RuleDeadLetterQueue', 'Arn'] },
        Condition: {
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${PREFIX}-*`,
            },
          },
        },
      });
      expect(plain.template.Resources.RuleDeadLetterQueueAlarm?.Properties).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        AlarmActions: [{ Ref: 'TamperTopic' }],
      });
    },
  );
});
