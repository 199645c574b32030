// The Identity Center adapter against a stubbed SSO admin API (aws-sdk-client-mock): every outcome of the detach and
// provisioning, the per-Region clients and the name cache, and the sweep's listings with their call counts.
import {
  AccessDeniedException,
  DescribePermissionSetCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  ProvisionPermissionSetCommand,
  ResourceNotFoundException,
  SSOAdminClient,
  ThrottlingException,
  type SSOAdminClientConfig,
} from '@aws-sdk/client-sso-admin';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RemediationError } from '../../functions/aws/failure.js';
import {
  createIdentityCenterAccess,
  detachFromPermissionSet,
  IdentityCenterListError,
  listInstanceArns,
  listManagedPolicyArns,
  listPermissionSetArns,
} from '../../functions/aws/sso.js';

const sso = mockClient(SSOAdminClient);
const client = new SSOAdminClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  maxAttempts: 1,
});
const INSTANCE = 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6';
const PS = 'arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-3a7c9e1f5b2d4a6c';
const POLICY = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';
const target = { instanceArn: INSTANCE, permissionSetArn: PS, policyArn: POLICY };

const notFound = (message = 'Could not find ManagedPolicy') =>
  new ResourceNotFoundException({ message, $metadata: {} });
const provisioned = (Status: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED', FailureReason?: string) => ({
  PermissionSetProvisioningStatus: {
    Status,
    RequestId: 'req-1',
    PermissionSetArn: PS,
    ...(FailureReason ? { FailureReason } : {}),
  },
});

beforeEach(() => sso.reset());

describe('detachFromPermissionSet', () => {
  it(
    'detaches exactly that policy, then provisions the ' + 'permission set to all its accounts, and reports the status',
    async () => {
      sso.on(DetachManagedPolicyFromPermissionSetCommand).resolves({});
      sso.on(ProvisionPermissionSetCommand).resolves(provisioned('IN_PROGRESS'));
      await expect(detachFromPermissionSet(client, target)).resolves.toEqual({
        result: 'reverted',
        provisioning: { status: 'IN_PROGRESS', requestId: 'req-1', failureReason: null },
      });
      expect(sso.calls().map((c) => [c.args[0].constructor.name, c.args[0].input])).toEqual([
        [
          'DetachManagedPolicyFromPermissionSetCommand',
          { InstanceArn: INSTANCE, PermissionSetArn: PS, ManagedPolicyArn: POLICY },
        ],
        [
          'ProvisionPermissionSetCommand',
          { InstanceArn: INSTANCE, PermissionSetArn: PS, TargetType: 'ALL_PROVISIONED_ACCOUNTS' },
        ],
      ]);
    },
  );

  it(
    'ResourceNotFound on detach (a retry, a duplicate) is already-detached, ' +
      'and still provisions: the last try may have failed there',
    async () => {
      sso.on(DetachManagedPolicyFromPermissionSetCommand).rejects(notFound());
      sso.on(ProvisionPermissionSetCommand).resolves(provisioned('SUCCEEDED'));
      await expect(detachFromPermissionSet(client, target)).resolves.toEqual({
        result: 'already-detached',
        provisioning: { status: 'SUCCEEDED', requestId: 'req-1', failureReason: null },
      });
      expect(sso.commandCalls(ProvisionPermissionSetCommand)).toHaveLength(1);
    },
  );

  it('a permission set that no longer exists at all: already-detached, nothing to provision', async () => {
    sso.on(DetachManagedPolicyFromPermissionSetCommand).rejects(notFound('Could not find PermissionSet'));
    sso.on(ProvisionPermissionSetCommand).rejects(notFound('Could not find PermissionSet'));
    await expect(detachFromPermissionSet(client, target)).resolves.toEqual({
      result: 'already-detached',
      provisioning: null,
    });
  });

  it('a detach that fails throws RemediationError with the code, and provisions nothing', async () => {
    sso.on(DetachManagedPolicyFromPermissionSetCommand).rejects(
      new AccessDeniedException({
        message: 'not authorized to perform sso:DetachManagedPolicyFromPermissionSet',
        $metadata: {},
      }),
    );
    const error = await detachFromPermissionSet(client, target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemediationError);
    expect(error).toMatchObject({
      code: 'AccessDenied',
      message: expect.stringMatching(
        /^detaching .*AWSIoTFullAccess from permission set .*ps-3a7c9e1f5b2d4a6c failed: AccessDenied/,
      ),
    });
    expect(sso.commandCalls(ProvisionPermissionSetCommand)).toHaveLength(0);
  });

  it.each([
    ['throttled', new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }), 'Throttling'],
    ['not found after a real detach', notFound('Could not find PermissionSet'), 'ResourceNotFound'],
  ])(
    'provisioning %s after the detach throws RemediationError, saying the detach was done',
    async (_case, failure, code) => {
      sso.on(DetachManagedPolicyFromPermissionSetCommand).resolves({});
      sso.on(ProvisionPermissionSetCommand).rejects(failure);
      await expect(detachFromPermissionSet(client, target)).rejects.toMatchObject({
        name: 'RemediationError',
        code,
        message: expect.stringMatching(/^detached .* but provisioning it to its accounts failed/),
      });
    },
  );

  it('provisioning that answers FAILED throws RemediationError with the reason', async () => {
    sso.on(DetachManagedPolicyFromPermissionSetCommand).resolves({});
    sso.on(ProvisionPermissionSetCommand).resolves(provisioned('FAILED', 'Account 444455556666 is suspended'));
    await expect(detachFromPermissionSet(client, target)).rejects.toMatchObject({
      name: 'RemediationError',
      code: 'ProvisioningFailed',
      message: expect.stringMatching(/FAILED \(request req-1\): Account 444455556666 is suspended/),
    });
  });
});

describe('createIdentityCenterAccess', () => {
  it('builds one client per Region, on first use, and reuses it', async () => {
    const made: SSOAdminClientConfig[] = [];
    const access = createIdentityCenterAccess({ maxAttempts: 2 }, (config) => {
      made.push(config);
      return new SSOAdminClient({ ...config, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    });
    expect(made).toEqual([]);
    const eu = await access.clientFor('eu-west-1');
    expect(await access.clientFor('eu-west-1')).toBe(eu);
    expect(await access.clientFor('us-east-2')).not.toBe(eu);
    expect(made).toEqual([
      { maxAttempts: 2, region: 'eu-west-1' },
      { maxAttempts: 2, region: 'us-east-2' },
    ]);
    expect(await eu.config.region()).toBe('eu-west-1');
    access.destroy();
  });

  it(
    'looks a name up once per container (names cannot ' + 'change); a missing permission set is null and not cached',
    async () => {
      sso
        .on(DescribePermissionSetCommand, { PermissionSetArn: PS })
        .resolves({ PermissionSet: { Name: 'IoTOperators', PermissionSetArn: PS } });
      sso
        .on(DescribePermissionSetCommand, { PermissionSetArn: `${PS}0` })
        .rejects(notFound('Could not find PermissionSet'));
      const access = createIdentityCenterAccess({ credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      expect(await access.permissionSetName('eu-west-1', INSTANCE, PS)).toEqual({ name: 'IoTOperators', calls: 1 });
      expect(await access.permissionSetName('eu-west-1', INSTANCE, PS)).toEqual({ name: 'IoTOperators', calls: 0 });
      expect(await access.permissionSetName('eu-west-1', INSTANCE, `${PS}0`)).toEqual({ name: null, calls: 1 });
      expect(await access.permissionSetName('eu-west-1', INSTANCE, `${PS}0`)).toEqual({ name: null, calls: 1 });
      expect(sso.commandCalls(DescribePermissionSetCommand).map((c) => c.args[0].input)).toEqual([
        { InstanceArn: INSTANCE, PermissionSetArn: PS },
        { InstanceArn: INSTANCE, PermissionSetArn: `${PS}0` },
        { InstanceArn: INSTANCE, PermissionSetArn: `${PS}0` },
      ]);
    },
  );

  it('any other look-up error throws', async () => {
    sso.on(DescribePermissionSetCommand).rejects(new AccessDeniedException({ message: 'no', $metadata: {} }));
    const access = createIdentityCenterAccess({
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    await expect(access.permissionSetName('eu-west-1', INSTANCE, PS)).rejects.toBeInstanceOf(AccessDeniedException);
  });
});

describe("the sweep's listings", () => {
  it('follows every page and counts the calls', async () => {
    const all = Array.from(
      { length: 5 },
      (_, i) => `${INSTANCE.replace('instance', 'permissionSet')}/ps-${String(i).padStart(16, '0')}`,
    );
    sso.on(ListPermissionSetsCommand).callsFake((input: { NextToken?: string; MaxResults?: number }) => {
      const start = Number(input.NextToken ?? 0);
      const end = start + (input.MaxResults ?? 100);
      return { PermissionSets: all.slice(start, end), ...(end < all.length ? { NextToken: String(end) } : {}) };
    });
    sso.on(ListInstancesCommand).resolves({ Instances: [{ InstanceArn: INSTANCE }] });
    expect(await listInstanceArns(client)).toEqual({ items: [INSTANCE], calls: 1 });
    expect(await listPermissionSetArns(client, INSTANCE, 2)).toEqual({ items: all, calls: 3 });
  });

  it(
    'a permission set deleted before its policies are listed is ' +
      'skipped (items null); other failures throw with the calls made',
    async () => {
      sso
        .on(ListManagedPoliciesInPermissionSetCommand, { PermissionSetArn: PS })
        .resolves({ AttachedManagedPolicies: [{ Arn: POLICY, Name: 'AWSIoTFullAccess' }] });
      sso
        .on(ListManagedPoliciesInPermissionSetCommand, { PermissionSetArn: `${PS}0` })
        .rejects(notFound('Could not find PermissionSet'));
      expect(await listManagedPolicyArns(client, INSTANCE, PS)).toEqual({ items: [POLICY], calls: 1 });
      expect(await listManagedPolicyArns(client, INSTANCE, `${PS}0`)).toEqual({ items: null, calls: 1 });
      sso
        .on(ListInstancesCommand)
        .rejects(new AccessDeniedException({ message: 'not authorized to perform sso:ListInstances', $metadata: {} }));
      const error = await listInstanceArns(client).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdentityCenterListError);
      expect(error).toMatchObject({
        code: 'AccessDenied',
        calls: 1,
        message: expect.stringMatching(/listing Identity Center instances failed: AccessDenied/),
      });
    },
  );
});
