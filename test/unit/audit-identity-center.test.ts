// `iot-policy-guard audit --identity-center-region`: the permission sets of IAM Identity Center next to IAM, read-only
// by default, remediated at the permission set with --remediate; IAM and the SSO admin API mocked.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { IAMClient } from '@aws-sdk/client-iam';
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
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../functions/cli/audit.js';
import { holdIn } from '../support/iam-holders.js';
import { runCli } from '../../functions/cli/main.js';

const ACCOUNT = '111122223333';
const INSTANCE = 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6';
const ADMINS = 'arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-00000000000000a1';
const INGEST = 'arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-00000000000000b2';
const aws = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const iamMock = mockClient(IAMClient);
const ssoMock = mockClient(SSOAdminClient);
const stsMock = mockClient(STSClient);

const dir = mkdtempSync(join(tmpdir(), 'audit-ic-'));
const ALLOWLIST = join(dir, 'allowlist.yml');
writeFileSync(
  ALLOWLIST,
  'version: 1\nmode: remediate\nscope: seed\nallow:\n  - policy: AWSIoTDataAccess\n    principal: ' +
    'permission-set/IoTIngest\n    reason: ingest\n',
);

async function audit(args: string[]) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const status = await runCli(['audit', '--allowlist', ALLOWLIST, ...args], {
    stdout,
    stderr,
    stdin: new PassThrough(),
  });
  const text = Buffer.concat(out).toString();
  return {
    status,
    out: text,
    err: Buffer.concat(err).toString(),
    records: args.includes('--json')
      ? text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as AuditRecord)
      : [],
  };
}

const saved = { ...process.env };
afterAll(() => {
  process.env = saved;
});
beforeEach(() => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ACCOUNT_ID: ACCOUNT,
  });
  iamMock.reset();
  ssoMock.reset();
  holdIn(iamMock, {});
  stsMock.reset();
  stsMock.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  ssoMock.on(ListInstancesCommand).resolves({ Instances: [{ InstanceArn: INSTANCE }] });
  ssoMock.on(ListPermissionSetsCommand).resolves({ PermissionSets: [ADMINS, INGEST] });
  ssoMock
    .on(ListManagedPoliciesInPermissionSetCommand, { PermissionSetArn: ADMINS })
    .resolves({ AttachedManagedPolicies: [{ Arn: aws('AWSIoTFullAccess') }] });
  ssoMock
    .on(ListManagedPoliciesInPermissionSetCommand, { PermissionSetArn: INGEST })
    .resolves({ AttachedManagedPolicies: [{ Arn: aws('AWSIoTDataAccess') }] });
  ssoMock
    .on(DescribePermissionSetCommand, { PermissionSetArn: ADMINS })
    .resolves({ PermissionSet: { Name: 'IoTAdmins' } });
  ssoMock
    .on(DescribePermissionSetCommand, { PermissionSetArn: INGEST })
    .resolves({ PermissionSet: { Name: 'IoTIngest' } });
  ssoMock.on(DetachManagedPolicyFromPermissionSetCommand).resolves({});
  ssoMock
    .on(ProvisionPermissionSetCommand)
    .resolves({ PermissionSetProvisioningStatus: { Status: 'IN_PROGRESS', RequestId: 'r' } });
});

describe('audit --identity-center-region', () => {
  it('read-only: lists the permission sets in that Region, decides by name, writes nothing', async () => {
    const run = await audit(['--identity-center-region', 'eu-west-1', '--json']);
    expect(run.status).toBe(1);
    expect(run.records.map((r) => [r.permissionSetName, r.verdict, r.outcome])).toEqual([
      ['IoTAdmins', 'violation', null],
      ['IoTIngest', 'allowed', null],
    ]);
    expect(run.records[0]).toMatchObject({
      eventName: 'AttachManagedPolicyToPermissionSet',
      region: 'eu-west-1',
      instanceArn: INSTANCE,
      principal: { type: 'permission-set', name: ADMINS },
    });
    for (const call of ssoMock.calls())
      expect(await (call.thisValue as SSOAdminClient).config.region()).toBe('eu-west-1');
    expect(
      ssoMock.commandCalls(DetachManagedPolicyFromPermissionSetCommand).length +
        ssoMock.commandCalls(ProvisionPermissionSetCommand).length,
    ).toBe(0);
    expect(run.err).toMatch(
      /IAM Identity Center \(eu-west-1\): 2 permission sets of 1 instance checked in 6 SSO admin calls/,
    );
  });

  it('--remediate detaches from the permission set and provisions it', async () => {
    const run = await audit(['--identity-center-region', 'eu-west-1', '--remediate']);
    expect(run.status).toBe(1);
    expect(ssoMock.commandCalls(DetachManagedPolicyFromPermissionSetCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceArn: INSTANCE, PermissionSetArn: ADMINS, ManagedPolicyArn: aws('AWSIoTFullAccess') },
    ]);
    expect(ssoMock.commandCalls(ProvisionPermissionSetCommand)).toHaveLength(1);
    expect(run.out).toMatch(/permission-set\/IoTAdmins +AWSIoTFullAccess .* violation +remediate: reverted;/);
    expect(run.out).toMatch(/remediation: 1 reverted/);
  });

  it('without the option, Identity Center is not touched', async () => {
    expect((await audit([])).status).toBe(0);
    expect(ssoMock.calls()).toHaveLength(0);
  });

  it('a bad Region or a refused listing is a one-line error, exit 2', async () => {
    expect(await audit(['--identity-center-region', 'Europe'])).toMatchObject({
      status: 2,
      err: expect.stringMatching(/--identity-center-region "Europe" is not an AWS Region/),
    });
    ssoMock
      .on(ListInstancesCommand)
      .rejects(new AccessDeniedException({ message: 'not authorized to perform sso:ListInstances', $metadata: {} }));
    const run = await audit(['--identity-center-region', 'eu-west-1']);
    expect(run.status).toBe(2);
    expect(run.err).toMatch(
      /the audit stopped while listing IAM Identity Center in eu-west-1.*access denied.*sso:ListInstances/,
    );
  });
});
