// The sweep's IAM Identity Center half against stubbed IAM, SNS and SSO admin APIs: every permission set's managed
// policies listed (all pages), governed ones decided with the allowlist (names looked up), violations remediated at
// the permission set through respond(), calls counted, and skipped when no Region is configured.
import { IAMClient } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import {
  AccessDeniedException,
  DescribePermissionSetCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  ProvisionPermissionSetCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Alert, GuardMode } from '../../functions/core/alert.js';
import { alertSchema } from '../../functions/core/alert-schema.js';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import type { Digest } from '../../functions/core/digest.js';
import { digestSchema } from '../../functions/core/digest-schema.js';
import { createIdentityCenterAccess } from '../../functions/aws/sso.js';
import type { GuardDeps } from '../../functions/guard/respond.js';
import { scanPermissionSets } from '../../functions/guard/sweep-identity-center.js';
import { emptyScanStats } from '../../functions/guard/sweep-scan.js';
import { holdIn } from '../support/iam-holders.js';
import { runSweep, sweepAccounts, SweepError } from '../../functions/guard/sweep.js';
import { guardConfig } from '../support/guard.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const INSTANCE = 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6';
const ps = (id: string) => `arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-${id.padStart(16, '0')}`;
const aws = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

// Three permission sets: admins hold AWSIoTFullAccess (a violation) and ReadOnlyAccess (not governed), ingest holds
// AWSIoTDataAccess (allowed by name), dev holds nothing.
const SETS: Record<string, { name: string; policies: string[] }> = {
  [ps('a1')]: { name: 'IoTAdmins', policies: [aws('AWSIoTFullAccess'), aws('ReadOnlyAccess')] },
  [ps('b2')]: { name: 'IoTIngest', policies: [aws('AWSIoTDataAccess')] },
  [ps('c3')]: { name: 'Developers', policies: [] },
};

const ALLOWLIST = parseAllowlist(
  `version: 1
mode: remediate
scope: seed
allow:
  - policy: AWSIoTDataAccess
    principal: permission-set/IoTIngest
    reason: the ingest team's permission set
`,
  'ps.yml',
);

const iamMock = mockClient(IAMClient);
const snsMock = mockClient(SNSClient);
const ssoMock = mockClient(SSOAdminClient);

beforeEach(() => {
  iamMock.reset();
  snsMock.reset();
  ssoMock.reset();
  holdIn(iamMock, {});
  snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
  ssoMock.on(ListInstancesCommand).resolves({ Instances: [{ InstanceArn: INSTANCE }] });
  ssoMock.on(ListPermissionSetsCommand).callsFake((input: { NextToken?: string; MaxResults?: number }) => {
    const all = Object.keys(SETS);
    const start = Number(input.NextToken ?? 0);
    const end = start + (input.MaxResults ?? 100);
    return { PermissionSets: all.slice(start, end), ...(end < all.length ? { NextToken: String(end) } : {}) };
  });
  ssoMock.on(ListManagedPoliciesInPermissionSetCommand).callsFake((input: { PermissionSetArn: string }) => ({
    AttachedManagedPolicies: (SETS[input.PermissionSetArn]?.policies ?? []).map((Arn) => ({
      Arn,
      Name: Arn.split('/').pop(),
    })),
  }));
  ssoMock.on(DescribePermissionSetCommand).callsFake((input: { PermissionSetArn: string }) => ({
    PermissionSet: { Name: SETS[input.PermissionSetArn]?.name, PermissionSetArn: input.PermissionSetArn },
  }));
  ssoMock.on(DetachManagedPolicyFromPermissionSetCommand).resolves({});
  ssoMock
    .on(ProvisionPermissionSetCommand)
    .resolves({ PermissionSetProvisioningStatus: { Status: 'IN_PROGRESS', RequestId: 'req-1' } });
});

function deps(mode: GuardMode, identityCenterRegion: string | null) {
  const logs: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const metrics: [string, number][] = [];
  const log = (level: string) => (message: string, fields: Record<string, unknown>) =>
    void logs.push({ level, message, fields });
  const config = guardConfig({
    alertTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`,
    mode,
    allowlist: ALLOWLIST,
    scope: 'seed',
    identityCenterRegion,
  });
  const d: GuardDeps = {
    config,
    iam: new IAMClient({ region: 'us-east-1', credentials }),
    identityCenter: createIdentityCenterAccess({ credentials, maxAttempts: 1 }),
    sns: new SNSClient({ region: 'us-east-1', credentials }),
    events: null,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    metrics: { addMetric: (name, _unit, value) => void metrics.push([name, value]) },
    now: () => NOW,
  };
  return { deps: d, logs, metrics };
}

function published(): { alerts: Alert[]; digests: Digest[] } {
  const alerts: Alert[] = [];
  const digests: Digest[] = [];
  for (const input of snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input as PublishCommandInput)) {
    const body = JSON.parse(JSON.parse(input.Message ?? '{}').default as string) as unknown;
    if (input.MessageAttributes?.kind?.StringValue === 'sweep-digest') digests.push(digestSchema.parse(body));
    else alerts.push(alertSchema.parse(body));
  }
  return { alerts, digests };
}

describe('scanPermissionSets', () => {
  it('decides every governed policy of every permission set, over all pages, and counts the calls', async () => {
    const stats = emptyScanStats();
    const found = [];
    const access = createIdentityCenterAccess({ credentials, maxAttempts: 1 });
    for await (const f of scanPermissionSets(
      access,
      { allowlist: ALLOWLIST, scope: 'seed', account: ACCOUNT, now: NOW, region: REGION, pageSize: 2 },
      stats,
    ))
      found.push(f);

    expect(
      found.map(
        (f) => `${f.attachment.permissionSetName} ${f.attachment.policyArn?.split('/').pop()} ${f.decision.verdict}`,
      ),
    ).toEqual(['IoTAdmins AWSIoTFullAccess violation', 'IoTIngest AWSIoTDataAccess allowed']);
    expect(found[0]!.attachment).toEqual({
      account: ACCOUNT,
      region: REGION,
      principal: { type: 'permission-set', name: ps('a1') },
      policyArn: aws('AWSIoTFullAccess'),
      instanceArn: INSTANCE,
      permissionSetName: 'IoTAdmins',
      source: { kind: 'sweep', foundAt: NOW.toISOString() },
    });
    // ListInstances 1 + ListPermissionSets 2 pages + ListManagedPolicies 3 + DescribePermissionSet 2 (only the sets
    // holding a governed policy).
    expect(stats.identityCenter).toEqual({ region: REGION, instances: 1, permissionSets: 3, calls: 8 });
    expect(ssoMock.calls()).toHaveLength(8);
    expect(stats).toMatchObject({ attachments: 2, verdicts: { violation: 1, allowed: 1 } });

    // A second sweep in the same container finds the names in the cache.
    const again = emptyScanStats();
    for await (const _ of scanPermissionSets(
      access,
      { allowlist: ALLOWLIST, scope: 'seed', account: ACCOUNT, now: NOW, region: REGION, pageSize: 2 },
      again,
    )) {
      // counted
    }
    expect(again.identityCenter?.calls).toBe(6);
  });
});

describe('runSweep with IAM Identity Center', () => {
  it(
    'remediates at the permission set through respond(), alerts ' +
      'the detach, and reports Identity Center in the ' +
      'digest',
    async () => {
      const { deps: d, logs, metrics } = deps('remediate', REGION);
      const result = await runSweep({ account: ACCOUNT, partition: 'aws' }, d);

      expect(ssoMock.commandCalls(DetachManagedPolicyFromPermissionSetCommand).map((c) => c.args[0].input)).toEqual([
        { InstanceArn: INSTANCE, PermissionSetArn: ps('a1'), ManagedPolicyArn: aws('AWSIoTFullAccess') },
      ]);
      expect(ssoMock.commandCalls(ProvisionPermissionSetCommand).map((c) => c.args[0].input)).toEqual([
        { InstanceArn: INSTANCE, PermissionSetArn: ps('a1'), TargetType: 'ALL_PROVISIONED_ACCOUNTS' },
      ]);
      const { alerts, digests } = published();
      expect(alerts).toEqual([
        expect.objectContaining({
          source: 'sweep',
          outcome: 'reverted',
          principal: { type: 'permission-set', name: ps('a1') },
          permissionSet: expect.objectContaining({ name: 'IoTAdmins' }),
          provisioning: expect.objectContaining({ status: 'IN_PROGRESS' }),
        }),
      ]);
      expect(digests).toHaveLength(1);
      expect(digests[0]).toMatchObject({
        counts: { attachments: 2, allowed: 1, violations: 1, outcomes: { reverted: 1 }, listCalls: 1 },
        // ListInstances, ListPermissionSets (one page of 100), 3 × ListManagedPoliciesInPermissionSet, 2 ×
        // DescribePermissionSet.
        identityCenter: { region: REGION, instances: 1, permissionSets: 3, calls: 7 },
        violations: [
          {
            principal: { type: 'permission-set', name: ps('a1') },
            permissionSetName: 'IoTAdmins',
            outcome: 'reverted',
          },
        ],
      });
      expect(result.digest).toEqual(digests[0]);
      expect(logs.find((l) => l.message === 'sweep summary')?.fields).toMatchObject({
        identityCenter: { region: REGION, calls: 7 },
      });
      expect(metrics).toContainEqual(['SweepIdentityCenterCalls', 7]);
    },
  );

  it('without IDENTITY_CENTER_REGION: IAM only, and a log line says Identity Center was skipped', async () => {
    const { deps: d, logs } = deps('remediate', null);
    const result = await runSweep({ account: ACCOUNT, partition: 'aws' }, d);
    expect(ssoMock.calls()).toHaveLength(0);
    expect(result.digest).not.toHaveProperty('identityCenter');
    expect(logs).toContainEqual({
      level: 'info',
      message: 'identity center not swept',
      fields: { reason: 'IDENTITY_CENTER_REGION is not set' },
    });
  });

  it(
    'a failed Identity Center listing: the IAM findings still go out in the digest, marked incomplete, and the run ' +
      'fails',
    async () => {
      ssoMock
        .on(ListPermissionSetsCommand)
        .rejects(
          new AccessDeniedException({ message: 'not authorized to perform sso:ListPermissionSets', $metadata: {} }),
        );
      const { deps: d } = deps('alert', REGION);
      const error = await runSweep({ account: ACCOUNT, partition: 'aws' }, d).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SweepError);
      expect((error as Error).message).toBe(
        `the sweep stopped while listing the IAM Identity Center permission sets in ${REGION}`,
      );
      expect(published().digests[0]).toMatchObject({
        complete: false,
        error: { name: 'IdentityCenterListError' },
        identityCenter: { calls: 2 },
      });
    },
  );

  it('member accounts do not sweep Identity Center again: it is organization-wide', async () => {
    const { deps: home } = deps('alert', REGION);
    const d: GuardDeps = {
      ...home,
      config: { ...home.config, sweepAccounts: ['222222222222'] },
      accounts: { iamFor: async () => home.iam, readIamFor: async () => home.iam },
    };
    const results = await sweepAccounts({ account: ACCOUNT, partition: 'aws' }, d);
    expect(results.map((r) => [r.account, r.digest.identityCenter?.permissionSets ?? null])).toEqual([
      [ACCOUNT, 3],
      ['222222222222', null],
    ]);
    expect(ssoMock.commandCalls(ListInstancesCommand)).toHaveLength(1);
  });
});
