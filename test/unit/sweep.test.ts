import {
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  IAMClient,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
} from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GUARD_MODES, type GuardMode } from '../../functions/core/alert.js';
import { alertSchema } from '../../functions/core/alert-schema.js';
import type { Allowlist } from '../../functions/core/allowlist.js';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import type { Digest } from '../../functions/core/digest.js';
import { digestSchema } from '../../functions/core/digest-schema.js';
import { ConfigError } from '../../functions/config/guard-config.js';
import { respond, type GuardDeps } from '../../functions/guard/respond.js';
import { decide } from '../../functions/core/decide.js';
import { emptyScanStats, scanAttachments, sweptAttachment } from '../../functions/guard/sweep-scan.js';
import { runSweep, SweepError, targetOfFunction } from '../../functions/guard/sweep.js';
import { holdIn as holdInAccount, type Holders } from '../support/iam-holders.js';
import { guardConfig } from '../support/guard.js';

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

const iamMock = mockClient(IAMClient);
const snsMock = mockClient(SNSClient);
const iam = new IAMClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const holdIn = (holders: Holders, alsoAttached?: Parameters<typeof holdInAccount>[2]) =>
  holdInAccount(iamMock, holders, alsoAttached);
const sns = new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

interface Recorded {
  deps: GuardDeps;
  logs: { level: string; message: string; fields: Record<string, unknown> }[];
  metrics: [string, number][];
}

function deps(mode: GuardMode = 'alert', allowlist: Allowlist = ALLOWLIST): Recorded {
  const logs: Recorded['logs'] = [];
  const metrics: Recorded['metrics'] = [];
  const log = (level: string) => (message: string, fields: Record<string, unknown>) =>
    void logs.push({ level, message, fields });
  // As loadGuardConfig does: GUARD_MODE=remediate makes remediate the allowlist's mode too (per-policy modes stay).
  const effective: Allowlist = mode === 'remediate' ? { ...allowlist, mode: 'remediate' } : allowlist;
  const config = guardConfig({ alertTopicArn: TOPIC, mode, allowlist: effective, scope: allowlist.scope });
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

const CUSTOMER_LOOKALIKE = `arn:aws:iam::${ACCOUNT}:policy/AWSIoTFullAccess`;

async function scan(options: Partial<Parameters<typeof scanAttachments>[1]> = {}) {
  const stats = emptyScanStats();
  const found = [];
  for await (const f of scanAttachments(
    iam,
    { allowlist: ALLOWLIST, scope: 'seed', ...TARGET, now: NOW, ...options },
    stats,
  ))
    found.push(f);
  const listed = iamMock.commandCalls(ListEntitiesForPolicyCommand).map((c) => c.args[0].input.PolicyArn);
  return { stats, found, listed };
}

describe('scanAttachments: the call plan', () => {
  it(
    'lists what is attached first, then the holders of each governed policy attached: one call per page, nothing ' +
      'per principal',
    async () => {
      holdIn({
        [iot('AWSIoTDataAccess')]: { roles: ['iot-ingest-1', 'iot-ingest-2', 'iot-ingest-3', 'app'] },
        [iot('AWSIoTConfigAccess')]: { users: ['contractor-1'] },
        [iot('service-role/AWSIoTLogging')]: { roles: ['iot-logging'] },
      });
      const { stats, found, listed } = await scan({ pageSize: 2 });

      expect(found.map((f) => `${f.attachment.principal?.name} ${f.decision.verdict}`)).toEqual([
        'iot-ingest-1 allowed',
        'iot-ingest-2 allowed',
        'iot-ingest-3 allowed',
        'app violation',
        'contractor-1 violation',
        'iot-logging allowed',
      ]);
      expect(found[4]?.decision.reason).toBe('no entry allows it (entry #2 expired on 2026-06-30)');
      // 1 ListPolicies page; AWSIoTDataAccess's 4 holders take 2 pages of 2, the other two 1 each. The seven seed
      // policies nobody holds cost nothing.
      expect(stats).toMatchObject({
        attachedPolicies: 3,
        governedPolicies: 3,
        listed: 3,
        listCalls: 5,
        listPoliciesCalls: 1,
        attachments: 6,
        notFound: [],
      });
      expect(iamMock.commandCalls(ListPoliciesCommand)).toHaveLength(1);
      expect(iamMock.commandCalls(ListPoliciesCommand)[0]?.args[0].input).toEqual({
        Scope: 'AWS',
        OnlyAttached: true,
        PolicyUsageFilter: 'PermissionsPolicy',
        MaxItems: 1000,
      });
      expect(listed).toEqual([
        iot('AWSIoTDataAccess'),
        iot('AWSIoTDataAccess'),
        iot('AWSIoTConfigAccess'),
        iot('service-role/AWSIoTLogging'),
      ]);
      expect(iamMock.calls()).toHaveLength(5);
      // Found by the sweep: no event, so no event id, event name, time of attaching or actor; when it was found.
      expect(found[0]?.attachment).toEqual({
        account: ACCOUNT,
        region: null,
        principal: { type: 'role', name: 'iot-ingest-1' },
        policyArn: iot('AWSIoTDataAccess'),
        source: { kind: 'sweep', foundAt: NOW.toISOString() },
      });
    },
  );

  it('an account where nothing governed is attached costs one call', async () => {
    holdIn({ [iot('AmazonS3ReadOnlyAccess')]: { roles: ['app'] }, [iot('ReadOnlyAccess')]: { users: ['auditor'] } });
    const { stats, found, listed } = await scan({ scope: 'aws-iot' });
    expect(found).toEqual([]);
    expect(listed).toEqual([]);
    expect(stats).toMatchObject({ attachedPolicies: 2, governedPolicies: 0, listCalls: 1 });
    expect(iamMock.calls()).toHaveLength(1);
  });

  it('pages ListPolicies with Marker, and counts every page', async () => {
    const sent = holdIn(
      Object.fromEntries(
        ['AWSIoTDataAccess', 'AWSIoTConfigAccess', 'AmazonS3ReadOnlyAccess', 'ReadOnlyAccess', 'AWSIoTFullAccess'].map(
          (n, i) => [iot(n), { roles: [`r${i}`] }],
        ),
      ),
    );
    const { stats, listed } = await scan({ policiesPageSize: 2 });
    expect(sent.map((input) => [input.Marker, input.MaxItems])).toEqual([
      [undefined, 2],
      ['2', 2],
      ['4', 2],
    ]);
    expect(listed).toEqual([iot('AWSIoTDataAccess'), iot('AWSIoTConfigAccess'), iot('AWSIoTFullAccess')]);
    expect(stats).toMatchObject({
      attachedPolicies: 5,
      governedPolicies: 3,
      listPoliciesCalls: 3,
      listCalls: 6,
      attachments: 3,
    });
  });

  it(
    'sweeps a governed policy missing from the catalog (AWS ' +
      'adds one) under aws-iot, at any path, and not ' +
      'under seed',
    async () => {
      const added = [iot('AWSIoTBrandNewFeatureFullAccess'), iot('service-role/AWSIotFleetWiseNewServiceRolePolicy')];
      holdIn({ [added[0]!]: { users: ['new-admin'] }, [added[1]!]: { roles: ['fleet'] } });

      const iotScope = await scan({ scope: 'aws-iot' });
      expect(iotScope.listed).toEqual(added);
      expect(iotScope.found.map((f) => `${f.attachment.principal?.name} ${f.decision.verdict}`)).toEqual([
        'new-admin violation',
        'fleet violation',
      ]);
      expect(iotScope.stats).toMatchObject({ governedPolicies: 2, listCalls: 3 });

      iamMock.resetHistory();
      const seed = await scan({ scope: 'seed' });
      expect(seed.listed).toEqual([]);
      expect(seed.stats).toMatchObject({ attachedPolicies: 2, governedPolicies: 0, listCalls: 1 });
    },
  );

  it(
    'lists neither a policy that is not governed, nor a customer policy named AWSIoTFullAccess, nor a catalog name ' +
      'at the wrong path',
    async () => {
      holdIn(
        { [iot('AWSIoTFullAccess')]: { roles: ['intruder'] }, [iot('AmazonS3ReadOnlyAccess')]: { roles: ['app'] } },
        // ListPolicies with Scope AWS never returns a customer policy; if it did, its account alone keeps it out.
        [
          { Arn: CUSTOMER_LOOKALIKE, AttachmentCount: 3 },
          { Arn: iot('service-role/AWSGreengrassFullAccess'), AttachmentCount: 1 },
        ],
      );
      const { listed, stats } = await scan({ scope: 'aws-iot' });
      expect(listed).toEqual([iot('AWSIoTFullAccess')]);
      expect(stats).toMatchObject({ attachedPolicies: 4, governedPolicies: 1, listCalls: 2 });
    },
  );

  it(
    'skips a governed policy with AttachmentCount 0 (a permissions ' +
      'boundary only), lists one whose count IAM ' +
      'left out',
    async () => {
      holdIn({}, [{ Arn: iot('AWSIoTConfigAccess'), AttachmentCount: 0 }, { Arn: iot('AWSIoTDataAccess') }]);
      const { listed } = await scan();
      expect(listed).toEqual([iot('AWSIoTDataAccess')]);
    },
  );

  it('lists in the swept partition only, and skips a policy gone between the two listings', async () => {
    const cn = (name: string) => iot(name, 'aws-cn');
    holdIn({ [cn('AWSIoTDataAccess')]: 'missing', [cn('AWSIoTFullAccess')]: { roles: ['admin'] } }, [
      { Arn: iot('AWSIoTConfigAccess'), AttachmentCount: 1 },
    ]);
    const notFound: string[] = [];
    const { listed, stats, found } = await scan({ partition: 'aws-cn', onNotFound: (arn) => notFound.push(arn) });
    expect(listed).toEqual([cn('AWSIoTDataAccess'), cn('AWSIoTFullAccess')]);
    expect(notFound).toEqual([cn('AWSIoTDataAccess')]);
    expect(found.map((f) => f.attachment.policyArn)).toEqual([cn('AWSIoTFullAccess')]);
    expect(stats).toMatchObject({
      attachedPolicies: 3,
      governedPolicies: 2,
      listed: 2,
      notFound: [cn('AWSIoTDataAccess')],
      listCalls: 3,
    });
  });

  it('an account-scoped entry allows only in its account; an unknown account allows nothing through it', async () => {
    holdIn({ [iot('AWSIoTDataAccess')]: { roles: ['iot-ingest-1'] } });
    const verdicts = async (account: string | null) => (await scan({ account })).found.map((f) => f.decision.verdict);
    expect(await verdicts(ACCOUNT)).toEqual(['allowed']);
    expect(await verdicts('999999999999')).toEqual(['violation']);
    expect(await verdicts(null)).toEqual(['violation']);
  });
});

describe('decide() on a sweep finding', () => {
  const principal = { type: 'role', name: 'iot-logging' } as const;
  const policyArn = iot('service-role/AWSIoTLogging');

  it('applies attachedBy entries without their actor condition, and says so', () => {
    expect(decide(sweptAttachment(principal, policyArn, ACCOUNT, NOW), ALLOWLIST, { now: NOW })).toEqual({
      verdict: 'allowed',
      action: null,
      rule: 1,
      reason:
        'allowed by entry #1: logging (attachedBy arn:aws:iam::*:role/ci-deployer* not checked: the sweep cannot ' +
        'tell who attached it)',
    });
  });

  it('still holds an attach call to attachedBy: the finding has no actor, the call has one', () => {
    const actor = {
      type: 'IAMUser',
      arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      issuerArn: null,
      invokedBy: null,
      sourceIp: null,
      userAgent: null,
    };
    const call = {
      ...sweptAttachment(principal, policyArn, ACCOUNT, NOW),
      source: {
        kind: 'event',
        eventId: 'e-1',
        eventTime: null,
        eventName: 'AttachRolePolicy',
        actor,
        errorCode: null,
        errorMessage: null,
      },
    } as const;
    expect(decide(call, ALLOWLIST, { now: NOW })).toMatchObject({
      verdict: 'violation',
      reason: 'no entry allows it (entry #1 requires attachedBy arn:aws:iam::*:role/ci-deployer*)',
    });
  });
});

describe('respond({ alerts: "remediations" })', () => {
  const violation = {
    verdict: 'violation' as const,
    action: 'alert' as const,
    rule: null,
    reason: 'no allowlist entry matches',
  };
  const event = sweptAttachment({ type: 'role', name: 'app' }, iot('AWSIoTDataAccess'), ACCOUNT, NOW);

  it.each(GUARD_MODES.filter((m) => m !== 'remediate'))(
    'leaves the %s outcome to the caller: logged, not alerted',
    async (mode) => {
      const { deps: d, logs } = deps(mode);
      const response = await respond(event, violation, d, { alerts: 'remediations' });
      expect(response).toEqual({ outcome: mode === 'dry-run' ? 'dry-run' : 'alert-only', alert: null });
      expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
      expect(logs.filter((l) => l.message === 'decision')).toHaveLength(1);
    },
  );

  it('still alerts every remediation outcome, and by default everything (attach-guard unchanged)', async () => {
    const { deps: d } = deps('remediate');
    const reverted = await respond(event, { ...violation, action: 'remediate' }, d, { alerts: 'remediations' });
    expect(reverted.outcome).toBe('reverted');
    expect(reverted.alert).toMatchObject({ source: 'sweep', actor: 'found by sweep', outcome: 'reverted' });
    const alertOnly = await respond(event, violation, deps('alert').deps);
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
    expect(result.digest.counts).toMatchObject({
      governedPolicies: 3,
      attachments: 5,
      allowed: 1,
      violations: 4,
      listCalls: 4,
      outcomes: { 'alert-only': 4 },
    });
    expect(result.published).toBe(true);
    expect(logs.filter((l) => l.message === 'decision')).toHaveLength(5);
    expect(logs.find((l) => l.message === 'sweep summary')).toMatchObject({
      level: 'info',
      fields: { attachments: 5, violations: 4, digest: true, complete: true, mode: 'alert' },
    });
    expect(metrics).toContainEqual(['SweepListCalls', 4]);
    expect(metrics.filter(([n]) => n === 'Violations')).toHaveLength(4);
  });

  it(
    'remediate mode: detaches ' +
      'where the allowlist says ' +
      'remediate, alerts each ' +
      'detach, and sends the ' +
      'digest',
    async () => {
      holdIn(standard);
      const result = await runSweep(TARGET, deps('remediate').deps);

      expect(iamMock.commandCalls(DetachRolePolicyCommand).map((c) => c.args[0].input)).toEqual([
        // In the order ListPolicies reported the policies.
        { RoleName: 'intruder', PolicyArn: iot('AWSIoTFullAccess') },
        { RoleName: 'reporting', PolicyArn: iot('AWSIoTDataAccess') },
      ]);
      expect(iamMock.commandCalls(DetachGroupPolicyCommand)).toHaveLength(1);
      expect(iamMock.commandCalls(DetachUserPolicyCommand)).toHaveLength(1);
      const { alerts, digests } = published();
      expect(alerts).toHaveLength(4);
      expect(digests).toHaveLength(1);
      expect(result.digest.counts.outcomes).toMatchObject({ reverted: 4 });
    },
  );

  it('all compliant: no message at all, and still a summary line', async () => {
    holdIn({ [iot('AWSIoTDataAccess')]: { roles: ['iot-ingest-1'] } });
    const { deps: d, logs } = deps('remediate');
    const result = await runSweep(TARGET, d);
    expect(result.published).toBe(false);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
    expect(logs.find((l) => l.message === 'sweep summary')?.fields).toMatchObject({
      attachments: 1,
      allowed: 1,
      violations: 0,
      digest: false,
    });
  });

  it('a failed detach does not stop the others; the digest lists it first; the run then fails', async () => {
    holdIn(standard);
    iamMock
      .on(DetachRolePolicyCommand, { RoleName: 'intruder' })
      .rejects(
        Object.assign(new Error('not authorized'), { name: 'AccessDenied', Code: 'AccessDenied', $metadata: {} }),
      );

    const error = await runSweep(TARGET, deps('remediate').deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SweepError);
    expect((error as Error).message).toBe('1 of 4 responses failed');
    expect(iamMock.commandCalls(DetachUserPolicyCommand)).toHaveLength(1);
    const { alerts, digests } = published();
    expect(alerts).toHaveLength(4);
    expect(digests[0]?.counts).toMatchObject({ failures: 1, outcomes: { reverted: 3, 'remediation-failed': 1 } });
    expect(digests[0]?.violations[0]).toMatchObject({
      principal: { name: 'intruder' },
      outcome: 'remediation-failed',
      error: { name: 'AccessDenied' },
    });
  });

  it('a listing failure stops the sweep: the digest says incomplete and the run fails', async () => {
    holdIn(standard);
    iamMock
      .on(ListEntitiesForPolicyCommand, { PolicyArn: iot('AWSIoTDataAccess') })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', Code: 'Throttling', $metadata: {} }));
    const { deps: d, logs } = deps('alert');

    const error = await runSweep(TARGET, d).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SweepError);
    expect((error as Error).message).toBe('the sweep stopped after 1 of 3 policies');
    const { digests } = published();
    expect(digests).toHaveLength(1);
    // ListPolicies, AWSIoTFullAccess, and the failed call.
    expect(digests[0]).toMatchObject({
      complete: false,
      error: { name: 'ListHoldersError' },
      counts: { listCalls: 3 },
    });
    expect(logs.find((l) => l.message === 'sweep stopped')?.level).toBe('error');
  });

  it('a failed ListPolicies stops the sweep before any holder is listed, and says so', async () => {
    iamMock.on(ListPoliciesCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: iam:ListPolicies'), {
        name: 'AccessDenied',
        Code: 'AccessDenied',
        $metadata: {},
      }),
    );
    const error = await runSweep(TARGET, deps('alert').deps).catch((e: unknown) => e);
    expect((error as Error).message).toBe('the sweep stopped while listing the attached AWS managed policies');
    expect((error as Error).cause).toMatchObject({
      name: 'ListHoldersError',
      policyArn: null,
      code: 'AccessDenied',
      calls: 1,
    });
    expect(iamMock.commandCalls(ListEntitiesForPolicyCommand)).toHaveLength(0);
    expect(published().digests[0]).toMatchObject({ complete: false, counts: { listCalls: 1, governedPolicies: 0 } });
  });
});

describe('targetOfFunction', () => {
  it('takes the partition and account from the invoked function ARN', () => {
    expect(targetOfFunction(`arn:aws:lambda:us-east-1:${ACCOUNT}:function:sweep`)).toEqual({
      partition: 'aws',
      account: ACCOUNT,
    });
    expect(targetOfFunction('arn:aws-cn:lambda:cn-north-1:210987654321:function:sweep:live')).toEqual({
      partition: 'aws-cn',
      account: '210987654321',
    });
  });

  it.each(['', 'arn:aws:lambda:us-east-1:123:function:x', 'arn:nope:lambda:us-east-1:123456789012:function:x'])(
    'rejects %j',
    (arn) => {
      expect(() => targetOfFunction(arn)).toThrow(ConfigError);
    },
  );
});
