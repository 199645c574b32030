// Packages the stack offline (`osls package`, no credentials) in alert mode with the default parameters, in alert mode
// with IAM Identity Center, and in remediate mode with every option on, and checks the CloudFormation templates and the
// functions' zips.
// Run alone: npx vitest run test/unit/template.test.ts (about 15 s: three packagings).
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllowlistDocument, loadAllowlistFile } from '../../functions/config/allowlist-file.js';
import { DEFAULT_ALLOWLIST } from '../../functions/config/guard-config.js';
import type { Allowlist } from '../../functions/core/allowlist.js';
import { readShippedAllowlist } from '../../functions/core/allowlist-shipped.js';
import { CATALOG, SEED_POLICIES, governedArns, isGoverned } from '../../functions/core/catalog.js';
import {
  attachEventPattern,
  DETACH_ACTIONS,
  LIST_ACTIONS,
  permissionSetEventPattern,
} from '../../infra/governed-policies.js';
import { shippedAllowlistPath } from '../../infra/stage-params.js';
import { fixture } from '../support/fixtures.js';
import { readZip, unzip } from '../support/zip.js';
import {
  packageStack,
  REPO_ROOT,
  substitutePseudoParameters,
  type PackagedStack,
  type Template,
} from '../../scripts/package-stack.js';

const ACCOUNT = '123456789012';
/** Another account of the organization (member-account events). */
const MEMBER = '222222222222';
/** The allowlist the `allowlist` parameter names by default, and what the deploy compiles it to and ships. */
const SOURCE_ALLOWLIST = DEFAULT_ALLOWLIST;
const SHIPPED_ALLOWLIST = shippedAllowlistPath(SOURCE_ALLOWLIST);
const OTHER_ALLOWLIST = 'infra/allowlist.example.yml';
const OTHER_SHIPPED = shippedAllowlistPath(OTHER_ALLOWLIST);
const OTHER_SCHEDULE = 'cron(15 * * * ? *)';
const IDENTITY_CENTER_REGION = 'eu-west-1';
/** The sweep's environment for its self-check, and the reads it is granted (test/unit/template-self-check.test.ts). */
const SELF_CHECK_VARIABLES = [
  'SELF_CHECK_RULE_NAMES',
  'SELF_CHECK_RULE_TARGET',
  'SELF_CHECK_SCHEDULE',
  'SELF_CHECK_TRAIL',
  'ALERT_KEY_ARN',
];
/** What the sweep may do in alert mode besides its self-check's reads: list, publish, keep an undelivered alert. */
const SWEEP_ALERT_MODE = [
  'iam:ListEntitiesForPolicy',
  'iam:ListPolicies',
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'sns:Publish',
  'sqs:SendMessage',
];
const SELF_CHECK_READS = [
  'events:DescribeRule',
  'events:ListTargetsByRule',
  'kms:DescribeKey',
  'scheduler:GetSchedule',
  'sns:ListSubscriptionsByTopic',
];
/** IAM's limit on the inline policies of one role together, whitespace excluded. */
const ROLE_INLINE_POLICY_LIMIT = 10_240;

/** Policies the guard must never be able to detach, nor be woken for. */
const NOT_GOVERNED = [
  'arn:aws:iam::aws:policy/AdministratorAccess',
  'arn:aws:iam::aws:policy/job-function/SystemAdministrator',
  'arn:aws:iam::aws:policy/AmazonS3FullAccess',
  'arn:aws:iam::aws:policy/AWSAuditManagerAdministratorAccess',
  'arn:aws:iam::aws:policy/ReadOnlyAccess',
  'arn:aws:iam::aws:policy/NotAWSIoTFullAccess',
  'arn:aws:iam::aws:policy/service-role/AWSConfigRole',
  `arn:aws:iam::${ACCOUNT}:policy/AWSIoTFullAccess`,
  `arn:aws:iam::${ACCOUNT}:policy/service-role/AWSIoTLogging`,
  `arn:aws:iam::${ACCOUNT}:policy/AWSGreengrassFullAccess`,
  'arn:aws:iam::111122223333:policy/AWSIoTDataAccess',
  'arn:aws-cn:iam::aws:policy/AWSIoTFullAccess', // another partition than the test account's
];

type Statement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Resource = Template['Resources'][string];

let alert: PackagedStack;
/** Alert mode with IAM Identity Center: the permission-set rule and the SSO reads, no SSO write. */
let alertIdc: PackagedStack;
let remediate: PackagedStack;
const root = join(tmpdir(), `iot-policy-guard-template-${process.pid}`);

beforeAll(async () => {
  alert = await packageStack(join(root, 'alert'));
  alertIdc = await packageStack(join(root, 'alert-identity-center'), { identityCenterRegion: IDENTITY_CENTER_REGION });
  remediate = await packageStack(join(root, 'remediate'), {
    mode: 'remediate',
    allowlist: OTHER_ALLOWLIST,
    alertEmail: 'secops@example.com',
    findingsBus: 'security-findings',
    createTrail: 'true',
    sweepSchedule: OTHER_SCHEDULE,
    identityCenterRegion: IDENTITY_CENTER_REGION,
    staleAfter: '6h',
    chatTopic: 'true',
  });
  console.info(
    `osls package: ${alert.millis} ms (alert), ${alertIdc.millis} ms (alert, Identity Center), ` +
      `${remediate.millis} ms (remediate)`,
  );
}, 360_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('packaging', () => {
  it('writes the template offline, without AWS credentials, in a few seconds', () => {
    expect(alert.template.Resources).toBeDefined();
    // Generous: the CI budget is for the whole run. Locally it takes 3-4 s.
    expect(alert.millis).toBeLessThan(60_000);
  });

  it(
    'refers only to resources and conditions it defines, ' + 'and to a conditional resource only under its condition',
    () => {
      for (const { template } of [alert, alertIdc, remediate]) {
        const problems: string[] = [];
        const sections = { ...template.Resources, ...((template.Outputs ?? {}) as Record<string, Resource>) };
        for (const [id, item] of Object.entries(sections)) {
          for (const { target, guards } of references(item)) {
            if (target.startsWith('AWS::')) continue;
            const resource = template.Resources[target];
            if (!resource) problems.push(`${id} refers to unknown ${target}`);
            else if (
              resource.Condition &&
              resource.Condition !== item.Condition &&
              !guards.includes(resource.Condition)
            ) {
              problems.push(`${id} refers to ${target}, which exists only if ${resource.Condition}`);
            }
          }
          for (const name of conditionNames(item))
            if (!template.Conditions?.[name]) problems.push(`${id} uses unknown condition ${name}`);
        }
        expect(problems).toEqual([]);
      }
    },
  );

  it('gives each function its own role, not the framework default, and the sweep’s schedule one of its own', () => {
    expect(resourcesOfType(alert.template, 'AWS::IAM::Role').map(([id]) => id)).toEqual([
      'AttachGuardRole',
      'SweepRole',
      'SweepSchedulerRole',
    ]);
    expect(fn(alert.template).Properties?.Role).toEqual({ 'Fn::GetAtt': ['AttachGuardRole', 'Arn'] });
    expect(fn(alert.template, SWEEP).Properties?.Role).toEqual({ 'Fn::GetAtt': ['SweepRole', 'Arn'] });
  });
});

describe('attach-guard function', () => {
  it('runs on nodejs22.x, arm64, from the esbuild bundle', () => {
    const props = fn(alert.template).Properties ?? {};
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Handler).toBe('functions/attach-guard/handler.handler');
  });

  it('is configured through the environment the guard reads at cold start', () => {
    expect(env(alert.template)).toEqual({
      GUARD_MODE: 'alert',
      ALLOWLIST_PATH: SHIPPED_ALLOWLIST,
      ALERT_TOPIC_ARN: { Ref: 'AlertTopic' },
      CHAT_TOPIC_ARN: { 'Fn::If': ['HasChatTopic', { Ref: 'ChatTopic' }, ''] },
      FINDINGS_BUS_NAME: '',
      LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: 'iot-policy-guard',
      POWERTOOLS_METRICS_NAMESPACE: 'IotPolicyGuard',
      NODE_OPTIONS: '--enable-source-maps',
      HOME_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
      MEMBER_ROLE_NAME: '',
      MEMBER_EXTERNAL_ID: '',
      MEMBER_READ_ROLE_NAME: '',
      SWEEP_ACCOUNTS: '',
      IDENTITY_CENTER_REGION: '',
      STALE_AFTER: '24h',
      ALERT_FALLBACK_QUEUE_URL: { Ref: 'DeadLetterQueue' },
    });
    expect(SHIPPED_ALLOWLIST).toBe('.build/infra/allowlist.json');
    expect(env(remediate.template)).toMatchObject({
      GUARD_MODE: 'remediate',
      ALLOWLIST_PATH: OTHER_SHIPPED,
      FINDINGS_BUS_NAME: 'security-findings',
      IDENTITY_CENTER_REGION: IDENTITY_CENTER_REGION,
      STALE_AFTER: '6h',
    });
  });

  it(
    'ships the allowlist compiled to JSON (not the YAML), the bundle ' +
      'with the SDK inside and no YAML parser, and its source map',
    () => {
      const files = readZip(alert.artifact('attachGuard'));
      expect(zipLayout(files, 'functions/attach-guard')).toEqual([
        SHIPPED_ALLOWLIST,
        'functions/attach-guard/handler.mjs',
        'functions/attach-guard/handler.mjs.map',
      ]);
      const shipped = files.get(SHIPPED_ALLOWLIST)?.toString('utf8') ?? '';
      expectCompiledFrom(shipped, SOURCE_ALLOWLIST);
      expect(readShippedAllowlist(shipped, SHIPPED_ALLOWLIST)).toMatchObject({
        version: 1,
        mode: 'alert',
        scope: 'aws-iot',
        allow: [],
      });

      // The handler and the chunks it imports statically: what a cold start loads.
      const bundle = [...loadedAtStart(files, 'functions/attach-guard/handler.mjs')]
        .map((name) => files.get(name)?.toString('utf8') ?? '')
        .join('\n');
      expect(bundle).not.toMatch(/from\s*["']@aws-sdk\//); // bundled, not left to the runtime's copy
      expect(bundle).toContain('DetachRolePolicy');
      expect(bundle).toMatch(/sourceMappingURL=handler\.mjs\.map/);
      expectNoYamlParser(
        [...files]
          .filter(([name]) => name.endsWith('.mjs'))
          .map(([, code]) => code.toString('utf8'))
          .join('\n'),
      );
    },
  );

  it('ships the allowlist the stage parameter names instead, compiled, at the path ALLOWLIST_PATH gives', () => {
    const files = readZip(remediate.artifact('attachGuard'));
    expect(files.has(SHIPPED_ALLOWLIST)).toBe(false);
    expect(files.has(OTHER_ALLOWLIST)).toBe(false);
    expectCompiledFrom(files.get(OTHER_SHIPPED)?.toString('utf8') ?? '', OTHER_ALLOWLIST);
  });

  it(
    'starts from its unzipped package alone, as in Lambda: the shipped ' +
      'JSON read without YAML; a YAML ALLOWLIST_PATH is refused clearly',
    async () => {
      const taskRoot = unzip(remediate.artifact('attachGuard'), join(root, 'task-attach-guard'));
      const lambdaEnv = remediateAttachGuardEnv({
        CHAT_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT}:iot-policy-guard-dev-chat`,
      });
      const started = await coldStart(taskRoot, 'functions/attach-guard/handler.mjs', lambdaEnv);
      expect(started.error).toBe('');
      expect(started.configuration).toMatchObject({
        mode: 'remediate',
        chatTopic: `arn:aws:sns:us-east-1:${ACCOUNT}:iot-policy-guard-dev-chat`,
        allowlist: join(taskRoot, OTHER_SHIPPED),
        entries: loadAllowlistFile(join(REPO_ROOT, OTHER_ALLOWLIST)).allow.length,
      });

      // The zip holds no YAML reader: a YAML allowlist stops the cold start with a message saying what to do.
      writeFileSync(join(taskRoot, 'allowlist.yml'), readFileSync(join(REPO_ROOT, OTHER_ALLOWLIST)));
      const refused = await coldStart(taskRoot, 'functions/attach-guard/handler.mjs', {
        ...lambdaEnv,
        ALLOWLIST_PATH: 'allowlist.yml',
      });
      expect(refused.error).toMatch(
        new RegExp(
          String.raw`ConfigError: ALLOWLIST_PATH: allowlist\.yml is not a \.json file, ` +
            String.raw`and this function cannot read YAML .*point ALLOWLIST_PATH at a \.json allowlist`,
        ),
      );
    },
  );
});

describe('attach-guard chunks (custom.esbuild.splitting)', () => {
  const DIR = 'functions/attach-guard';
  const HANDLER = `${DIR}/handler.mjs`;
  /** A governed attach in a member account: the organization path, which assumes the member role with STS. */
  const memberEvent = (): Record<string, unknown> => {
    const event = fixture('AttachRolePolicy.eventbridge-full-access');
    const detail = event.detail as Record<string, unknown>;
    // Recorded now: an old event would be reported as stale, never acted on.
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { ...event, account: MEMBER, time: now, detail: { ...detail, recipientAccountId: MEMBER, eventTime: now } };
  };

  it(
    'ships every module its handler imports, statically or on first use, and ' +
      'the clients a single-account stack never calls load only on first use',
    () => {
      const files = readZip(remediate.artifact('attachGuard'));
      const modules = [...files.keys()].filter((name) => name.endsWith('.mjs'));
      for (const name of modules) {
        for (const ref of [...moduleImports(files.get(name)).statics, ...moduleImports(files.get(name)).dynamics])
          expect(files.has(join(dirname(name), ref)), `${name} imports ${ref}`).toBe(true);
      }
      const atStart = loadedAtStart(files, HANDLER);
      const lazy = modules.filter((name) => !atStart.has(name));
      const holding = (text: string, among: string[]): string[] =>
        among.filter((name) => files.get(name)?.toString('utf8').includes(text));
      // The SDK's service ids: STS, SSO admin, EventBridge, SQS are in chunks that import() loads, and in no module of
      // the cold start.
      for (const serviceId of ['AWSSecurityTokenServiceV20110615', 'SWBExternalService', 'AWSEvents', 'AmazonSQS']) {
        expect(holding(serviceId, lazy), serviceId).not.toEqual([]);
        expect(holding(serviceId, [...atStart]), serviceId).toEqual([]);
      }
      // IAM and SNS, which every alert and revert uses, load at cold start.
      expect(holding('DetachRolePolicy', [...atStart])).not.toEqual([]);
      expect(holding('Publish', [...atStart])).not.toEqual([]);
    },
  );

  it(
    'starts without its lazily loaded chunks, and loads ' + 'STS from its unzipped package on the organization path',
    async () => {
      const files = readZip(remediate.artifact('attachGuard'));
      const atStart = loadedAtStart(files, HANDLER);
      const lazy = [...files.keys()].filter((name) => name.endsWith('.mjs') && !atStart.has(name));
      const taskRoot = unzip(remediate.artifact('attachGuard'), join(root, 'task-attach-guard-chunks'));
      const lambdaEnv = remediateAttachGuardEnv({
        MEMBER_ROLE_NAME: 'iot-policy-guard-remediation',
        MEMBER_EXTERNAL_ID: 'external-id-1',
        // Nothing listens there: the calls fail fast, after the modules they need have loaded.
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      });
      for (const name of lazy) rmSync(join(taskRoot, name));
      const started = await coldStart(taskRoot, HANDLER, lambdaEnv);
      expect(started.error).toBe('');
      expect(started.configuration).toMatchObject({ mode: 'remediate', memberRole: 'iot-policy-guard-remediation' });

      // Without them, the organization path fails to load STS: that is the first time it is needed.
      const missing = await coldStart(taskRoot, HANDLER, lambdaEnv, memberEvent());
      expect(missing.decision?.error).toMatchObject({
        message: expect.stringMatching(
          new RegExp(
            `cannot assume arn:aws:iam::${MEMBER}:role/iot-policy-guard-remediation: ` +
              '.*(Cannot find module|ERR_MODULE_NOT_FOUND)',
          ),
        ),
      });

      // From the whole package it loads, and gets as far as calling STS.
      unzip(remediate.artifact('attachGuard'), taskRoot);
      const loaded = await coldStart(taskRoot, HANDLER, lambdaEnv, memberEvent());
      const message = String((loaded.decision?.error as { message?: unknown } | undefined)?.message);
      expect(message).toMatch(
        new RegExp(`cannot assume arn:aws:iam::${MEMBER}:role/iot-policy-guard-remediation: .*ECONNREFUSED`),
      );
      expect(message).not.toMatch(/Cannot find module|ERR_MODULE_NOT_FOUND/);
    },
  );
});

describe('sweep function', () => {
  it('runs on nodejs22.x, arm64, from the esbuild bundle, with five minutes for a run', () => {
    const props = fn(alert.template, SWEEP).Properties ?? {};
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Handler).toBe('functions/sweep/handler.handler');
    expect(props.FunctionName).toBe('iot-policy-guard-dev-sweep');
    expect(props.Timeout).toBe(300);
  });

  it(
    'reads the same configuration as attach-guard, and the names ' +
      'its self-check reads (test/unit/template-self-check.test.ts)',
    () => {
      for (const { template } of [alert, alertIdc, remediate]) {
        const own = Object.fromEntries(
          Object.entries(env(template, SWEEP)).filter(([name]) => !SELF_CHECK_VARIABLES.includes(name)),
        );
        expect(own).toEqual(env(template));
      }
    },
  );

  it('runs on sweepSchedule (hourly by default), from EventBridge Scheduler in the stack’s own group', () => {
    const [, alertSchedule] = only(alert.template, 'AWS::Scheduler::Schedule');
    expect(alertSchedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      GroupName: { Ref: 'SweepScheduleGroup' },
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': ['SweepLambdaFunction', 'Arn'] },
        RoleArn: { 'Fn::GetAtt': ['SweepSchedulerRole', 'Arn'] },
      },
    });
    expect(only(remediate.template, 'AWS::Scheduler::Schedule')[1].Properties?.ScheduleExpression).toBe(OTHER_SCHEDULE);
    expect(alert.template.Resources.SweepScheduleGroup?.Properties?.Name).toBe('iot-policy-guard-dev');
    // Not an EventBridge rule: attach-guard's rules stay the stack's only ones that invoke a function, IAM's and,
    // with identityCenterRegion, IAM Identity Center's (test/integration/event-pattern*.test.ts); the others are the
    // tamper rules, which target the tamper topic (test/unit/template-tamper.test.ts).
    const invoking = (template: Template): string[] =>
      existing(template, 'AWS::Events::Rule')
        .filter(([, r]) => JSON.stringify(r.Properties?.Targets).includes('LambdaFunction'))
        .map(([id]) => id)
        .sort();
    expect(invoking(alert.template)).toEqual([iamRule(alert.template)[0]]);
    expect(invoking(remediate.template)).toEqual([iamRule(remediate.template)[0], 'IdentityCenterRule'].sort());
  });

  it(
    'is invoked through a role that only this stack’s schedule ' +
      'group may assume and that may only invoke the sweep',
    () => {
      const role = alert.template.Resources.SweepSchedulerRole?.Properties ?? {};
      expect(policyStatements(role.AssumeRolePolicyDocument)).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: {
              'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              'aws:SourceArn': { 'Fn::GetAtt': ['SweepScheduleGroup', 'Arn'] },
            },
          },
        },
      ]);
      expect(roleStatements(alert.template, 'SweepSchedulerRole').map((s) => [s.Action, s.Resource])).toEqual([
        ['lambda:InvokeFunction', { 'Fn::GetAtt': ['SweepLambdaFunction', 'Arn'] }],
      ]);
    },
  );

  it('is not retried and has no dead-letter queue: the next scheduled run is the retry', () => {
    const config = invokeConfig(alert.template, SWEEP);
    expect(config.Properties).toMatchObject({ FunctionName: { Ref: 'SweepLambdaFunction' }, MaximumRetryAttempts: 0 });
    expect(JSON.stringify(config.Properties?.DestinationConfig ?? {})).toBe('{}');
  });

  it(
    'ships the allowlist the stage parameter names compiled to JSON, the ' +
      'bundle with the SDK inside and no YAML parser, and its source map',
    () => {
      const files = readZip(alert.artifact('sweep'));
      expect(zipLayout(files, 'functions/sweep')).toEqual([
        SHIPPED_ALLOWLIST,
        'functions/sweep/handler.mjs',
        'functions/sweep/handler.mjs.map',
      ]);
      expectCompiledFrom(files.get(SHIPPED_ALLOWLIST)?.toString('utf8') ?? '', SOURCE_ALLOWLIST);
      const bundle = [...loadedAtStart(files, 'functions/sweep/handler.mjs')]
        .map((name) => files.get(name)?.toString('utf8') ?? '')
        .join('\n');
      expect(bundle).not.toMatch(/from\s*["']@aws-sdk\//);
      expect(bundle).toContain('ListEntitiesForPolicy');
      expectNoYamlParser(
        [...files]
          .filter(([name]) => name.endsWith('.mjs'))
          .map(([, code]) => code.toString('utf8'))
          .join('\n'),
      );

      const other = readZip(remediate.artifact('sweep'));
      expect(other.has(SHIPPED_ALLOWLIST)).toBe(false);
      expect(other.has(OTHER_ALLOWLIST)).toBe(false);
      expectCompiledFrom(other.get(OTHER_SHIPPED)?.toString('utf8') ?? '', OTHER_ALLOWLIST);
    },
  );

  it('starts from its unzipped package alone, with the shipped JSON allowlist', async () => {
    const taskRoot = unzip(alert.artifact('sweep'), join(root, 'task-sweep'));
    const lambdaEnv = {
      ...(env(alert.template, SWEEP) as Record<string, string>),
      ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`,
      ALERT_FALLBACK_QUEUE_URL: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/dead-letters`,
      CHAT_TOPIC_ARN: '',
      HOME_ACCOUNT_ID: ACCOUNT,
      SWEEP_ACCOUNTS: '',
      // What CloudFormation makes of the self-check's Fn::If and Fn::GetAtt.
      SELF_CHECK_RULE_NAMES: 'iot-policy-guard-dev-attach-policy',
      SELF_CHECK_RULE_TARGET: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:iot-policy-guard-dev-attach-guard`,
      ALERT_KEY_ARN: `arn:aws:kms:us-east-1:${ACCOUNT}:key/0d5bc3a8-1f2e-4f0a-9a45-0123456789ab`,
    };
    const started = await coldStart(taskRoot, 'functions/sweep/handler.mjs', lambdaEnv);
    expect(started.error).toBe('');
    expect(started.configuration?.chatTopic ?? null).toBeNull();
    expect(started.configuration).toMatchObject({
      mode: 'alert',
      allowlist: join(taskRoot, SHIPPED_ALLOWLIST),
      entries: 0,
    });
  });
});

describe('attach-policy rule', () => {
  it('listens on the default bus and targets the function with retries', () => {
    const [, rule] = iamRule(alert.template);
    const props = rule.Properties ?? {};
    expect(props.EventBusName).toBeUndefined();
    expect(props.State).toBe('ENABLED');
    expect(props.Name).toBe('iot-policy-guard-dev-attach-policy');
    expect(props.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': ['AttachGuardLambdaFunction', 'Arn'] },
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['RuleDeadLetterQueue', 'Arn'] } },
      }),
    ]);
  });

  it('matches CloudTrail attach calls of governed policies, generated from the catalog', () => {
    const pattern = rulePattern(alert.template);
    expect(pattern).toEqual(attachEventPattern('aws-iot', 'aws'));
    expect(pattern).toMatchObject({
      source: ['aws.iam'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['iam.amazonaws.com'],
        eventName: ['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy'],
      },
    });
  });

  it('selects every catalog policy (the seed ten among them) and none of the others', () => {
    const matchers = (rulePattern(alert.template) as { detail: { requestParameters: { policyArn: PatternValue[] } } })
      .detail.requestParameters.policyArn;
    const selects = (arn: string): boolean => matchers.some((m) => patternValueMatches(m, arn));
    for (const arn of governedArns('aws-iot')) expect(selects(arn), arn).toBe(true);
    for (const arn of NOT_GOVERNED) expect(selects(arn), arn).toBe(false);
  });

  it('is the same in every mode', () => {
    expect(rulePattern(remediate.template)).toEqual(rulePattern(alert.template));
  });
});

describe('detach permission', () => {
  it('does not exist in alert mode (nor in dry-run: the same condition)', () => {
    expect(conditionHolds(alert.template, 'Remediate')).toBe(false);
    // dry-run is packaged like alert; the condition compares the checked mode with "remediate" and nothing else.
    expect(alert.template.Conditions?.Remediate).toEqual({ 'Fn::Equals': ['alert', 'remediate'] });
    const detachers = Object.entries(alert.template.Resources).filter(([, r]) =>
      JSON.stringify(r).includes('iam:Detach'),
    );
    expect(detachers.map(([id, r]) => [id, r.Condition])).toEqual([['RemediationPolicy', 'Remediate']]);
  });

  it('exists in remediate mode, on the two function roles only', () => {
    expect(conditionHolds(remediate.template, 'Remediate')).toBe(true);
    const [, policy] = only(remediate.template, 'AWS::IAM::Policy', (r) => r.Condition === 'Remediate');
    expect(policy.Properties?.Roles).toEqual([{ Ref: 'AttachGuardRole' }, { Ref: 'SweepRole' }]);
  });

  it('gives the sweep exactly attach-guard’s detach, in remediate mode only', () => {
    const detaches = (template: Template, role: string): Statement[] =>
      effectiveStatements(template, role).filter((s) => [s.Action].flat().some((a) => a.startsWith('iam:Detach')));
    expect(detaches(alert.template, 'SweepRole')).toEqual([]);
    const sweep = detaches(remediate.template, 'SweepRole');
    expect(sweep.length).toBeGreaterThan(0);
    expect(sweep).toEqual(detaches(remediate.template, 'AttachGuardRole'));
    expect(sweep).toEqual(detachStatements(remediate.template));
    for (const arn of governedArns('seed')) expect(mayDetach(sweep, arn), arn).toBe(true);
    for (const arn of NOT_GOVERNED) expect(mayDetach(sweep, arn), arn).toBe(false);
  });

  it('names only the three detach actions, on this account’s users, roles and groups', () => {
    for (const s of detachStatements(remediate.template)) {
      expect(s.Effect).toBe('Allow');
      expect(s.Action).toEqual([...DETACH_ACTIONS]);
      expect(s.Resource).toEqual([
        `arn:aws:iam::${ACCOUNT}:user/*`,
        `arn:aws:iam::${ACCOUNT}:role/*`,
        `arn:aws:iam::${ACCOUNT}:group/*`,
      ]);
      expect(Object.keys(s.Condition ?? {}).sort()).toEqual([expect.stringMatching(/^Arn(Like|Equals)$/)]);
      expect(Object.keys(Object.values(s.Condition ?? {})[0] ?? {})).toEqual(['iam:PolicyARN']);
    }
  });

  it('covers the ten seed policies and every catalog policy', () => {
    expect(SEED_POLICIES).toHaveLength(10);
    const statements = detachStatements(remediate.template);
    for (const arn of governedArns('seed')) expect(mayDetach(statements, arn), arn).toBe(true);
    for (const arn of governedArns('aws-iot')) expect(mayDetach(statements, arn), arn).toBe(true);
  });

  it('covers no other AWS managed policy and no customer policy, whatever its name', () => {
    const statements = detachStatements(remediate.template);
    for (const arn of NOT_GOVERNED) expect(mayDetach(statements, arn), arn).toBe(false);
  });

  it(
    'never allows a policy the guard does not govern, and allows ' +
      'every governed one spelt as the catalog spells AWSIoT',
    () => {
      const statements = detachStatements(remediate.template);
      expectGovernedExactly((candidate) => mayDetach(statements, candidate));
    },
  );
});

describe('least privilege', () => {
  it('allows no wildcard action anywhere (deny statements may)', () => {
    for (const [where, s] of allStatements(remediate.template)) {
      if (s.Effect !== 'Allow') continue;
      for (const action of [s.Action].flat()) expect(action, `${where} ${s.Sid ?? ''}`).not.toContain('*');
    }
  });

  it(
    'gives IAM policies no Resource "*" (key policies use it for the key itself), ' +
      'but sso:ListInstances and iam:ListPolicies, which have no resource type',
    () => {
      const unscoped: string[] = [];
      for (const [where, s] of allStatements(remediate.template)) {
        if (where.startsWith('AlertKey')) continue;
        // IAM Identity Center's ListInstances and IAM's ListPolicies cannot be scoped; each is alone in its statement
        // of the sweep's role, so "*" grants nothing else.
        const actions = JSON.stringify([s.Action].flat());
        if (actions === '["sso:ListInstances"]' || actions === '["iam:ListPolicies"]') {
          expect([where, [s.Resource].flat()]).toEqual(['SweepRole', ['*']]);
          unscoped.push(actions);
          continue;
        }
        expect([s.Resource].flat(), `${where} ${s.Sid ?? ''}`).not.toContain('*');
      }
      expect(unscoped.sort()).toEqual(['["iam:ListPolicies"]', '["sso:ListInstances"]']);
    },
  );

  it('allows no wildcard action in alert mode either', () => {
    for (const { template } of [alert, alertIdc]) {
      for (const [where, s] of allStatements(template)) {
        if (s.Effect !== 'Allow') continue;
        for (const action of [s.Action].flat()) expect(action, `${where} ${s.Sid ?? ''}`).not.toContain('*');
      }
    }
  });

  it('lets attach-guard write its own log group, publish to its topic, use its key, fill its dead-letter queue', () => {
    const statements = roleStatements(alert.template);
    expect(statements.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      ['WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': ['AttachGuardLogGroup', 'Arn'] }],
      ['PublishAlerts', 'sns:Publish', [{ Ref: 'AlertTopic' }]],
      ['SendFailedInvocations', 'sqs:SendMessage', { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }],
      ['UseAlertKey', ['kms:Decrypt', 'kms:GenerateDataKey'], { 'Fn::GetAtt': ['AlertKey', 'Arn'] }],
    ]);
    expect(alert.template.Resources.AttachGuardLogGroup?.Properties?.LogGroupName).toBe(
      '/aws/lambda/iot-policy-guard-dev-attach-guard',
    );
  });

  it('lets attach-guard put events on the findings bus only, and only when one is given', () => {
    expect(conditionHolds(alert.template, 'HasFindingsBus')).toBe(false);
    expect(conditionHolds(remediate.template, 'HasFindingsBus')).toBe(true);
    const putFindings = roleStatements(remediate.template).find((s) => s.Sid === 'PutFindings');
    expect(putFindings).toEqual({
      Sid: 'PutFindings',
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/security-findings`,
    });
  });

  it(
    'lets the sweep write its own log group, publish to the ' +
      'topic, use the key, and list the governed policies’ holders',
    () => {
      const statements = roleStatements(alert.template, 'SweepRole');
      expect(
        statements.map((s) => [s.Sid, s.Action, s.Sid === 'ListGovernedPolicyHolders' ? 'the catalog' : s.Resource]),
      ).toEqual([
        ['WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': ['SweepLogGroup', 'Arn'] }],
        ['PublishAlerts', 'sns:Publish', [{ Ref: 'AlertTopic' }]],
        ['KeepUndeliveredAlerts', 'sqs:SendMessage', { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }],
        ['UseAlertKey', ['kms:Decrypt', 'kms:GenerateDataKey'], { 'Fn::GetAtt': ['AlertKey', 'Arn'] }],
        ['ListAttachedPolicies', ['iam:ListPolicies'], ['*']],
        ['ListGovernedPolicyHolders', ['iam:ListEntitiesForPolicy'], 'the catalog'],
      ]);
      expect(
        statements
          .flatMap((s) => [s.Action].flat())
          .filter((a) => a.startsWith('iam:'))
          .sort(),
      ).toEqual([...LIST_ACTIONS].sort());
      expect(alert.template.Resources.SweepLogGroup?.Properties?.LogGroupName).toBe(
        '/aws/lambda/iot-policy-guard-dev-sweep',
      );
      expect(roleStatements(remediate.template, 'SweepRole').find((s) => s.Sid === 'PutFindings')).toEqual(
        roleStatements(remediate.template).find((s) => s.Sid === 'PutFindings'),
      );
    },
  );

  it(
    'lets the sweep call ListEntitiesForPolicy on the governed ' +
      'AWS managed policies only: the catalog and the AWSIoT prefix',
    () => {
      const list = effectiveStatements(alert.template, 'SweepRole').filter((s) =>
        [s.Action].flat().includes('iam:ListEntitiesForPolicy'),
      );
      expect(list).toHaveLength(1);
      expect([list[0]?.Action].flat()).toEqual(['iam:ListEntitiesForPolicy']);
      expect(list[0]?.Condition).toBeUndefined();
      const resources = [list[0]?.Resource].flat() as string[];
      // AWS-owned policies only (iam::aws:), never a customer's lookalike and never all of policy/*.
      for (const arn of resources) expect(arn).toMatch(/^arn:aws:iam::aws:policy\/[\w+=,.@/*-]+$/);
      expect(resources).not.toContain('arn:aws:iam::aws:policy/*');
      const mayList = (arn: string): boolean => resources.some((pattern) => arnLike(pattern, arn));
      for (const arn of [...governedArns('aws-iot'), ...governedArns('seed')]) expect(mayList(arn), arn).toBe(true);
      // Policies AWS adds after the catalog was compiled, at the root or under a path.
      for (const arn of [
        'arn:aws:iam::aws:policy/AWSIoTBrandNewFullAccess',
        'arn:aws:iam::aws:policy/service-role/AWSIotNewServiceRolePolicy',
      ])
        expect(mayList(arn), arn).toBe(true);
      for (const arn of NOT_GOVERNED) expect(mayList(arn), arn).toBe(false);
    },
  );

  it(
    'never lets the sweep list a policy the guard does not govern, and ' +
      'lets it list every governed one spelt as the catalog spells AWSIoT',
    () => {
      const list = effectiveStatements(alert.template, 'SweepRole').find((s) =>
        [s.Action].flat().includes('iam:ListEntitiesForPolicy'),
      );
      const resources = [list?.Resource].flat() as string[];
      expectGovernedExactly((candidate) => resources.some((pattern) => arnLike(pattern, candidate)));
    },
  );

  it('gives the sweep no write permission in alert mode: no IAM action but the two reads', () => {
    const actions = effectiveStatements(alert.template, 'SweepRole').flatMap((s) => [s.Action].flat());
    expect([...new Set(actions)].sort()).toEqual([...SWEEP_ALERT_MODE, ...SELF_CHECK_READS].sort());
  });

  it('keeps each function role’s inline policies under IAM’s size limit, in the longest partition', () => {
    const pseudo = {
      'AWS::Partition': 'aws-us-gov',
      'AWS::Region': 'us-gov-west-1',
      'AWS::AccountId': ACCOUNT,
      'AWS::StackName': 'iot-policy-guard-dev',
    };
    const { template } = remediate;
    for (const role of ['AttachGuardRole', 'SweepRole']) {
      // The role's own inline policies and every AWS::IAM::Policy put on it (also inline policies, for IAM's limit):
      // RemediationPolicy and IdentityCenterRemediationPolicy here, AssumeMemberRolePolicy in an organization.
      const attached = resourcesOfType(template, 'AWS::IAM::Policy').filter(([, p]) =>
        (p.Properties!.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: role })),
      );
      expect(attached.map(([id]) => id)).toEqual(
        expect.arrayContaining(['RemediationPolicy', 'IdentityCenterRemediationPolicy']),
      );
      const documents = [
        ...(template.Resources[role]!.Properties!.Policies as { PolicyDocument: unknown }[]).map(
          (p) => p.PolicyDocument,
        ),
        ...attached.map(([, p]) => p.Properties?.PolicyDocument),
      ];
      // Fn::If resolved as deployed (Identity Center on), pseudo parameters of GovCloud filled in.
      const size = documents.reduce(
        (n: number, d) =>
          n +
          JSON.stringify({
            Version: '2012-10-17',
            Statement: policyStatements(substitutePseudoParameters(d, pseudo), template),
          }).replace(/\s/g, '').length,
        0,
      );
      expect(size, role).toBeLessThan(ROLE_INLINE_POLICY_LIMIT * 0.8); // room for the catalog to grow
    }
  });
});

describe('IAM Identity Center (identityCenterRegion)', () => {
  const SSO_READS = [
    'sso:DescribePermissionSet',
    'sso:ListInstances',
    'sso:ListManagedPoliciesInPermissionSet',
    'sso:ListPermissionSets',
  ];
  const SSO_WRITES = ['sso:DetachManagedPolicyFromPermissionSet', 'sso:ProvisionPermissionSet'];
  const INSTANCES = 'arn:aws:sso:::instance/*';
  const PERMISSION_SETS = 'arn:aws:sso:::permissionSet/*/*';

  it('is off by default, on with the parameter; its remediation only in remediate mode', () => {
    expect(conditionHolds(alert.template, 'HasIdentityCenter')).toBe(false);
    expect(conditionHolds(alertIdc.template, 'HasIdentityCenter')).toBe(true);
    expect(conditionHolds(remediate.template, 'HasIdentityCenter')).toBe(true);
    expect(remediate.template.Conditions?.RemediateIdentityCenter).toEqual({
      'Fn::And': [{ Condition: 'Remediate' }, { Condition: 'HasIdentityCenter' }],
    });
    expect(conditionHolds(alert.template, 'RemediateIdentityCenter')).toBe(false);
    expect(conditionHolds(alertIdc.template, 'RemediateIdentityCenter')).toBe(false);
    expect(conditionHolds(remediate.template, 'RemediateIdentityCenter')).toBe(true);
  });

  it('tells both functions the Region (IDENTITY_CENTER_REGION, where the sweep lists permission sets)', () => {
    for (const id of [ATTACH_GUARD, SWEEP]) {
      expect(env(alert.template, id).IDENTITY_CENTER_REGION, id).toBe('');
      expect(env(alertIdc.template, id).IDENTITY_CENTER_REGION, id).toBe(IDENTITY_CENTER_REGION);
      expect(env(remediate.template, id).IDENTITY_CENTER_REGION, id).toBe(IDENTITY_CENTER_REGION);
    }
  });

  it(
    'adds a second rule on the default bus, targeting attach-guard ' +
      'with the IAM rule’s retry policy, only with the parameter',
    () => {
      const rule = identityCenterRule(alertIdc.template);
      expect(rule.Condition).toBe('HasIdentityCenter');
      expect(exists(alert.template, identityCenterRule(alert.template))).toBe(false);
      const props = rule.Properties ?? {};
      expect(props.EventBusName).toBeUndefined();
      expect(props.State).toBe('ENABLED');
      expect(props.Name).toBe('iot-policy-guard-dev-attach-permission-set');
      const [iamTarget] = iamRule(alertIdc.template)[1].Properties!.Targets as { Arn: unknown; RetryPolicy: unknown }[];
      expect(props.Targets).toEqual([
        {
          Id: 'attach-guard',
          Arn: { 'Fn::GetAtt': ['AttachGuardLambdaFunction', 'Arn'] },
          RetryPolicy: iamTarget?.RetryPolicy,
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['RuleDeadLetterQueue', 'Arn'] } },
        },
      ]);
      expect(iamTarget?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 });
      // Its invocations are asynchronous like the IAM rule's: the function's retries and dead-letter queue apply.
      expect(invokeConfig(alertIdc.template).Properties?.DestinationConfig).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
      });
    },
  );

  it('lets exactly that rule invoke attach-guard', () => {
    const permission = alertIdc.template.Resources.IdentityCenterRuleLambdaPermission;
    expect(permission?.Type).toBe('AWS::Lambda::Permission');
    expect(permission?.Condition).toBe('HasIdentityCenter');
    expect(permission?.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': ['AttachGuardLambdaFunction', 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['IdentityCenterRule', 'Arn'] },
    });
  });

  it(
    'matches CloudTrail permission-set attaches of governed ' +
      'policies, with the IAM rule’s matchers on managedPolicyArn',
    () => {
      const pattern = substitutePseudoParameters(identityCenterRule(alertIdc.template).Properties?.EventPattern) as {
        detail: { requestParameters: { managedPolicyArn: PatternValue[] } };
      };
      expect(pattern).toEqual(permissionSetEventPattern('aws-iot', 'aws'));
      expect(pattern).toMatchObject({
        source: ['aws.sso'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['sso.amazonaws.com'], eventName: ['AttachManagedPolicyToPermissionSet'] },
      });
      // One source of truth: the same values as the IAM rule's policyArn.
      const iam = (rulePattern(alertIdc.template) as { detail: { requestParameters: { policyArn: PatternValue[] } } })
        .detail.requestParameters.policyArn;
      const matchers = pattern.detail.requestParameters.managedPolicyArn;
      expect(matchers).toEqual(iam);
      const selects = (arn: string): boolean => matchers.some((m) => patternValueMatches(m, arn));
      for (const arn of governedArns('aws-iot')) expect(selects(arn), arn).toBe(true);
      for (const arn of NOT_GOVERNED) expect(selects(arn), arn).toBe(false);
      expect(substitutePseudoParameters(identityCenterRule(remediate.template).Properties?.EventPattern)).toEqual(
        pattern,
      );
    },
  );

  it('alarms when EventBridge cannot invoke attach-guard for that rule', () => {
    const alarm = alertIdc.template.Resources.IdentityCenterRuleFailedInvocationsAlarm;
    expect(alarm?.Condition).toBe('HasIdentityCenter');
    expect(alarm?.Properties).toMatchObject({
      Namespace: 'AWS/Events',
      MetricName: 'FailedInvocations',
      Dimensions: [{ Name: 'RuleName', Value: identityCenterRule(alertIdc.template).Properties?.Name }],
      AlarmActions: [{ Ref: 'AlertTopic' }],
      AlarmName: expect.stringMatching(/^iot-policy-guard-dev-/),
    });
    expect(existing(alertIdc.template, 'AWS::CloudWatch::Alarm')).toHaveLength(11);
  });

  it('grants no SSO action at all without the parameter', () => {
    for (const role of ['AttachGuardRole', 'SweepRole']) expect(ssoActions(alert.template, role), role).toEqual([]);
  });

  it('grants only reads in alert mode: attach-guard the permission set’s name, the sweep its listings', () => {
    expect(ssoActions(alertIdc.template, 'AttachGuardRole')).toEqual(['sso:DescribePermissionSet']);
    expect(ssoActions(alertIdc.template, 'SweepRole')).toEqual(SSO_READS);
    const sweep = Object.fromEntries(
      effectiveStatements(alertIdc.template, 'SweepRole')
        .filter((s) => s.Sid && [s.Action].flat().some((a) => a.startsWith('sso:')))
        .map((s) => [s.Sid, s]),
    );
    expect(sweep.ListIdentityCenterInstances).toEqual({
      Sid: 'ListIdentityCenterInstances',
      Effect: 'Allow',
      Action: 'sso:ListInstances',
      Resource: '*',
    });
    expect(sweep.ReadPermissionSets).toEqual({
      Sid: 'ReadPermissionSets',
      Effect: 'Allow',
      Action: ['sso:DescribePermissionSet', 'sso:ListManagedPoliciesInPermissionSet', 'sso:ListPermissionSets'],
      Resource: [INSTANCES, PERMISSION_SETS],
    });
    expect(roleStatements(alertIdc.template).find((s) => s.Sid === 'DescribePermissionSets')).toEqual({
      Sid: 'DescribePermissionSets',
      Effect: 'Allow',
      Action: 'sso:DescribePermissionSet',
      Resource: [INSTANCES, PERMISSION_SETS],
    });
    // Nothing else changes in alert mode: the sweep still reads and publishes (or keeps an undelivered alert), nothing
    // more.
    const actions = effectiveStatements(alertIdc.template, 'SweepRole').flatMap((s) => [s.Action].flat());
    expect([...new Set(actions)].sort()).toEqual([...SWEEP_ALERT_MODE, ...SSO_READS, ...SELF_CHECK_READS].sort());
    expect(alertIdc.template.Resources.IdentityCenterRemediationPolicy?.Condition).toBe('RemediateIdentityCenter');
  });

  it('adds detach and provision on permission sets in remediate mode, for both functions, through one policy', () => {
    expect(ssoActions(remediate.template, 'AttachGuardRole')).toEqual(['sso:DescribePermissionSet', ...SSO_WRITES]);
    expect(ssoActions(remediate.template, 'SweepRole')).toEqual([...SSO_READS, ...SSO_WRITES].sort());
    const policy = remediate.template.Resources.IdentityCenterRemediationPolicy;
    expect(policy?.Condition).toBe('RemediateIdentityCenter');
    expect(policy?.Properties?.Roles).toEqual([{ Ref: 'AttachGuardRole' }, { Ref: 'SweepRole' }]);
    expect(policyStatements(policy?.Properties?.PolicyDocument, remediate.template)).toEqual([
      {
        Sid: 'DetachFromPermissionSets',
        Effect: 'Allow',
        Action: 'sso:DetachManagedPolicyFromPermissionSet',
        Resource: [INSTANCES, PERMISSION_SETS],
      },
      {
        Sid: 'ProvisionPermissionSets',
        Effect: 'Allow',
        Action: 'sso:ProvisionPermissionSet',
        Resource: [INSTANCES, PERMISSION_SETS, 'arn:aws:sso:::account/*'],
      },
    ]);
    // The SSO writes come from that policy only, never from a role's own statements.
    for (const role of ['AttachGuardRole', 'SweepRole']) {
      const own = roleStatements(remediate.template, role).flatMap((s) => [s.Action].flat());
      for (const action of SSO_WRITES) expect(own, role).not.toContain(action);
    }
  });
});

describe('alert topic and key', () => {
  it('encrypts the topic and the dead-letter queue with the customer-managed key, which rotates', () => {
    const key = { 'Fn::GetAtt': ['AlertKey', 'Arn'] };
    expect(alert.template.Resources.AlertTopic?.Properties?.KmsMasterKeyId).toEqual(key);
    expect(alert.template.Resources.DeadLetterQueue?.Properties?.KmsMasterKeyId).toEqual(key);
    expect(alert.template.Resources.AlertKey?.Properties?.EnableKeyRotation).toBe(true);
  });

  it('lets the function roles and this stack’s alarms use the key, and nobody read messages outside SQS', () => {
    const statements = keyStatements(alert.template);
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    const roleArn = (role: string): string =>
      `arn:aws:iam::${ACCOUNT}:role/` +
      String(substitutePseudoParameters(alert.template.Resources[role]?.Properties?.RoleName));
    expect(roleArn('SweepRole')).toBe(`arn:aws:iam::${ACCOUNT}:role/iot-policy-guard-dev-sweep-us-east-1`);
    expect(bySid.FunctionRolesPublish?.Condition?.ArnEquals).toEqual({
      'aws:PrincipalArn': [roleArn('AttachGuardRole'), roleArn('SweepRole')],
    });
    expect(bySid.FunctionRolesPublish?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(bySid.CloudWatchAlarmsPublish?.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    expect(bySid.ReadDeadLettersThroughSqs?.Condition?.StringEquals).toMatchObject({
      'kms:ViaService': 'sqs.us-east-1.amazonaws.com',
    });
    // Only the administration statement may omit a condition, and it grants no cryptographic operation.
    for (const s of statements.filter((s) => s.Condition === undefined)) {
      expect(s.Sid).toBe('AdministerKey');
      expect([s.Action].flat()).not.toEqual(expect.arrayContaining(['kms:Decrypt']));
      expect([s.Action].flat().filter((a) => /Decrypt|Encrypt|GenerateDataKey|ReEncrypt|CreateGrant/.test(a))).toEqual(
        [],
      );
    }
  });

  it('subscribes the e-mail address only when one is given', () => {
    expect(alert.template.Resources.AlertEmailSubscription?.Condition).toBe('HasAlertEmail');
    expect(conditionHolds(alert.template, 'HasAlertEmail')).toBe(false);
    expect(conditionHolds(remediate.template, 'HasAlertEmail')).toBe(true);
    expect(remediate.template.Resources.AlertEmailSubscription?.Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: 'secops@example.com',
    });
  });
});

describe('chat topic (chatTopic)', () => {
  it(
    'also gets every tamper alert, as one valid custom notification ' +
      'per event; EventBridge may use the key and the topic for that only',
    () => {
      const validate = new Ajv2020({ allErrors: true, strict: true }).compile(
        JSON.parse(readFileSync('infra/chat-notification.schema.json', 'utf8')),
      );
      const tamperRules = (t: Template) =>
        Object.entries(t.Resources).filter(([id]) => id.startsWith('Tamper') && id.endsWith('Rule'));
      for (const [id, rule] of tamperRules(alert.template))
        expect((rule.Properties!.Targets as unknown[]).length, id).toBe(1);
      const rules = tamperRules(remediate.template);
      expect(rules.length).toBeGreaterThan(10);
      for (const [id, rule] of rules) {
        type Target = {
          Id: string;
          Arn: unknown;
          InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
        };
        const targets = rule.Properties?.Targets as (Target | { 'Fn::If': [string, Target, unknown] })[];
        expect(targets, id).toHaveLength(2);
        const conditional = targets[1] as { 'Fn::If': [string, Target, unknown] };
        expect(conditional['Fn::If'][0], id).toBe('HasChatTopic');
        const chat = conditional['Fn::If'][1];
        expect(chat.Id, id).toBe('chat-topic');
        expect(chat?.Arn, id).toEqual({ Ref: 'ChatTopic' });
        // Filled in as EventBridge would, with values that need escaping.
        const filled = chat!.InputTransformer.InputTemplate.replace(/<(\w+)>/g, (_, name: string) => {
          expect(chat!.InputTransformer.InputPathsMap, id).toHaveProperty(name);
          return JSON.stringify(`value of ${name} with "quotes"`).slice(1, -1);
        });
        const notification = JSON.parse(filled) as unknown;
        expect(validate(notification), `${id}: ${JSON.stringify(validate.errors)}`).toBe(true);
        expect(notification).toMatchObject({
          version: '1.0',
          source: 'custom',
          content: { title: expect.stringContaining('HIGH tamper alert') },
        });
      }
      const keyStatements = (remediate.template.Resources.AlertKey!.Properties!.KeyPolicy as { Statement: unknown[] })
        .Statement;
      const grant = keyStatements.find((s) => JSON.stringify(s).includes('TamperRulesPublishToChat'));
      expect(grant).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      });
      expect(JSON.stringify(grant)).toContain('-tamper-*');
      const topicStatements = (
        remediate.template.Resources.ChatTopicPolicy!.Properties!.PolicyDocument as { Statement: Statement[] }
      ).Statement;
      expect(topicStatements.find((s) => s.Sid === 'TamperRulesPublish')).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sns:Publish',
      });
    },
  );

  it('is off by default and on with chatTopic=true, with its policy and output under the same condition', () => {
    expect(conditionHolds(alert.template, 'HasChatTopic')).toBe(false);
    expect(conditionHolds(remediate.template, 'HasChatTopic')).toBe(true);
    for (const id of ['ChatTopic', 'ChatTopicPolicy'])
      expect(alert.template.Resources[id]?.Condition, id).toBe('HasChatTopic');
    expect(alert.template.Outputs?.ChatTopicArn).toMatchObject({
      Condition: 'HasChatTopic',
      Value: { Ref: 'ChatTopic' },
    });
    expect(existing(alert.template, 'AWS::SNS::Topic').map(([id]) => id)).toEqual(['AlertTopic', 'TamperTopic']);
    expect(
      existing(remediate.template, 'AWS::SNS::Topic')
        .map(([id]) => id)
        .sort(),
    ).toEqual(['AlertTopic', 'ChatTopic', 'TamperTopic']);
  });

  it('is encrypted like the alert topic, with the same customer-managed key, and refuses insecure transport', () => {
    const topic = remediate.template.Resources.ChatTopic?.Properties;
    expect(topic?.KmsMasterKeyId).toEqual(remediate.template.Resources.AlertTopic?.Properties?.KmsMasterKeyId);
    expect(topic?.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': ['AlertKey', 'Arn'] });
    const [deny] = policyStatements(
      remediate.template.Resources.ChatTopicPolicy?.Properties?.PolicyDocument,
      remediate.template,
    );
    expect(deny).toMatchObject({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Resource: { Ref: 'ChatTopic' },
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it('lets both functions publish to it (their roles, and the key through SNS), only when it exists', () => {
    for (const role of ['AttachGuardRole', 'SweepRole']) {
      expect(roleStatements(remediate.template, role).find((s) => s.Sid === 'PublishAlerts')?.Resource, role).toEqual([
        { Ref: 'AlertTopic' },
        { Ref: 'ChatTopic' },
      ]);
      expect(roleStatements(alert.template, role).find((s) => s.Sid === 'PublishAlerts')?.Resource, role).toEqual([
        { Ref: 'AlertTopic' },
      ]);
    }
    const publish = keyStatements(remediate.template).find((s) => s.Sid === 'FunctionRolesPublish');
    expect(publish?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(publish?.Condition?.StringEquals?.['kms:ViaService']).toContain('sns.us-east-1.amazonaws.com');
    expect(publish?.Condition?.ArnEquals?.['aws:PrincipalArn']).toHaveLength(2);
  });

  it('alarms on chat messages the functions could not deliver (ChatFailures), only when the topic exists', () => {
    expect(alert.template.Resources.ChatFailuresAlarm?.Condition).toBe('HasChatTopic');
    expect(existing(alert.template, 'AWS::CloudWatch::Alarm').map(([id]) => id)).not.toContain('ChatFailuresAlarm');
    expect(remediate.template.Resources.ChatFailuresAlarm?.Properties).toMatchObject({
      Namespace: 'IotPolicyGuard',
      MetricName: 'ChatFailures',
      Dimensions: [{ Name: 'service', Value: 'iot-policy-guard' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: 'AlertTopic' }],
    });
  });

  it('is the functions’ CHAT_TOPIC_ARN when it exists, empty (no chat) when not', () => {
    for (const stack of [alert, remediate]) {
      const value = env(stack.template).CHAT_TOPIC_ARN as { 'Fn::If': [string, unknown, unknown] };
      expect(value['Fn::If'][0]).toBe('HasChatTopic');
      expect(conditionHolds(stack.template, 'HasChatTopic') ? value['Fn::If'][1] : value['Fn::If'][2]).toEqual(
        stack === alert ? '' : { Ref: 'ChatTopic' },
      );
    }
    expect(env(remediate.template, SWEEP).CHAT_TOPIC_ARN).toEqual(env(remediate.template).CHAT_TOPIC_ARN);
  });
});

describe('failure path', () => {
  it('retries an asynchronous invocation twice, then sends it to the dead-letter queue', () => {
    const config = invokeConfig(alert.template);
    expect(config.Properties).toMatchObject({
      FunctionName: { Ref: 'AttachGuardLambdaFunction' },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } } },
    });
    expect(alert.template.Resources.DeadLetterQueue?.Properties?.MessageRetentionPeriod).toBe(1209600);
  });

  it('alarms on dead letters, function errors and failed rule and schedule invocations, notifying the topic', () => {
    const alarms: Record<string, Record<string, unknown>> = Object.fromEntries(
      existing(alert.template, 'AWS::CloudWatch::Alarm').map(([, a]) => [
        `${String(a.Properties?.Namespace)} ${String(a.Properties?.MetricName)}`,
        a.Properties ?? {},
      ]),
    );
    const byMetric = (namespace: string, metric: string): unknown[] =>
      existing(alert.template, 'AWS::CloudWatch::Alarm')
        .map(([, a]) => a.Properties ?? {})
        .filter((a) => a.Namespace === namespace && a.MetricName === metric)
        .map((a) => a.Dimensions);
    // Without Identity Center, its rule's alarm does not exist (see 'IAM Identity Center' below). Two more notify the
    // tamper topic (test/unit/template-tamper.test.ts): the rules' dead letters and the sweep's heartbeat.
    expect(existing(alert.template, 'AWS::CloudWatch::Alarm')).toHaveLength(10);
    expect(Object.keys(alarms).sort()).toEqual([
      'AWS/Events FailedInvocations',
      'AWS/Lambda Errors',
      'AWS/SQS ApproximateNumberOfMessagesVisible',
      'AWS/Scheduler TargetErrorCount',
      'IotPolicyGuard FindingFailures',
      'IotPolicyGuard RejectedDeliveries',
      'IotPolicyGuard SelfCheckDrift', // test/unit/template-self-check.test.ts
      'IotPolicyGuard SweepCompleted',
    ]);
    // What the functions only count (they return normally): a forged or replayed delivery, a finding the bus refused.
    for (const metric of ['RejectedDeliveries', 'FindingFailures'])
      expect(byMetric('IotPolicyGuard', metric)).toEqual([[{ Name: 'service', Value: 'iot-policy-guard' }]]);
    expect(byMetric('AWS/SQS', 'ApproximateNumberOfMessagesVisible')).toEqual([
      [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
      [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['RuleDeadLetterQueue', 'QueueName'] } }],
    ]);
    // A sweep run that fails (Errors >= 1) is not retried: this alarm is how anyone hears of it.
    expect(byMetric('AWS/Lambda', 'Errors')).toEqual([
      [{ Name: 'FunctionName', Value: { Ref: 'AttachGuardLambdaFunction' } }],
      [{ Name: 'FunctionName', Value: { Ref: 'SweepLambdaFunction' } }],
    ]);
    const [, rule] = iamRule(alert.template);
    expect(byMetric('AWS/Events', 'FailedInvocations')).toEqual([[{ Name: 'RuleName', Value: rule.Properties?.Name }]]);
    expect(byMetric('AWS/Scheduler', 'TargetErrorCount')).toEqual([
      [{ Name: 'ScheduleGroup', Value: { Ref: 'SweepScheduleGroup' } }],
    ]);
    for (const [id, { Properties: alarm = {} }] of resourcesOfType(alert.template, 'AWS::CloudWatch::Alarm')) {
      if (id === 'SweepHeartbeatAlarm') continue; // missing data is its alarm (template-tamper.test.ts)
      // The self-check's keeps its state between runs (TreatMissingData ignore).
      expect(alarm).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: id === 'SelfCheckDriftAlarm' ? 'ignore' : 'notBreaching',
      });
      // The rules' dead letters may be undelivered tamper alerts: they go the independent way, to the tamper topic.
      expect(alarm.AlarmActions).toEqual([{ Ref: id === 'RuleDeadLetterQueueAlarm' ? 'TamperTopic' : 'AlertTopic' }]);
      // The key and topic policies let CloudWatch publish for alarms named with this prefix only.
      expect(alarm.AlarmName).toMatch(/^iot-policy-guard-dev-/);
    }
    const alarmSource = keyStatements(alert.template).find((s) => s.Sid === 'CloudWatchAlarmsPublish')?.Condition
      ?.ArnLike?.['aws:SourceArn'];
    expect(alarmSource).toBe(`arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:iot-policy-guard-dev-*`);
  });
});

describe('optional CloudTrail trail', () => {
  it('is off by default and on with createTrail=true', () => {
    expect(conditionHolds(alert.template, 'CreateTrail')).toBe(false);
    expect(conditionHolds(remediate.template, 'CreateTrail')).toBe(true);
    for (const id of ['Trail', 'TrailBucket', 'TrailBucketPolicy'])
      expect(alert.template.Resources[id]?.Condition).toBe('CreateTrail');
  });

  it('logs write management events of every Region, including IAM’s global ones', () => {
    expect(remediate.template.Resources.Trail?.Properties).toMatchObject({
      IsLogging: true,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }],
    });
  });

  it('writes to an encrypted, private bucket that only this trail may write to', () => {
    const bucket = remediate.template.Resources.TrailBucket?.Properties ?? {};
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const statements = policyStatements(remediate.template.Resources.TrailBucketPolicy?.Properties?.PolicyDocument);
    const trailName = String(remediate.template.Resources.Trail?.Properties?.TrailName);
    const trailArn = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/${trailName}`;
    for (const sid of ['CloudTrailAclCheck', 'CloudTrailWrite']) {
      const s = statements.find((st) => st.Sid === sid);
      expect(s?.Principal).toEqual({ Service: 'cloudtrail.amazonaws.com' });
      expect(s?.Condition?.StringEquals?.['aws:SourceArn']).toBe(trailArn);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

/**
 * Logical ids a resource or output refers to: Ref, Fn::GetAtt, ${Name} and ${Name.Attr} in Fn::Sub, DependsOn; each
 * with the conditions of the Fn::If branches it sits in (where it is only evaluated when those hold).
 */
function references(item: Resource): { target: string; guards: string[] }[] {
  const found = [
    ...[item.DependsOn ?? []].flat().map((target) => ({ target: String(target), guards: [] as string[] })),
  ];
  const walk = (value: unknown, guards: string[]): void => {
    if (Array.isArray(value)) {
      for (const v of value) walk(v, guards);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') found.push({ target: inner, guards });
      else if (key === 'Fn::GetAtt')
        found.push({ target: String((Array.isArray(inner) ? inner[0] : String(inner).split('.')[0]) ?? ''), guards });
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? String(inner[0]) : String(inner);
        for (const m of text.matchAll(/\$\{([^}!][^}.]*)(?:\.[^}]*)?\}/g)) found.push({ target: m[1] ?? '', guards });
        if (Array.isArray(inner)) walk(inner[1], guards);
      } else if (key === 'Fn::If' && Array.isArray(inner)) {
        walk(inner[1], [...guards, String(inner[0])]);
        walk(inner[2], guards);
      } else walk(inner, guards);
    }
  };
  walk(item.Properties, []);
  walk((item as { Value?: unknown }).Value, []);
  return found;
}

/** Names of conditions a resource or output uses: its Condition and those of its Fn::If. */
function conditionNames(item: Resource): string[] {
  const names = item.Condition ? [item.Condition] : [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) walk(v);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Fn::If' && Array.isArray(inner)) names.push(String(inner[0]));
      walk(inner);
    }
  };
  walk(item.Properties);
  return names;
}

function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

function only(
  template: Template,
  type: string,
  which: (resource: Resource) => boolean = () => true,
): [string, Resource] {
  const found = resourcesOfType(template, type).filter(([, resource]) => which(resource));
  expect(found, type).toHaveLength(1);
  return found[0]!;
}

const ATTACH_GUARD = 'AttachGuardLambdaFunction';
const SWEEP = 'SweepLambdaFunction';

function fn(template: Template, id = ATTACH_GUARD): Resource {
  const resource = template.Resources[id];
  if (!resource) throw new Error(`no ${id}`);
  return resource;
}

function env(template: Template, id = ATTACH_GUARD): Record<string, unknown> {
  return (fn(template, id).Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** The asynchronous-invocation configuration (retries, destinations) of a function. */
function invokeConfig(template: Template, id = ATTACH_GUARD): Resource {
  const found = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
    ([, r]) => JSON.stringify(r.Properties?.FunctionName) === JSON.stringify({ Ref: id }),
  );
  expect(found, id).toHaveLength(1);
  return found[0]![1];
}

/** Whether a resource exists in the deployed stack: it has no condition, or its condition holds. */
function exists(template: Template, resource: Resource): boolean {
  return resource.Condition === undefined || conditionHolds(template, resource.Condition);
}

/** The resources of a type that exist in the deployed stack. */
function existing(template: Template, type: string): [string, Resource][] {
  return resourcesOfType(template, type).filter(([, r]) => exists(template, r));
}

/**
 * attach-guard's IAM rule (the function's eventBridge event): the one rule without a condition for IAM's attach calls.
 */
function iamRule(template: Template): [string, Resource] {
  return only(
    template,
    'AWS::Events::Rule',
    (r) => r.Condition === undefined && JSON.stringify(r.Properties?.EventPattern).includes('"AttachRolePolicy"'),
  );
}

/** attach-guard's IAM Identity Center rule (infra/identity-center.yml). */
function identityCenterRule(template: Template): Resource {
  const rule = template.Resources.IdentityCenterRule;
  if (rule?.Type !== 'AWS::Events::Rule') throw new Error('no IdentityCenterRule');
  return rule;
}

function rulePattern(template: Template): unknown {
  return substitutePseudoParameters(iamRule(template)[1].Properties?.EventPattern);
}

/** The sso: actions a role is granted in this template, sorted. */
function ssoActions(template: Template, role: string): string[] {
  return [
    ...new Set(
      effectiveStatements(template, role)
        .flatMap((s) => [s.Action].flat())
        .filter((a) => a.startsWith('sso:')),
    ),
  ].sort();
}

/** Evaluates a named condition of a packaged template: osls has already put the parameters in as literals. */
function conditionHolds(template: Template, name: string): boolean {
  const evaluate = (expr: unknown): unknown => {
    if (expr === null || typeof expr !== 'object' || Array.isArray(expr)) return expr;
    const [[op, args]] = Object.entries(expr) as [[string, unknown[]]];
    switch (op) {
      case 'Fn::Equals':
        return String(evaluate(args[0])) === String(evaluate(args[1]));
      case 'Fn::Not':
        return !evaluate(args[0]);
      case 'Fn::And':
        return args.every((a) => evaluate(a) === true);
      case 'Fn::Or':
        return args.some((a) => evaluate(a) === true);
      case 'Condition':
        return conditionHolds(template, args as unknown as string);
      default:
        throw new Error(`cannot evaluate ${op} in condition ${name}`);
    }
  };
  const result = evaluate(template.Conditions?.[name]);
  if (typeof result !== 'boolean') throw new Error(`no condition ${name}`);
  return result;
}

/**
 * Statements of a policy document, with `Fn::If` resolved by the template's conditions (whole statements, and values
 * inside them such as one Resource of a list; AWS::NoValue dropped) and pseudo parameters filled in.
 */
function policyStatements(document: unknown, template?: Template): Statement[] {
  const doc = substitutePseudoParameters(document) as { Statement: unknown[] };
  const noValue = (v: unknown): boolean =>
    v !== null && typeof v === 'object' && (v as { Ref?: unknown }).Ref === 'AWS::NoValue';
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve).filter((v) => !noValue(v));
    if (value === null || typeof value !== 'object') return value;
    const branch = (value as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
    if (branch) {
      if (!template) throw new Error('Fn::If needs the template');
      return resolve(conditionHolds(template, branch[0]) ? branch[1] : branch[2]);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
  };
  return doc.Statement.map(resolve).filter((s) => !noValue(s)) as Statement[];
}

/** The statements of a role's inline policies. */
function roleStatements(template: Template, role = 'AttachGuardRole'): Statement[] {
  const policies = template.Resources[role]?.Properties?.Policies as { PolicyDocument: unknown }[];
  return policies.flatMap((p) => policyStatements(p.PolicyDocument, template));
}

/** Everything a role is granted in this template: its inline policies and the policies attached to it that exist. */
function effectiveStatements(template: Template, role: string): Statement[] {
  const attached = resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, p]) =>
      (p.Properties!.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: role })),
    )
    .filter(([, p]) => p.Condition === undefined || conditionHolds(template, p.Condition))
    .flatMap(([, p]) => policyStatements(p.Properties?.PolicyDocument, template));
  return [...roleStatements(template, role), ...attached];
}

function keyStatements(template: Template): Statement[] {
  return policyStatements(template.Resources.AlertKey?.Properties?.KeyPolicy, template);
}

function detachStatements(template: Template): Statement[] {
  return policyStatements(template.Resources.RemediationPolicy?.Properties?.PolicyDocument, template);
}

/** Every statement of every policy in the template, labelled with its resource. */
function allStatements(template: Template): [string, Statement][] {
  const out: [string, Statement][] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const p = r.Properties ?? {};
    const documents: unknown[] = [
      p.PolicyDocument,
      p.KeyPolicy,
      p.AssumeRolePolicyDocument,
      ...((p.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((x) => x.PolicyDocument),
    ];
    for (const document of documents.filter(Boolean))
      out.push(...policyStatements(document, template).map((s): [string, Statement] => [id, s]));
  }
  expect(out.length).toBeGreaterThan(15);
  return out;
}

/**
 * Over random policy ARNs (catalog names, AWSIoT-like names in several spellings, other partitions, customer policies,
 * several paths): `allows` allows nothing the guard does not govern (sound), and every governed policy that is a
 * catalog member or spelt as the catalog spells the prefix (complete). A governed name spelt another way (AWSIOT...)
 * is not covered: IAM compares case-sensitively, and no such policy exists (README, Deploy).
 */
function expectGovernedExactly(allows: (arn: string) => boolean): void {
  const name = fc.oneof(
    fc.constantFrom(...CATALOG.map((p) => p.name)),
    fc
      .tuple(
        fc.constantFrom('AWSIoT', 'AWSIot', 'AWSIOT', 'Aws', 'IoT', 'XAWSIoT', ''),
        fc.stringMatching(/^[A-Za-z0-9]{0,12}$/),
      )
      .map(([a, b]) => `${a}${b}`),
  );
  const arn = fc
    .tuple(
      fc.constantFrom('aws', 'aws', 'aws-cn'),
      fc.constantFrom('aws', 'aws', ACCOUNT),
      fc.constantFrom('/', '/service-role/', '/aws-service-role/', '/job-function/'),
      name,
    )
    .filter(([, , , n]) => n.length > 0)
    .map(([partition, account, path, n]) => `arn:${partition}:iam::${account}:policy${path}${n}`);
  fc.assert(
    fc.property(arn, (candidate) => {
      const allowed = allows(candidate);
      // the test account's partition
      const governed = candidate.startsWith('arn:aws:') && isGoverned(candidate, 'aws-iot');
      if (allowed) expect(governed, candidate).toBe(true);
      const n = candidate.slice(candidate.lastIndexOf('/') + 1);
      if (
        governed &&
        (n.startsWith('AWSIoT') ||
          n.startsWith('AWSIot') ||
          CATALOG.some((p) => candidate.endsWith(`:policy${p.path}${p.name}`)))
      ) {
        expect(allowed, candidate).toBe(true);
      }
    }),
    { numRuns: 2000 },
  );
}

/**
 * IAM's ArnLike/ArnEquals: the six colon-separated parts compared one by one, `*` and `?` as wildcards, case-sensitive.
 */
function arnLike(pattern: string, arn: string): boolean {
  const split = (text: string): string[] => {
    const parts = text.split(':');
    return [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const a = split(arn);
  if (a.length !== 6 || p.length !== 6) return false;
  return p.every((part, i) => glob(part, '*', '?').test(a[i] ?? ''));
}

function glob(pattern: string, many: string, one?: string): RegExp {
  const body = [...pattern]
    .map((c) => (c === many ? '.*' : c === one ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

/** Whether the detach statements allow detaching `policyArn` from some principal in the account. */
function mayDetach(statements: Statement[], policyArn: string): boolean {
  return statements.some((s) => {
    const condition = s.Condition ?? {};
    return Object.entries(condition).every(([op, keys]) => {
      const values = [keys['iam:PolicyARN']].flat() as string[];
      if (op !== 'ArnLike' && op !== 'ArnEquals') return false;
      return values.some((v) => arnLike(v, policyArn));
    });
  });
}

type PatternValue = string | { wildcard?: string; prefix?: string };

/** EventBridge's matching of one value of a pattern array: exact, prefix, or wildcard (`*` only, case-sensitive). */
function patternValueMatches(value: PatternValue, text: string): boolean {
  if (typeof value === 'string') return value === text;
  if (value.prefix !== undefined) return text.startsWith(value.prefix);
  if (value.wildcard !== undefined) return glob(value.wildcard, '*').test(text);
  throw new Error(`unexpected pattern value ${JSON.stringify(value)}`);
}

/**
 * A shipped allowlist is the YAML file's validated content, defaults filled in, compiled (format version, checksum,
 * the file it came from): it reads, without YAML or the schema, to the same allowlist as the YAML file.
 */
function expectCompiledFrom(shipped: string, source: string): void {
  const yaml = loadAllowlistDocument(join(REPO_ROOT, source));
  expect(JSON.parse(shipped)).toEqual({
    format: 'iot-policy-guard/compiled-allowlist',
    formatVersion: 1,
    compiledFrom: source,
    sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    document: yaml.document,
  });
  // functions drop out
  const data = (list: Allowlist): unknown => JSON.parse(JSON.stringify({ ...list, source: null }));
  const fromJson = readShippedAllowlist(shipped, 'shipped.json');
  expect(data(fromJson)).toEqual(data(yaml.allowlist));
  expect(fromJson.allow.map((e) => e.expiresAt)).toEqual(yaml.allowlist.allow.map((e) => e.expiresAt));
}

/** The yaml package's parser would be in a bundle that reads YAML: its error codes are strings esbuild keeps. */
function expectNoYamlParser(bundle: string): void {
  for (const code of ['BLOCK_AS_IMPLICIT_KEY', 'DUPLICATE_KEY', 'MULTILINE_IMPLICIT_KEY'])
    expect(bundle).not.toContain(code);
}

/** attach-guard's environment in the remediate packaging, with the pseudo parameters and references filled in. */
function remediateAttachGuardEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(substitutePseudoParameters(env(remediate.template)) as Record<string, string>),
    ALERT_TOPIC_ARN: `arn:aws:sns:us-east-1:${ACCOUNT}:iot-policy-guard-dev-alerts`,
    ALERT_FALLBACK_QUEUE_URL: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/iot-policy-guard-dev-dead-letters`,
    // Fn::If of the chat topic: none unless a test names one.
    CHAT_TOPIC_ARN: '',
    HOME_ACCOUNT_ID: ACCOUNT,
    SWEEP_ACCOUNTS: '',
    ...extra,
  };
}

/**
 * Imports a function's handler module from its unzipped package in a fresh node process, with the template's
 * environment, LAMBDA_TASK_ROOT and cwd at the package (outside the repository: no node_modules to fall back on):
 * what Lambda's init phase does. Returns the `configuration` log line, or the error that stopped the start.
 */
async function coldStart(
  taskRoot: string,
  handlerFile: string,
  variables: Record<string, string>,
  event?: unknown,
): Promise<{ configuration: Record<string, unknown> | null; decision: Record<string, unknown> | null; error: string }> {
  // With an event, the handler is then invoked once; the invocation's own failure is expected (no AWS here) and
  // ignored.
  const context = {
    functionName: 'attach-guard',
    awsRequestId: 'r-1',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:attach-guard`,
    memoryLimitInMB: '256',
  };
  const invoke =
    event === undefined
      ? ''
      : `return m.handler(${JSON.stringify(event)}, { ...${JSON.stringify(context)}, ` +
        'getRemainingTimeInMillis: () => 30000 }).catch(() => {});';
  const script =
    `import(${JSON.stringify(join(taskRoot, handlerFile))}).then(` +
    `(m) => { if (typeof m.handler !== 'function') throw new Error('no handler'); ${invoke} }, ` +
    '(e) => { process.stderr.write(String(e.stack ?? e)); process.exitCode = 1; });';
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('AWS_') && name !== 'NODE_OPTIONS' && name !== 'NODE_PATH',
    ),
  );
  const environment = {
    ...base,
    ...variables,
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    LOG_LEVEL: 'INFO',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: taskRoot,
    env: environment,
  }).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? '',
    stderr: error.stderr ?? 'failed',
  }));
  // Powertools writes ERROR lines to stderr: log lines from both, and the error is what is not a log line.
  const json = (l: string): boolean => l.startsWith('{"level"');
  const lines = [...stdout.split('\n'), ...stderr.split('\n')]
    .filter(json)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const configuration = lines.find((l) => l.message === 'configuration') ?? null;
  const error = stderr
    .split('\n')
    .filter((l) => !json(l))
    .join('\n')
    .trim();
  return { configuration, decision: lines.find((l) => l.message === 'decision') ?? null, error };
}

/**
 * The relative modules a bundled ESM file imports: statically (`from"./x.mjs"`, `import"./x.mjs"`) and with import().
 */
function moduleImports(code: Buffer | undefined): { statics: string[]; dynamics: string[] } {
  const text = code?.toString('utf8') ?? '';
  return {
    statics: [...text.matchAll(/(?:\bfrom|\bimport)\s*["'](\.\/[^"']+)["']/g)].map((m) => m[1] ?? ''),
    dynamics: [...text.matchAll(/\bimport\(\s*["'](\.\/[^"']+)["']\s*\)/g)].map((m) => m[1] ?? ''),
  };
}

/** The zip's modules a cold start evaluates: the handler and what it imports statically, transitively. */
function loadedAtStart(files: Map<string, Buffer>, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const ref of moduleImports(files.get(name)).statics) visit(join(dirname(name), ref));
  };
  visit(entry);
  return seen;
}

/**
 * The zip's file names, sorted, with the function's chunks (custom.esbuild.splitting) left out once checked: each is
 * in the function's own directory and has its source map.
 */
function zipLayout(files: Map<string, Buffer>, dir: string): string[] {
  const chunk = (name: string): boolean => name.startsWith(`${dir}/`) && !name.startsWith(`${dir}/handler.`);
  for (const name of files.keys()) {
    if (!chunk(name)) continue;
    expect(name).toMatch(/\.mjs(\.map)?$/);
    if (name.endsWith('.mjs')) expect(files.has(`${name}.map`), `${name}.map`).toBe(true);
  }
  return [...files.keys()].filter((name) => !chunk(name)).sort();
}
