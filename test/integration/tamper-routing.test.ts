// The tamper rules, by behaviour (docs/tamper.md): the stack is deployed into the emulator with `osls deploy`, its
// physical names are read back, and every deployed tamper rule, with the pattern and input transformer moto's
// CloudFormation made of the template, gets an SQS queue as its target instead of the tamper topic (moto delivers no
// event to an SNS target). Real-shaped CloudTrail events of every watched action on this stack's resources must arrive,
// once each, as the alert text; the same actions on another stage's resources, in another account, or refused, must
// not.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderMemberTemplate } from '../../infra/member-account.js';
import {
  logicalId,
  MEMBER_WATCH_KEYS,
  memberWatches,
  stackWatches,
  WATCH_KEYS,
  type Matcher,
  type Watch,
} from '../../infra/tamper.js';
import { REPO_ROOT, substitutePseudoParameters } from '../../scripts/package-stack.js';
import { clientConfig, deployStack, type DeployedStack } from '../support/deployed-stack.js';
import { deployTarget } from './helpers/deploy.js';
import { describeWithEmulator, uniqueName } from './helpers/emulator.js';
import { createPatternRule } from './helpers/pattern-rule.js';

type Json = Record<string, unknown>;
/** The fixtures' account; the stack is deployed into an account of its own, and the fixtures are moved there. */
const FIXTURE_ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';
const MEMBER_ROLE = 'iot-policy-guard-remediation';
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'events', `${name}.json`), 'utf8')) as Json;
const BASE = fixture('DisableRule.eventbridge-attach-rule');

interface Case {
  readonly id: string;
  readonly entry: PutEventsRequestEntry;
}

/** An "AWS API Call via CloudTrail" event as EventBridge puts it on the default bus, from the base fixture's detail. */
function cloudTrail(
  id: string,
  w: Pick<Watch, 'source' | 'eventSource'>,
  eventName: string,
  requestParameters: Json,
  extra: Json = {},
): Case {
  const detail = {
    ...(BASE.detail as Json),
    eventSource: w.eventSource,
    eventName,
    requestParameters,
    eventID: id,
    ...extra,
  };
  return {
    id,
    entry: {
      Source: w.source,
      DetailType: 'AWS API Call via CloudTrail',
      Resources: [],
      Detail: JSON.stringify(detail),
    },
  };
}

describeWithEmulator('tamper rules, deployed into the emulator', () => {
  const stage = `tamp${randomBytes(3).toString('hex')}`;
  const other = `${stage}x`; // a stage whose names start with ours
  const events = (): EventBridgeClient => new EventBridgeClient(clientConfig(stack.target));
  let stack: DeployedStack;
  let account = '';
  let queueUrl = '';
  /** The deployed key's id and ARN, the scheduler role's generated name: what the Refs became. */
  let physical: Record<string, string> = {};

  beforeAll(async () => {
    stack = await deployStack(await deployTarget(), stage, {
      createTrail: 'true',
      organizationId: 'o-abcdefghij',
      memberRoleName: MEMBER_ROLE,
      memberExternalId: 'org-guard-secret',
    });
    account = stack.target.accountId;
    // The key's ARN as CloudFormation put it into the deployed key rule's pattern (beside its id).
    const { EventPattern = '{}' } = await events().send(
      new DescribeRuleCommand({ Name: stack.physicalId('TamperKeyRule') }),
    );
    const keyIds = (JSON.parse(EventPattern) as { detail: { requestParameters: { keyId: string[] } } }).detail
      .requestParameters.keyId;
    physical = {
      'Ref(AlertKey)': stack.physicalId('AlertKey'),
      'AlertKey.Arn': keyIds.find((k) => k.startsWith(`arn:aws:kms:us-east-1:${account}:key/`)) ?? '',
      'Ref(SweepSchedulerRole)': stack.physicalId('SweepSchedulerRole'),
    };
    expect(keyIds).toEqual([
      physical['Ref(AlertKey)'],
      `arn:aws:kms:us-east-1:${account}:key/${physical['Ref(AlertKey)']}`,
    ]);
    const sqs = new SQSClient(clientConfig(stack.target));
    ({ QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('tamper') })));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    // The deployed rules keep their patterns and input transformers; only the target changes, topic -> queue.
    for (const key of [...WATCH_KEYS, ...MEMBER_WATCH_KEYS]) {
      const rule = stack.physicalId(logicalId(key));
      const { Targets = [] } = await events().send(new ListTargetsByRuleCommand({ Rule: rule }));
      expect(
        Targets.map((t) => [t.Id, t.Arn]),
        rule,
      ).toEqual([['tamper-topic', stack.physicalId('TamperTopic')]]);
      await events().send(
        new PutTargetsCommand({
          Rule: rule,
          Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn, InputTransformer: Targets[0]?.InputTransformer }],
        }),
      );
      await events().send(new RemoveTargetsCommand({ Rule: rule, Ids: ['tamper-topic'] }));
    }
  }, 300_000);

  afterAll(async () => {
    await stack?.remove();
  }, 120_000);

  /** A pattern value of the generator, resolved as CloudFormation resolved it in this deployment. */
  const resolve = (value: unknown, inAccount = account): string => {
    const v = substitutePseudoParameters(value, {
      'AWS::Partition': 'aws',
      'AWS::Region': 'us-east-1',
      'AWS::AccountId': inAccount,
      'AWS::StackName': stack.stackName,
    });
    if (typeof v === 'string') return v;
    const o = v as Json;
    const key = typeof o.Ref === 'string' ? `Ref(${o.Ref})` : (o['Fn::GetAtt'] as string[]).join('.');
    if (!physical[key]) throw new Error(`no physical value for ${key}`);
    return physical[key];
  };

  /** A request-parameter value each matcher admits: the value itself, or one with a tail / host / middle. */
  const example = (m: Matcher, inAccount = account): string => {
    // A qualifier after a function name, a subscription id after a topic ARN, a stack id after a stack ARN.
    if (typeof m === 'object' && m !== null && 'prefix' in m)
      return `${resolve(m.prefix, inAccount)}4f1c2b3a-8d9e-4f0a-b1c2-d3e4f5a6b7c8`;
    if (typeof m === 'object' && m !== null && 'suffix' in m)
      return `https://sqs.us-east-1.amazonaws.com${resolve(m.suffix, inAccount)}`;
    if (typeof m === 'object' && m !== null && 'wildcard' in m)
      return resolve(m.wildcard, inAccount).replace('*', 'StackSet-guard-members-1a2b3c').replace('*', 'Q1W2E3R4T5Y6');
    return resolve(m, inAccount);
  };
  const params = (w: Watch, value: string, rest: Json = {}): Json => ({
    ...Object.fromEntries(Object.entries(w.also ?? {}).map(([k, v]) => [k, resolve(v[0])])),
    [w.field]: w.field === 'alarmNames' ? [value] : value,
    ...rest,
  });

  it('delivers every watched action on this stack’s resources, once, ' +
    'and none on another stage’s, another account’s, or refused', async () => {
    const ours = stackWatches('iot-policy-guard', stage);
    const theirs = stackWatches('iot-policy-guard', other);
    const members = memberWatches([MEMBER_ROLE, `${MEMBER_ROLE}-read`]);
    const arrive: Case[] = [];
    const stay: Case[] = [];
    for (const w of [...ours, ...members]) {
      // Every event name on the first value, and the first event name on every value (name, ARN, qualified, ...).
      for (const name of w.eventNames)
        arrive.push(cloudTrail(`${w.key} ${name}`, w, name, params(w, example(w.values[0]!))));
      for (const [j, m] of w.values.entries())
        arrive.push(cloudTrail(`${w.key} value ${j}`, w, w.eventNames[0]!, params(w, example(m))));
      // Refused: CloudTrail records the attempt with errorCode; nothing changed.
      stay.push(
        cloudTrail(`${w.key} refused`, w, w.eventNames[0]!, params(w, example(w.values[0]!)), {
          errorCode: 'AccessDenied',
          errorMessage: 'not authorized',
        }),
      );
      // An action the rule does not watch, on the same resource.
      stay.push(cloudTrail(`${w.key} read`, w, 'GetSomething', params(w, example(w.values[0]!))));
      const twin = theirs.find((t) => t.key === w.key);
      if (twin) {
        // The same action on the other stage's resources: every value form.
        twin.values.forEach((m, j) => {
          if (JSON.stringify(m).includes('"Ref"') || JSON.stringify(m).includes('Fn::GetAtt')) return;
          stay.push(cloudTrail(`${w.key} other stage ${j}`, w, w.eventNames[0]!, params(w, example(m))));
        });
      }
      // ARNs and URLs of another account.
      w.values.forEach((m, j) => {
        const value = example(m, OTHER_ACCOUNT);
        if (value.includes(OTHER_ACCOUNT))
          stay.push(cloudTrail(`${w.key} other account ${j}`, w, w.eventNames[0]!, params(w, value)));
      });
    }
    // Resources the Refs stand for, of another stack: another key, another scheduler role.
    stay.push(
      cloudTrail('other key', { source: 'aws.kms', eventSource: 'kms.amazonaws.com' }, 'DisableKey', {
        keyId: '0987dcba-09ba-43dc-65fe-0987654321ba',
      }),
    );
    stay.push(
      cloudTrail('other scheduler role', { source: 'aws.iam', eventSource: 'iam.amazonaws.com' }, 'DeleteRole', {
        roleName: `${physical['Ref(SweepSchedulerRole)']}-copy`,
      }),
    );
    // The sweep's schedule name in another group.
    stay.push(
      cloudTrail('other group', { source: 'aws.scheduler', eventSource: 'scheduler.amazonaws.com' }, 'DeleteSchedule', {
        name: `iot-policy-guard-${stage}-sweep`,
        groupName: 'default',
      }),
    );
    // A member role's look-alike, and a rule of the same service not ours.
    stay.push(
      cloudTrail('other member role', { source: 'aws.iam', eventSource: 'iam.amazonaws.com' }, 'DeleteRole', {
        roleName: `${MEMBER_ROLE}-old`,
      }),
    );
    stay.push(
      cloudTrail('other rule', { source: 'aws.events', eventSource: 'events.amazonaws.com' }, 'DeleteRule', {
        name: 'iot-policy-guard-prod-attach-policy',
      }),
    );

    console.info(`cases: ${arrive.length} arrive, ${stay.length} stay`);
    expect(arrive.length).toBeGreaterThan(80);
    expect(stay.length).toBeGreaterThan(60);
    const arrived = await route([...arrive, ...stay], arrive.length);
    expect(arrived).toEqual(arrive.map((c) => c.id).sort());
  }, 120_000);

  it('delivers the fixtures of real-shaped events as the alert text: ' +
    'severity, action, resource, actor, account, time, source IP', async () => {
    const rewrite = (name: string): Case => {
      const text = JSON.stringify(fixture(name))
        .replaceAll('iot-policy-guard-dev', `iot-policy-guard-${stage}`)
        .replaceAll(FIXTURE_ACCOUNT, account)
        .replaceAll(
          `arn:aws:kms:us-east-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
          physical['AlertKey.Arn'] ?? '',
        )
        .replaceAll('1234abcd-12ab-34cd-56ef-1234567890ab', physical['Ref(AlertKey)'] ?? '');
      const envelope = JSON.parse(text) as Json;
      const detail = envelope.detail as Json;
      return {
        id: String(detail.eventID),
        entry: {
          Source: String(envelope.source),
          DetailType: String(envelope['detail-type']),
          Resources: [],
          Detail: JSON.stringify(detail),
        },
      };
    };
    const cases = [
      'DisableRule.eventbridge-attach-rule',
      'DeleteFunction20150331.eventbridge-sweep',
      'StopLogging.eventbridge-stack-trail',
      'ScheduleKeyDeletion.eventbridge-alert-key',
      'Unsubscribe.eventbridge-alert-topic',
    ].map(rewrite);
    const texts = await route(cases, cases.length, true);
    const disable = texts.find((t) => t.includes('DisableRule'));
    expect(disable).toBe(
      `HIGH tamper alert (iot-policy-guard-${stage}): DisableRule on ` +
        `iot-policy-guard-${stage}-attach-policy by arn:aws:iam::${account}:user/mallory in account ` +
        `${account} (us-east-1) at 2026-11-30T09:14:07Z from 203.0.113.24. A change to the guard's own ` +
        'resources; if you did not expect it, find out who did it and restore the stack (redeploy). ' +
        'CloudTrail event 6f0f7a61-4d2b-4c4e-8d6e-4b1f3c2a9e10.',
    );
    expect(texts.find((t) => t.includes('ScheduleKeyDeletion'))).toContain(
      `ScheduleKeyDeletion on ${physical['Ref(AlertKey)']} by ` +
        `arn:aws:sts::${account}:assumed-role/platform-admin/ops-session`,
    );
    expect(texts.find((t) => t.includes('DeleteFunction20150331'))).toContain(
      `on arn:aws:lambda:us-east-1:${account}:function:iot-policy-guard-${stage}-sweep by`,
    );
    expect(texts.find((t) => t.includes('StopLogging'))).toContain(
      `on arn:aws:cloudtrail:us-east-1:${account}:trail/iot-policy-guard-${stage} by`,
    );
    expect(texts.find((t) => t.includes('Unsubscribe'))).toContain(
      `on arn:aws:sns:us-east-1:${account}:iot-policy-guard-${stage}-alerts:4f1c2b3a`,
    );
  }, 60_000);

  it('the member template forwards its own tamper events, and the central member rules alert on them', async () => {
    const member = parse(renderMemberTemplate(), { version: '1.1' }) as {
      Resources: Record<string, { Properties: { EventPattern: unknown } }>;
    };
    const pattern = JSON.parse(
      JSON.stringify(member.Resources.TamperForwardRule?.Properties.EventPattern)
        .replace('{"Ref":"RemediationRoleName"}', JSON.stringify(MEMBER_ROLE))
        .replace('{"Fn::Sub":"${RemediationRoleName}-read"}', JSON.stringify(`${MEMBER_ROLE}-read`)),
    ) as unknown;
    const forward = await createPatternRule(pattern, 'member-tamper');
    try {
      const iam = { source: 'aws.iam', eventSource: 'iam.amazonaws.com' };
      const rules = { source: 'aws.events', eventSource: 'events.amazonaws.com' };
      const arrive = [
        cloudTrail('member DeleteRule forward', rules, 'DeleteRule', {
          name: 'iot-policy-guard-forward-attach-policy',
        }),
        cloudTrail('member RemoveTargets tamper', rules, 'RemoveTargets', {
          rule: 'iot-policy-guard-forward-tamper',
          ids: ['central-bus'],
        }),
        cloudTrail('member DeleteRole remediation', iam, 'DeleteRole', { roleName: MEMBER_ROLE }),
        cloudTrail('member PutRolePolicy read', iam, 'PutRolePolicy', {
          roleName: `${MEMBER_ROLE}-read`,
          policyName: 'x',
          policyDocument: '{}',
        }),
        cloudTrail('member UpdateAssumeRolePolicy forward role', iam, 'UpdateAssumeRolePolicy', {
          roleName: 'StackSet-guard-members-1a2b-ForwardRole-Q1W2E3R4T5Y6',
        }),
      ];
      const stay = [
        cloudTrail('member DeleteRule other', rules, 'DeleteRule', { name: 'some-other-rule' }),
        cloudTrail('member DeleteRole other', iam, 'DeleteRole', { roleName: 'app-role' }),
        cloudTrail('member refused', iam, 'DeleteRole', { roleName: MEMBER_ROLE }, { errorCode: 'AccessDenied' }),
        cloudTrail('member attach', iam, 'AttachRolePolicy', {
          roleName: MEMBER_ROLE,
          policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        }),
      ];
      expect(await forward.route([...arrive, ...stay], arrive.length)).toEqual(arrive.map((c) => c.id).sort());
      // Forwarded as they are, they meet the central stack's member rules on its bus.
      expect(await route([...arrive, ...stay], arrive.length)).toEqual(arrive.map((c) => c.id).sort());
    } finally {
      await forward.remove();
    }
  }, 60_000);

  /** Puts the cases on the default bus; returns the ids of those that reached the queue (or the texts), sorted. */
  async function route(cases: readonly Case[], expected: number, texts = false): Promise<string[]> {
    for (let i = 0; i < cases.length; i += 10) {
      const out = await events().send(new PutEventsCommand({ Entries: cases.slice(i, i + 10).map((c) => c.entry) }));
      expect(out.FailedEntryCount ?? 0).toBe(0);
    }
    const bodies = [...(await receive(expected, 30_000)), ...(await receive(1, 1_500))];
    if (texts) return bodies.sort();
    return bodies.map((b) => /CloudTrail event (.+)\.$/.exec(b)?.[1] ?? `(no event id) ${b}`).sort();
  }

  /** Polls the queue (in the stack's account) until `expected` messages came or the time is up; returns their texts. */
  async function receive(expected: number, timeoutMs: number): Promise<string[]> {
    const sqs = new SQSClient(clientConfig(stack.target));
    const bodies: string[] = [];
    const deadline = Date.now() + timeoutMs;
    while (bodies.length < expected && Date.now() < deadline) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 300,
        }),
      );
      bodies.push(...Messages.map((m) => JSON.parse(m.Body ?? '""') as string));
    }
    return bodies;
  }
});
