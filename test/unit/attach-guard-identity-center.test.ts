// attach-guard on IAM Identity Center events: the permission set's name looked up when it matters, the remediation at
// the permission set (detach, then provision to all its accounts) in the event's Region, every outcome alerted as the
// contract says; and the hint for AWSReservedSSO_ roles IAM refuses to change.
import { readFileSync } from 'node:fs';
import { DetachRolePolicyCommand, IAMClient, UnmodifiableEntityException } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  AccessDeniedException,
  DescribePermissionSetCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  ProvisionPermissionSetCommand,
  ResourceNotFoundException,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/core/alert.js';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import { RemediationError } from '../../functions/aws/failure.js';
import { handleAttachEvent } from '../../functions/guard/attach-event.js';
import { delivered, fixture } from '../support/fixtures.js';
import { guardDeps } from '../support/guard.js';

const iam = mockClient(IAMClient);
const sns = mockClient(SNSClient);
const sso = mockClient(SSOAdminClient);
const validateAlert = new Ajv2020({ allErrors: true }).compile(
  JSON.parse(readFileSync('infra/alert.schema.json', 'utf8')),
);

// AWSIoTFullAccess to ps-3a7c9e1f5b2d4a6c, eu-west-1
const EVENT = 'AttachManagedPolicyToPermissionSet.eventbridge-full-access';
const INSTANCE = 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6';
const PS = 'arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-3a7c9e1f5b2d4a6c';
const FULL_ACCESS = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';
const alerts = (): Alert[] =>
  sns.commandCalls(PublishCommand).map((c) => JSON.parse(JSON.parse(c.args[0].input.Message!).default) as Alert);
const ssoWrites = () => sso.calls().filter((c) => !(c.args[0] instanceof DescribePermissionSetCommand));
const named = (Name: string) => ({ PermissionSet: { Name, PermissionSetArn: PS } });

beforeEach(() => {
  iam.reset();
  sns.reset();
  sso.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});
afterEach(() => {
  for (const alert of alerts()) expect(validateAlert(alert), JSON.stringify(validateAlert.errors)).toBe(true);
});

describe('attach-guard: a governed policy attached to a permission set', () => {
  it(
    'detaches it from the permission set, provisions all its accounts, in the Region of the event, and alerts with ' +
      'the status',
    async () => {
      sso.on(DescribePermissionSetCommand).resolves(named('IoTOperators'));
      sso.on(DetachManagedPolicyFromPermissionSetCommand).resolves({});
      sso
        .on(ProvisionPermissionSetCommand)
        .resolves({ PermissionSetProvisioningStatus: { Status: 'IN_PROGRESS', RequestId: 'req-9' } });
      const deps = guardDeps();
      const response = await handleAttachEvent(fixture(EVENT), deps);

      expect(response.outcome).toBe('reverted');
      expect(ssoWrites().map((c) => c.args[0].input)).toEqual([
        { InstanceArn: INSTANCE, PermissionSetArn: PS, ManagedPolicyArn: FULL_ACCESS },
        { InstanceArn: INSTANCE, PermissionSetArn: PS, TargetType: 'ALL_PROVISIONED_ACCOUNTS' },
      ]);
      // Identity Center is regional: the client that acted is the event's Region's.
      for (const call of sso.calls())
        expect(await (call.thisValue as SSOAdminClient).config.region()).toBe('eu-west-1');
      expect(iam.calls()).toHaveLength(0);
      expect(alerts()).toEqual([
        expect.objectContaining({
          principal: { type: 'permission-set', name: PS },
          permissionSet: { arn: PS, name: 'IoTOperators', instanceArn: INSTANCE },
          provisioning: { status: 'IN_PROGRESS', requestId: 'req-9', failureReason: null },
          outcome: 'reverted',
          region: 'eu-west-1',
          account: '111122223333',
        }),
      ]);
      expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.Subject).toBe(
        'IoT policy AWSIoTFullAccess on permission-set/IoTOperators (111122223333): reverted',
      );
      expect(deps.metrics.counts).toEqual({ Violations: 1, Reverted: 1 });
      expect(deps.logs.find((l) => l.message === 'decision')?.fields).toMatchObject({
        outcome: 'reverted',
        provisioning: 'IN_PROGRESS',
        principal: `permission-set/${PS}`,
      });
    },
  );

  it(
    'a duplicate delivery: ' +
      'ResourceNotFound on the detach ' +
      'is already-detached, and ' +
      'provisioning runs ' +
      'again',
    async () => {
      sso.on(DescribePermissionSetCommand).resolves(named('IoTOperators'));
      sso
        .on(DetachManagedPolicyFromPermissionSetCommand)
        .rejects(new ResourceNotFoundException({ message: 'Could not find ManagedPolicy', $metadata: {} }));
      sso
        .on(ProvisionPermissionSetCommand)
        .resolves({ PermissionSetProvisioningStatus: { Status: 'SUCCEEDED', RequestId: 'req-2' } });
      expect((await handleAttachEvent(fixture(EVENT), guardDeps())).outcome).toBe('already-detached');
      expect(alerts()[0]).toMatchObject({ outcome: 'already-detached', provisioning: { status: 'SUCCEEDED' } });
    },
  );

  it('a failed detach alerts remediation-failed, then fails the invocation so that it is retried', async () => {
    sso.on(DescribePermissionSetCommand).resolves(named('IoTOperators'));
    sso
      .on(DetachManagedPolicyFromPermissionSetCommand)
      .rejects(new AccessDeniedException({ message: 'not authorized', $metadata: {} }));
    const deps = guardDeps();
    await expect(handleAttachEvent(fixture(EVENT), deps)).rejects.toBeInstanceOf(RemediationError);
    expect(alerts()).toEqual([
      expect.objectContaining({
        outcome: 'remediation-failed',
        error: { name: 'AccessDenied', message: expect.stringContaining('not authorized') },
      }),
    ]);
    expect(deps.metrics.counts).toEqual({ Violations: 1, RemediationFailures: 1 });
  });

  it('provisioning that FAILED is a failed remediation too: the accounts still hold the policy', async () => {
    sso.on(DescribePermissionSetCommand).resolves(named('IoTOperators'));
    sso.on(DetachManagedPolicyFromPermissionSetCommand).resolves({});
    sso.on(ProvisionPermissionSetCommand).resolves({
      PermissionSetProvisioningStatus: { Status: 'FAILED', RequestId: 'req-3', FailureReason: 'account suspended' },
    });
    await expect(handleAttachEvent(fixture(EVENT), guardDeps())).rejects.toMatchObject({ code: 'ProvisioningFailed' });
    expect(alerts()[0]).toMatchObject({
      outcome: 'remediation-failed',
      error: { name: 'ProvisioningFailed', message: expect.stringContaining('account suspended') },
    });
  });

  it('GUARD_MODE=alert: no write to Identity Center, the alert still names the permission set', async () => {
    sso.on(DescribePermissionSetCommand).resolves(named('IoTOperators'));
    expect((await handleAttachEvent(fixture(EVENT), guardDeps({ mode: 'alert' }))).outcome).toBe('alert-only');
    expect(ssoWrites()).toHaveLength(0);
    expect(alerts()[0]).toMatchObject({ outcome: 'alert-only', permissionSet: { name: 'IoTOperators' } });
    expect(alerts()[0]).not.toHaveProperty('provisioning');
  });

  it('a name look-up that fails only costs a violation its name: remediation goes on', async () => {
    sso
      .on(DescribePermissionSetCommand)
      .rejects(new AccessDeniedException({ message: 'no sso:DescribePermissionSet', $metadata: {} }));
    sso.on(DetachManagedPolicyFromPermissionSetCommand).resolves({});
    sso
      .on(ProvisionPermissionSetCommand)
      .resolves({ PermissionSetProvisioningStatus: { Status: 'IN_PROGRESS', RequestId: 'r' } });
    const deps = guardDeps();
    expect((await handleAttachEvent(fixture(EVENT), deps)).outcome).toBe('reverted');
    expect(alerts()[0]).toMatchObject({ permissionSet: { name: null } });
    expect(deps.logs.map((l) => [l.level, l.message])).toContainEqual(['warn', 'permission set name not looked up']);
  });

  it('without an Identity Center client the violation is not-remediable, and says why', async () => {
    const { identityCenter: _none, ...deps } = guardDeps();
    expect((await handleAttachEvent(fixture(EVENT), deps)).outcome).toBe('not-remediable');
    expect(sso.calls()).toHaveLength(0);
    expect(alerts()[0]).toMatchObject({ outcome: 'not-remediable', error: { name: 'IdentityCenterUnavailable' } });
  });

  it('a failed attach call touches nothing', async () => {
    const event = delivered(fixture('AttachManagedPolicyToPermissionSet.record-access-denied'));
    expect((await handleAttachEvent(event, guardDeps())).outcome).toBeNull();
    expect(sso.calls().length + sns.calls().length).toBe(0);
  });
});

describe('attach-guard: allowlist entries that name a permission set', () => {
  const byName = parseAllowlist(
    'version: 1\nmode: remediate\nallow:\n  - policy: AWSIoTFullAccess\n    principal: permission-set/IoT*\n    ' +
      'reason: the IoT permission sets\n',
    'by-name.yml',
  );

  it('looks the name up (it is not in CloudTrail) and allows a matching permission set', async () => {
    sso.on(DescribePermissionSetCommand).resolves(named('IoTOperators'));
    const deps = guardDeps({ allowlist: byName });
    expect((await handleAttachEvent(fixture(EVENT), deps)).outcome).toBeNull();
    expect(sso.commandCalls(DescribePermissionSetCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceArn: INSTANCE, PermissionSetArn: PS },
    ]);
    expect(ssoWrites().length + sns.calls().length).toBe(0);
    expect(deps.logs).toEqual([
      expect.objectContaining({
        level: 'info',
        message: 'decision',
        fields: expect.objectContaining({ verdict: 'allowed', rule: 0 }),
      }),
    ]);
  });

  it('and remediates one that does not match', async () => {
    sso.on(DescribePermissionSetCommand).resolves(named('Developers'));
    sso.on(DetachManagedPolicyFromPermissionSetCommand).resolves({});
    sso
      .on(ProvisionPermissionSetCommand)
      .resolves({ PermissionSetProvisioningStatus: { Status: 'SUCCEEDED', RequestId: 'r' } });
    expect((await handleAttachEvent(fixture(EVENT), guardDeps({ allowlist: byName }))).outcome).toBe('reverted');
    expect(alerts()[0]!.suggestedAllowlistEntry).toContain('principal: "permission-set/Developers"');
  });

  it(
    'a look-up that fails when the decision depends on it ' +
      'fails the invocation: never ' +
      'allow or forbid on ' +
      'a guess',
    async () => {
      sso
        .on(DescribePermissionSetCommand)
        .rejects(new AccessDeniedException({ message: 'no sso:DescribePermissionSet', $metadata: {} }));
      await expect(handleAttachEvent(fixture(EVENT), guardDeps({ allowlist: byName }))).rejects.toBeInstanceOf(
        AccessDeniedException,
      );
      expect(ssoWrites().length + sns.calls().length).toBe(0);
    },
  );

  it('a permission set deleted since the call: unresolved, logged, nothing to act on', async () => {
    sso
      .on(DescribePermissionSetCommand)
      .rejects(new ResourceNotFoundException({ message: 'Could not find PermissionSet', $metadata: {} }));
    const deps = guardDeps({ allowlist: byName });
    expect((await handleAttachEvent(fixture(EVENT), deps)).outcome).toBeNull();
    expect(ssoWrites().length + sns.calls().length).toBe(0);
    expect(deps.logs).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'decision',
        fields: expect.objectContaining({ verdict: 'unresolved', reason: expect.stringMatching(/no longer exists/) }),
      }),
    ]);
  });
});

describe('attach-guard: an IAM Identity Center role that IAM refuses to change', () => {
  it('alerts not-remediable and names the permission set to fix', async () => {
    iam.on(DetachRolePolicyCommand).rejects(
      new UnmodifiableEntityException({
        message: 'Cannot perform the operation on the protected role',
        $metadata: {},
      }),
    );
    const event = fixture<{ detail: { requestParameters: Record<string, unknown> } }>(
      'AttachRolePolicy.eventbridge-full-access',
    );
    event.detail.requestParameters.roleName = 'AWSReservedSSO_IoTFleetAdmins_0a1b2c3d4e5f6a7b';
    expect((await handleAttachEvent(event, guardDeps())).outcome).toBe('not-remediable');
    expect(alerts()[0]).toMatchObject({
      outcome: 'not-remediable',
      error: { name: 'UnmodifiableEntity' },
      permissionSet: { arn: null, name: 'IoTFleetAdmins', instanceArn: null },
    });
    expect(JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!).email).toContain(
      'detach AWSIoTFullAccess from permission set "IoTFleetAdmins"',
    );
  });
});
