// The sweep's self-check in the packaged template (offline `osls package`): what its environment names is what the
// stack deploys, its reads are scoped to exactly those resources, and its alarm watches the metric the sweep emits.
// Run alone: npx vitest run test/unit/template-self-check.test.ts (about 15 s: three packagings and one refused).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { build } from 'esbuild';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SELF_CHECK_METRIC } from '../../functions/core/self-check.js';
import { emitDriftMetric } from '../../functions/guard/self-check.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/guard/runtime.js';
import { checkWatchTrail, StageParamError, watchedTrailArn } from '../../infra/stage-params.js';
import {
  packageStack,
  REPO_ROOT,
  substitutePseudoParameters,
  type PackagedStack,
  type Template,
} from '../../scripts/package-stack.js';

const ACCOUNT = '123456789012';
const READS = [
  'cloudtrail:GetEventSelectors',
  'cloudtrail:GetTrailStatus',
  'events:DescribeRule',
  'events:ListTargetsByRule',
  'kms:DescribeKey',
  'scheduler:GetSchedule',
  'sns:ListSubscriptionsByTopic',
];

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
};

let plain: PackagedStack;
/** IAM Identity Center on (its rule checked too), and an existing trail named by watchTrail. */
let watching: PackagedStack;
/** createTrail=true: the stack's own trail is watched. */
let ownTrail: PackagedStack;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ipg-self-check-'));
  plain = await packageStack(join(dir, 'plain'));
  watching = await packageStack(join(dir, 'watching'), { identityCenterRegion: 'eu-west-1', watchTrail: 'org-trail' });
  ownTrail = await packageStack(join(dir, 'own-trail'), { createTrail: 'true', mode: 'remediate' });
}, 240_000);

/**
 * Resolves Fn::If by the template's conditions (the stage parameters' Fn::Equals of literals) and pseudo parameters.
 */
function resolve(template: Template, value: unknown): unknown {
  const holds = (name: string): boolean => {
    const evaluate = (expr: unknown): unknown => {
      if (expr === null || typeof expr !== 'object') return expr;
      const [[op, args]] = Object.entries(expr) as [[string, unknown]];
      if (op === 'Condition') return holds(String(args));
      const list = args as unknown[];
      if (op === 'Fn::Equals') return String(evaluate(list[0])) === String(evaluate(list[1]));
      if (op === 'Fn::Not') return !evaluate(list[0]);
      if (op === 'Fn::And') return list.every((a) => evaluate(a) === true);
      if (op === 'Fn::Or') return list.some((a) => evaluate(a) === true);
      throw new Error(`cannot evaluate ${op}`);
    };
    return evaluate(template.Conditions?.[name]) === true;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk).filter((x) => x !== NO_VALUE);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v);
    if (entries.length === 1 && entries[0]![0] === 'Fn::If') {
      const [condition, yes, no] = entries[0]![1] as [string, unknown, unknown];
      return walk(holds(condition) ? yes : no);
    }
    if (entries.length === 1 && entries[0]![0] === 'Ref' && entries[0]![1] === 'AWS::NoValue') return NO_VALUE;
    return Object.fromEntries(entries.map(([k, inner]) => [k, walk(inner)]));
  };
  return walk(substitutePseudoParameters(value));
}
const NO_VALUE = Symbol('AWS::NoValue');

const sweepEnv = (template: Template) =>
  resolve(
    template,
    (template.Resources.SweepLambdaFunction!.Properties!.Environment as { Variables: unknown }).Variables,
  ) as Record<string, unknown>;
/** The statements of the self-check's policies that exist in this deployment. */
const readStatements = (template: Template) =>
  ['SelfCheckReadPolicy', 'SelfCheckTrailReadPolicy']
    .map((id) => template.Resources[id])
    .filter(
      (p) => p && (p.Condition === undefined || resolve(template, { 'Fn::If': [p.Condition, true, false] }) === true),
    )
    .flatMap((p) => (resolve(template, p?.Properties?.PolicyDocument) as { Statement: Statement[] }).Statement);
const ruleName = (template: Template, which: 'iam' | 'sso') =>
  Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties?.EventPattern).includes(`"aws.${which}"`),
  )?.Properties?.Name;
const arn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:${ACCOUNT}:${resource}`;

describe('self-check environment', () => {
  it(
    'names exactly the deployed rules, schedule, key, trail ' +
      'and attach-guard as the rule target, for the sweep only',
    () => {
      const schedule =
        Object.values(plain.template.Resources).find((r) => r.Type === 'AWS::Scheduler::Schedule')?.Properties ?? {};
      const group = resolve(plain.template, plain.template.Resources.SweepScheduleGroup?.Properties?.Name);
      expect(schedule.GroupName).toEqual({ Ref: 'SweepScheduleGroup' });
      expect(sweepEnv(plain.template)).toMatchObject({
        SELF_CHECK_RULE_NAMES: ruleName(plain.template, 'iam'),
        SELF_CHECK_RULE_TARGET: { 'Fn::GetAtt': ['AttachGuardLambdaFunction', 'Arn'] },
        SELF_CHECK_SCHEDULE: `${String(group)}/${String(schedule.Name)}`,
        SELF_CHECK_TRAIL: '',
        ALERT_KEY_ARN: { 'Fn::GetAtt': ['AlertKey', 'Arn'] },
      });
      expect(sweepEnv(watching.template)).toMatchObject({
        SELF_CHECK_RULE_NAMES: `${ruleName(watching.template, 'iam')},${ruleName(watching.template, 'sso')}`,
        SELF_CHECK_TRAIL: 'org-trail',
      });
      expect(sweepEnv(ownTrail.template).SELF_CHECK_TRAIL).toBe(
        ownTrail.template.Resources.Trail?.Properties?.TrailName,
      );
      const attachGuard = (
        plain.template.Resources.AttachGuardLambdaFunction!.Properties!.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(
        Object.keys(attachGuard).filter((name) => name.startsWith('SELF_CHECK') || name === 'ALERT_KEY_ARN'),
      ).toEqual([]);
    },
  );
});

describe('self-check permissions', () => {
  it('are the sweep role’s only, through one policy of reads', () => {
    for (const id of ['SelfCheckReadPolicy', 'SelfCheckTrailReadPolicy'])
      expect(plain.template.Resources[id]?.Properties?.Roles).toEqual([{ Ref: 'SweepRole' }]);
    expect(plain.template.Resources.SelfCheckTrailReadPolicy?.Condition).toBe('WatchesTrail');
    for (const { template } of [plain, watching, ownTrail]) {
      for (const s of readStatements(template)) {
        expect(s.Effect).toBe('Allow');
        for (const action of [s.Action].flat()) expect(READS).toContain(action);
      }
    }
  });

  it('name exactly this stack’s resources: no "*", no wildcard', () => {
    const bySid = (template: Template) =>
      Object.fromEntries(readStatements(template).map((s) => [s.Sid, [[s.Action].flat(), s.Resource]]));
    expect(bySid(plain.template)).toEqual({
      ReadAttachRules: [
        ['events:DescribeRule', 'events:ListTargetsByRule'],
        [arn('events', `rule/${String(ruleName(plain.template, 'iam'))}`)],
      ],
      ReadSweepSchedule: [
        ['scheduler:GetSchedule'],
        arn('scheduler', `schedule/${String(sweepEnv(plain.template).SELF_CHECK_SCHEDULE)}`),
      ],
      ReadAlertSubscriptions: [['sns:ListSubscriptionsByTopic'], { Ref: 'AlertTopic' }],
      ReadAlertKey: [['kms:DescribeKey'], { 'Fn::GetAtt': ['AlertKey', 'Arn'] }],
    });
    expect(bySid(watching.template)).toMatchObject({
      ReadAttachRules: [
        ['events:DescribeRule', 'events:ListTargetsByRule'],
        [
          arn('events', `rule/${String(ruleName(watching.template, 'iam'))}`),
          arn('events', `rule/${String(ruleName(watching.template, 'sso'))}`),
        ],
      ],
      ReadTrail: [['cloudtrail:GetEventSelectors', 'cloudtrail:GetTrailStatus'], arn('cloudtrail', 'trail/org-trail')],
    });
    expect(bySid(ownTrail.template).ReadTrail).toEqual([
      ['cloudtrail:GetEventSelectors', 'cloudtrail:GetTrailStatus'],
      arn('cloudtrail', `trail/${String(ownTrail.template.Resources.Trail?.Properties?.TrailName)}`),
    ]);
    for (const { template } of [plain, watching, ownTrail]) {
      for (const s of readStatements(template))
        for (const resource of [s.Resource].flat()) expect(JSON.stringify(resource), s.Sid).not.toContain('*');
    }
  });

  it(
    'let the sweep role, and it alone, read the key’s state ' +
      'in the key policy (key administration may be narrowed)',
    () => {
      const statements = (
        resolve(plain.template, plain.template.Resources.AlertKey?.Properties?.KeyPolicy) as { Statement: Statement[] }
      ).Statement;
      const sweepRoleName = String(resolve(plain.template, plain.template.Resources.SweepRole?.Properties?.RoleName));
      const sweepRole = `arn:aws:iam::${ACCOUNT}:role/${sweepRoleName}`;
      expect(statements.find((s) => s.Sid === 'SweepReadsKeyState')).toEqual({
        Sid: 'SweepReadsKeyState',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { ArnEquals: { 'aws:PrincipalArn': sweepRole } },
      });
    },
  );

  it('refuse watchTrail with createTrail=true, and a malformed trail name, at package time', async () => {
    await expect(
      packageStack(join(tmpdir(), `ipg-self-check-refused-${process.pid}`), {
        createTrail: 'true',
        watchTrail: 'org-trail',
      }),
    ).rejects.toThrow(/watchTrail=\.\.\." cannot go with createTrail=true/);
    expect(() => checkWatchTrail('my trail', 'false')).toThrow(StageParamError);
    expect(() => checkWatchTrail('a--b', 'false')).toThrow(/must be a CloudTrail trail name/);
    expect(checkWatchTrail(' org-trail ', 'false')).toBe('org-trail');
    const other = 'arn:aws:cloudtrail:eu-west-1:210987654321:trail/org-trail';
    expect(watchedTrailArn(other, 'false', 'iot-policy-guard-dev')).toBe(other);
    expect(watchedTrailArn('', 'false', 'iot-policy-guard-dev')).toBe('');
  }, 120_000);
});

describe('self-check alarm', () => {
  afterEach(() => vi.restoreAllMocks());

  it('fires on any drift of this stage’s sweep, keeps its state between runs, and notifies the alert topic', () => {
    const alarm = plain.template.Resources.SelfCheckDriftAlarm;
    expect(alarm?.Condition).toBeUndefined();
    expect(alarm?.Properties).toMatchObject({
      AlarmName: 'iot-policy-guard-dev-self-check-drift',
      Namespace: METRICS_NAMESPACE,
      MetricName: SELF_CHECK_METRIC,
      Dimensions: [
        { Name: 'service', Value: SERVICE_NAME },
        { Name: 'FunctionName', Value: { Ref: 'SweepLambdaFunction' } },
      ],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'ignore',
      AlarmActions: [{ Ref: 'AlertTopic' }],
    });
    expect(sweepEnv(plain.template)).toMatchObject({
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    });
  });

  it('watches the metric the sweep emits: same namespace, name and dimensions', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
    emitDriftMetric(metrics, 'iot-policy-guard-dev-sweep')(2);
    vi.restoreAllMocks();
    const emf = lines.map(
      (l) =>
        JSON.parse(l) as Record<string, unknown> & {
          _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
        },
    );
    expect(emf).toHaveLength(1);
    const [directive] = emf[0]!._aws.CloudWatchMetrics;
    expect(directive).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [['service', 'FunctionName']],
      Metrics: [{ Name: SELF_CHECK_METRIC, Unit: 'Count' }],
    });
    expect(emf[0]).toMatchObject({
      service: SERVICE_NAME,
      FunctionName: 'iot-policy-guard-dev-sweep',
      [SELF_CHECK_METRIC]: 2,
    });
  });
});

describe('bundles', () => {
  const inputs = async (entry: string) =>
    Object.keys(
      (
        await build({
          entryPoints: [join(REPO_ROOT, entry)],
          bundle: true,
          write: false,
          metafile: true,
          platform: 'node',
          format: 'esm',
          logLevel: 'silent',
        })
      ).metafile.inputs,
    );
  const clients = (files: string[]) =>
    [...new Set(files.map((f) => /@aws-sdk\/(client-[a-z-]+)\//.exec(f)?.[1]).filter(Boolean))].sort();

  it(
    'keeps the self-check’s clients out of attach-guard: ' + 'only the sweep carries Scheduler, CloudTrail and KMS',
    async () => {
      const attachGuard = clients(await inputs('functions/attach-guard/handler.ts'));
      const sweep = clients(await inputs('functions/sweep/handler.ts'));
      for (const client of ['client-cloudtrail', 'client-kms', 'client-scheduler']) {
        expect(attachGuard).not.toContain(client);
        expect(sweep).toContain(client);
      }
    },
  );
});
