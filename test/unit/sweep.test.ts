import {
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  IAMClient,
  ListEntitiesForPolicyCommand,
  NoSuchEntityException,
  type ListEntitiesForPolicyCommandInput,
  type ListEntitiesForPolicyCommandOutput,
} from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertSchema, GUARD_MODES, type GuardMode } from '../../functions/core/alert.js';
import { parseAllowlist, type Allowlist } from '../../functions/core/allowlist.js';
import { CATALOG, governedArns } from '../../functions/core/catalog.js';
import { digestSchema, type Digest } from '../../functions/core/digest.js';
import { ConfigError, type GuardConfig } from '../../functions/config/guard-config.js';
import { respond, type GuardDeps } from '../../functions/guard/respond.js';
import { emptyScanStats, scanAttachments, sweepAllowlist, sweptAttachment } from '../../functions/guard/sweep-scan.js';
import { runSweep, SweepError, targetOfFunction } from '../../functions/guard/sweep.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const ACCOUNT = '123456789012';
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`;
const iot = (name: string, partition = 'aws') => `arn:${partition}:iam::aws:policy/${name}`;

const ALLOWLIST = parseAllowlist(
  `version: 1
mode: alert
scope: seed
modes:
  AWSIoTFullAccess: remediate
allow:
  - policy: AWSIoTDataAccess
    principal: role/iot-ingest-*
    account: "${ACCOUNT}"
    reason: ingest
  - policy: service-role/AWSIoTLogging
    principal: role/iot-logging
    attachedBy: "arn:aws:iam::*:role/ci-deployer*"
    reason: logging
  - policy: AWSIoTConfigAccess
    principal: user/contractor-*
    expires: 2026-06-30
    reason: ended
`,
  'unit.yml',
);

type Holders = Record<string, { users?: string[]; roles?: string[]; groups?: string[] } | 'missing'>;

const iamMock = mockClient(IAMClient);
const snsMock = mockClient(SNSClient);
const iam = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const sns = new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

/** Answers ListEntitiesForPolicy from a table, one page per call of at most `pageSize` holders. */
function holdIn(holders: Holders): void {
  iamMock.on(ListEntitiesForPolicyCommand).callsFake((input: ListEntitiesForPolicyCommandInput): ListEntitiesForPolicyCommandOutput => {
    const entry = holders[input.PolicyArn ?? ''];
    if (entry === 'missing') throw new NoSuchEntityException({ message: `Policy ${input.PolicyArn} was not found.`, $metadata: {} });
    const all = [
      ...(entry?.users ?? []).map((n) => ['u', n] as const),
      ...(entry?.roles ?? []).map((n) => ['r', n] as const),
      ...(entry?.groups ?? []).map((n) => ['g', n] as const),
    ];
    const start = Number(input.Marker ?? 0);
    const page = all.slice(start, start + (input.MaxItems ?? 100));
    const more = all.length > start + page.length;
    return {
      PolicyUsers: page.filter(([k]) => k === 'u').map(([, n]) => ({ UserName: n })),
      PolicyRoles: page.filter(([k]) => k === 'r').map(([, n]) => ({ RoleName: n })),
      PolicyGroups: page.filter(([k]) => k === 'g').map(([, n]) => ({ GroupName: n })),
      IsTruncated: more,
      ...(more ? { Marker: String(start + page.length) } : {}),
      $metadata: {},
    };
  });
}

interface Recorded {
  deps: GuardDeps;
  logs: { level: string; message: string; fields: Record<string, unknown> }[];
  metrics: [string, number][];
}

function deps(mode: GuardMode = 'alert', allowlist: Allowlist = ALLOWLIST): Recorded {
  const logs: Recorded['logs'] = [];
  const metrics: Recorded['metrics'] = [];
  const log = (level: string) => (message: string, fields: Record<string, unknown>) => void logs.push({ level, message, fields });
  // As loadGuardConfig does: GUARD_MODE=remediate makes remediate the allowlist's mode too (per-policy modes stay).
  const effective: Allowlist = mode === 'remediate' ? { ...allowlist, mode: 'remediate' } : allowlist;
  const config: GuardConfig = { alertTopicArn: TOPIC, mode, allowlist: effective, scope: allowlist.scope, findingsBusName: null, alertOnFailedAttempts: false, homeAccount: null, memberRole: null, sweepAccounts: [] };
  return {
    deps: {
      config,
      iam,
      sns,
      events: null,
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      metrics: { addMetric: (name, _unit, value) => void metrics.push([name, value]) },
      now: () => NOW,
    },
    logs,
    metrics,
  };
}

function published(): { alerts: unknown[]; digests: Digest[] } {
  const inputs = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input as PublishCommandInput);
  const alerts: unknown[] = [];
  const digests: Digest[] = [];
  for (const input of inputs) {
    const body = JSON.parse(JSON.parse(input.Message ?? '{}').default as string) as unknown;
    if (input.MessageAttributes?.kind?.StringValue === 'sweep-digest') digests.push(digestSchema.parse(body));
    else alerts.push(alertSchema.parse(body));
  }
  return { alerts, digests };
}

const TARGET = { account: ACCOUNT, partition: 'aws' as const };

beforeEach(() => {
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  iamMock.on(DetachRolePolicyCommand).resolves({});
  iamMock.on(DetachUserPolicyCommand).resolves({});
  iamMock.on(DetachGroupPolicyCommand).resolves({});
});
afterEach(() => {
  iamMock.reset();
  snsMock.reset();
});

describe('scanAttachments', () => {
  it('decides every holder of every governed policy, one call per page, nothing per principal', async () => {
    holdIn({
      [iot('AWSIoTDataAccess')]: { roles: ['iot-ingest-1', 'iot-ingest-2', 'iot-ingest-3', 'app'] },
      [iot('AWSIoTConfigAccess')]: { users: ['contractor-1'] },
      [iot('service-role/AWSIoTLogging')]: { roles: ['iot-logging'] },
    });
    const stats = emptyScanStats();
    const found = [];
    for await (const f of scanAttachments(iam, { allowlist: ALLOWLIST, scope: 'seed', ...TARGET, now: NOW, pageSize: 2 }, stats)) found.push(f);

    expect(found.map((f) => `${f.event.principal?.name} ${f.decision.verdict}`)).toEqual([
      'contractor-1 violation',
      'iot-ingest-1 allowed',
      'iot-ingest-2 allowed',
      'iot-ingest-3 allowed',
      'app violation',
      'iot-logging allowed',
    ]);
    expect(found[0]?.decision.reason).toBe('no entry allows it (entry #2 expired on 2026-06-30)');
    // 10 seed policies; AWSIoTDataAccess's 4 holders take 2 pages of 2.
    expect(stats).toMatchObject({ governedPolicies: 10, listed: 10, listCalls: 11, attachments: 6, notFound: [] });
    expect(iamMock.commandCalls(ListEntitiesForPolicyCommand)).toHaveLength(11);
    expect(found[1]?.event).toEqual({
      eventId: null,
      eventTime: null,
      eventName: 'AttachRolePolicy',
      account: ACCOUNT,
      region: null,
      actor: { type: null, arn: null, issuerArn: null, invokedBy: null, sourceIp: null, userAgent: null },
      principal: { type: 'role', name: 'iot-ingest-1' },
      policyArn: iot('AWSIoTDataAccess'),
      errorCode: null,
      errorMessage: null,
    });
  });

  it('lists the catalog members of the partition under aws-iot, and skips the ones that do not exist there', async () => {
    const missing = governedArns('aws-iot', 'aws-cn').slice(0, 3);
    holdIn(Object.fromEntries(missing.map((arn) => [arn, 'missing' as const])));
    const stats = emptyScanStats();
    const notFound: string[] = [];
    for await (const _ of scanAttachments(iam, { allowlist: ALLOWLIST, scope: 'aws-iot', partition: 'aws-cn', account: ACCOUNT, now: NOW, onNotFound: (a) => notFound.push(a) }, stats)) {
      // nothing is attached
    }
    const listed = iamMock.commandCalls(ListEntitiesForPolicyCommand).map((c) => c.args[0].input.PolicyArn);
    expect(listed).toHaveLength(CATALOG.length);
    expect(listed.every((arn) => arn?.startsWith('arn:aws-cn:iam::aws:policy/'))).toBe(true);
    expect(notFound).toEqual(missing);
    expect(stats).toMatchObject({ governedPolicies: CATALOG.length, listCalls: CATALOG.length, notFound: missing, attachments: 0 });
  });

  it('an account-scoped entry allows only in its account; an unknown account allows nothing through it', async () => {
    holdIn({ [iot('AWSIoTDataAccess')]: { roles: ['iot-ingest-1'] } });
    const verdicts = async (account: string | null) => {
      const out = [];
      for await (const f of scanAttachments(iam, { allowlist: ALLOWLIST, scope: 'seed', partition: 'aws', account, now: NOW }, emptyScanStats())) out.push(f.decision.verdict);
      return out;
    };
    expect(await verdicts(ACCOUNT)).toEqual(['allowed']);
    expect(await verdicts('999999999999')).toEqual(['violation']);
    expect(await verdicts(null)).toEqual(['violation']);
  });
});

describe('sweepAllowlist', () => {
  it('applies attachedBy entries without their actor condition, and says so', () => {
    const view = sweepAllowlist(ALLOWLIST);
    expect(view.allow[1]).toMatchObject({ matchesActor: null, reason: 'logging (attachedBy arn:aws:iam::*:role/ci-deployer* not checked: the sweep cannot tell who attached it)' });
    expect(view.allow[0]).toBe(ALLOWLIST.allow[0]);
    expect(ALLOWLIST.allow[1]?.matchesActor).not.toBeNull();
    const plain = parseAllowlist('version: 1\nallow: []\n', 'plain.yml');
    expect(sweepAllowlist(plain)).toBe(plain);
  });
});

describe('respond({ alerts: "remediations" })', () => {
  const violation = { verdict: 'violation' as const, action: 'alert' as const, rule: null, reason: 'no allowlist entry matches' };
  const event = sweptAttachment({ type: 'role', name: 'app' }, iot('AWSIoTDataAccess'), ACCOUNT);

  it.each(GUARD_MODES.filter((m) => m !== 'remediate'))('leaves the %s outcome to the caller: logged, not alerted', async (mode) => {
    const { deps: d, logs } = deps(mode);
    const response = await respond({ source: 'sweep', event }, violation, d, { alerts: 'remediations' });
    expect(response).toEqual({ outcome: mode === 'dry-run' ? 'dry-run' : 'alert-only', alert: null });
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
    expect(logs.filter((l) => l.message === 'decision')).toHaveLength(1);
  });

  it('still alerts every remediation outcome, and by default everything (attach-guard unchanged)', async () => {
    const { deps: d } = deps('remediate');
    const reverted = await respond({ source: 'sweep', event }, { ...violation, action: 'remediate' }, d, { alerts: 'remediations' });
    expect(reverted.outcome).toBe('reverted');
    expect(reverted.alert).toMatchObject({ source: 'sweep', actor: 'found by sweep', outcome: 'reverted' });
    const alertOnly = await respond({ source: 'sweep', event }, violation, deps('alert').deps);
    expect(alertOnly.alert).toMatchObject({ outcome: 'alert-only' });
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(2);
  });
});

describe('runSweep', () => {
  const standard: Holders = {
    [iot('AWSIoTFullAccess')]: { roles: ['intruder'], groups: ['devs'] },
    [iot('AWSIoTDataAccess')]: { roles: ['iot-ingest-1', 'reporting'] },
    [iot('AWSIoTConfigAccess')]: { users: ['contractor-1'] },
  };

  it('alert mode: no detach, no per-attachment alerts, one digest listing every violation, a summary log', async () => {
    holdIn(standard);
    const { deps: d, logs, metrics } = deps('alert');

    const result = await runSweep(TARGET, d);

    expect(iamMock.commandCalls(DetachRolePolicyCommand)).toHaveLength(0);
    const { alerts, digests } = published();
    expect(alerts).toHaveLength(0);
    expect(digests).toHaveLength(1);
    expect(digests[0]).toEqual(result.digest);
    expect(result.digest.counts).toMatchObject({ attachments: 5, allowed: 1, violations: 4, listCalls: 10, outcomes: { 'alert-only': 4 } });
    expect(result.published).toBe(true);
    expect(logs.filter((l) => l.message === 'decision')).toHaveLength(5);
    expect(logs.find((l) => l.message === 'sweep summary')).toMatchObject({ level: 'info', fields: { attachments: 5, violations: 4, digest: true, complete: true, mode: 'alert' } });
    expect(metrics).toContainEqual(['SweepListCalls', 10]);
    expect(metrics.filter(([n]) => n === 'Violations')).toHaveLength(4);
  });

  it('remediate mode: detaches where the allowlist says remediate, alerts each detach, and sends the digest', async () => {
    holdIn(standard);
    const result = await runSweep(TARGET, deps('remediate').deps);

    expect(iamMock.commandCalls(DetachRolePolicyCommand).map((c) => c.args[0].input)).toEqual([
      // In catalog order.
      { RoleName: 'reporting', PolicyArn: iot('AWSIoTDataAccess') },
      { RoleName: 'intruder', PolicyArn: iot('AWSIoTFullAccess') },
    ]);
    expect(iamMock.commandCalls(DetachGroupPolicyCommand)).toHaveLength(1);
    expect(iamMock.commandCalls(DetachUserPolicyCommand)).toHaveLength(1);
    const { alerts, digests } = published();
    expect(alerts).toHaveLength(4);
    expect(digests).toHaveLength(1);
    expect(result.digest.counts.outcomes).toMatchObject({ reverted: 4 });
  });

  it('all compliant: no message at all, and still a summary line', async () => {
    holdIn({ [iot('AWSIoTDataAccess')]: { roles: ['iot-ingest-1'] } });
    const { deps: d, logs } = deps('remediate');
    const result = await runSweep(TARGET, d);
    expect(result.published).toBe(false);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
    expect(logs.find((l) => l.message === 'sweep summary')?.fields).toMatchObject({ attachments: 1, allowed: 1, violations: 0, digest: false });
  });

  it('a failed detach does not stop the others; the digest lists it first; the run then fails', async () => {
    holdIn(standard);
    iamMock.on(DetachRolePolicyCommand, { RoleName: 'intruder' }).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied', Code: 'AccessDenied', $metadata: {} }));

    const error = await runSweep(TARGET, deps('remediate').deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SweepError);
    expect((error as Error).message).toBe('1 of 4 responses failed');
    expect(iamMock.commandCalls(DetachUserPolicyCommand)).toHaveLength(1);
    const { alerts, digests } = published();
    expect(alerts).toHaveLength(4);
    expect(digests[0]?.counts).toMatchObject({ failures: 1, outcomes: { reverted: 3, 'remediation-failed': 1 } });
    expect(digests[0]?.violations[0]).toMatchObject({ principal: { name: 'intruder' }, outcome: 'remediation-failed', error: { name: 'AccessDenied' } });
  });

  it('a listing failure stops the sweep: the digest says incomplete and the run fails', async () => {
    holdIn(standard);
    const arns = governedArns('seed');
    iamMock.on(ListEntitiesForPolicyCommand, { PolicyArn: arns[5] }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', Code: 'Throttling', $metadata: {} }));
    const { deps: d, logs } = deps('alert');

    const error = await runSweep(TARGET, d).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SweepError);
    expect((error as Error).message).toBe('the sweep stopped after 5 of 10 policies');
    const { digests } = published();
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ complete: false, error: { name: 'ListHoldersError' }, counts: { listCalls: 6 } });
    expect(logs.find((l) => l.message === 'sweep stopped')?.level).toBe('error');
  });
});

describe('targetOfFunction', () => {
  it('takes the partition and account from the invoked function ARN', () => {
    expect(targetOfFunction(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:sweep`)).toEqual({ partition: 'aws', account: ACCOUNT });
    expect(targetOfFunction('arn:aws-cn:lambda:cn-north-1:210987654321:function:sweep:live')).toEqual({ partition: 'aws-cn', account: '210987654321' });
  });

  it.each(['', 'arn:aws:lambda:us-east-1:123:function:x', 'arn:nope:lambda:us-east-1:123456789012:function:x'])('rejects %j', (arn) => {
    expect(() => targetOfFunction(arn)).toThrow(ConfigError);
  });
});
