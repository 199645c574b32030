import { describe, expect, it } from 'vitest';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import {
  isRecognisedDocument,
  readAttachEvent,
  recordsIn,
  type RecordResult,
} from '../../functions/core/cloudtrail.js';
import { decide } from '../../functions/core/decide.js';
import { fixture, fixtureNames } from '../support/fixtures.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const empty = parseAllowlist('version: 1\n', 'empty.yml');

function read(name: string): RecordResult[] {
  return [...recordsIn(fixture(name))].map((found) => {
    if ('problem' in found) throw new Error(found.problem);
    return readAttachEvent(found.record, found.envelopeAccount);
  });
}

function summarise(name: string, scope: 'aws-iot' | 'seed' = 'aws-iot') {
  return read(name).map((r) =>
    r.kind === 'attach'
      ? {
          kind: r.kind,
          principal: r.event.principal && `${r.event.principal.type}/${r.event.principal.name}`,
          policyArn: r.event.policyArn,
          account: r.event.account,
          verdict: decide(r.event, empty, { scope, now: NOW }).verdict,
        }
      : { kind: r.kind },
  );
}

const iot = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const PS = 'arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-3a7c9e1f5b2d4a6c';

describe('reading the CloudTrail fixtures', () => {
  it('every fixture is a recognised CloudTrail document', () => {
    expect(fixtureNames().length).toBeGreaterThanOrEqual(20);
    for (const name of fixtureNames()) expect(isRecognisedDocument(fixture(name)), name).toBe(true);
  });

  it.each([
    [
      'AttachRolePolicy.eventbridge-full-access',
      'role/iot-fleet-operator',
      iot('AWSIoTFullAccess'),
      '123456789012',
      'violation',
    ],
    [
      'AttachUserPolicy.eventbridge-assumed-role',
      'user/telemetry-publisher',
      iot('AWSIoTDataAccess'),
      '111122223333',
      'violation',
    ],
    [
      'AttachGroupPolicy.eventbridge-console',
      'group/iot-auditors',
      iot('AWSIoTConfigReadOnlyAccess'),
      '123456789012',
      'violation',
    ],
    [
      'AttachRolePolicy.eventbridge-service-role-path',
      'role/iot-logging-role',
      iot('service-role/AWSIoTLogging'),
      '123456789012',
      'violation',
    ],
    [
      'AttachRolePolicy.eventbridge-via-cloudformation',
      expect.stringMatching(/^role\//),
      iot('service-role/AWSIoTThingsRegistration'),
      '123456789012',
      'violation',
    ],
    ['AttachRolePolicy.record-access-denied', null, null, expect.any(String), 'failed-attempt'],
    [
      'AttachUserPolicy.record-response-none',
      expect.stringMatching(/^user\//),
      expect.stringMatching(/^arn:aws:iam::aws:policy\//),
      expect.any(String),
      'violation',
    ],
    [
      'AttachRolePolicy.record-eventversion-1.0',
      expect.stringMatching(/^role\//),
      expect.stringMatching(/^arn:aws:iam::aws:policy\//),
      null,
      'violation',
    ],
    [
      'AttachRolePolicy.record-aws-cn',
      expect.stringMatching(/^role\//),
      'arn:aws-cn:iam::aws:policy/AWSIoTDataAccess',
      '111122223333',
      'violation',
    ],
    [
      'AttachRolePolicy.record-customer-policy-iot-name',
      expect.stringMatching(/^role\//),
      'arn:aws:iam::123456789012:policy/AWSIoTFullAccess',
      '123456789012',
      'not-governed',
    ],
    [
      'AttachRolePolicy.record-lookalike',
      expect.stringMatching(/^role\//),
      iot('AWSAuditManagerAdministratorAccess'),
      '123456789012',
      'not-governed',
    ],
    [
      'AttachGroupPolicy.record-redacted',
      'group/iot-operators',
      iot('AWSIoTConfigAccess'),
      expect.any(String),
      'violation',
    ],
    [
      'AttachUserPolicy.record-eventversion-1.11',
      expect.stringMatching(/^user\//),
      expect.stringMatching(/^arn:aws:iam::aws:policy\//),
      expect.any(String),
      'violation',
    ],
    [
      'AttachManagedPolicyToPermissionSet.eventbridge-full-access',
      `permission-set/${PS}`,
      iot('AWSIoTFullAccess'),
      '111122223333',
      'violation',
    ],
    [
      'AttachManagedPolicyToPermissionSet.record-console-service-role-path',
      expect.stringMatching(/^permission-set\/arn:aws:sso:::permissionSet\/ssoins-69875a1e2b3c4d5e\/ps-/),
      iot('service-role/AWSIoTRuleActions'),
      '111122223333',
      'violation',
    ],
    ['AttachManagedPolicyToPermissionSet.record-access-denied', null, null, '111122223333', 'failed-attempt'],
    [
      'AttachManagedPolicyToPermissionSet.record-not-iot',
      expect.stringMatching(/^permission-set\//),
      iot('ReadOnlyAccess'),
      '111122223333',
      'not-governed',
    ],
  ])('%s', (name, principal, policyArn, account, verdict) => {
    expect(summarise(name)).toEqual([{ kind: 'attach', principal, policyArn, account, verdict }]);
  });

  it('the wrong path is a different policy: governed by the aws-iot prefix rule, not by the seed scope', () => {
    expect(summarise('AttachRolePolicy.record-wrong-path', 'aws-iot')[0]).toMatchObject({ verdict: 'violation' });
    expect(summarise('AttachRolePolicy.record-wrong-path', 'seed')[0]).toMatchObject({ verdict: 'not-governed' });
  });

  it.each([
    'DetachRolePolicy.record',
    'CreateRole.record',
    'PutObject.record-s3',
    'AttachRolePolicy.record-not-iam-source',
    'DetachManagedPolicyFromPermissionSet.record',
  ])('%s is not an attach event', (name) => {
    expect(summarise(name)).toEqual([{ kind: 'other' }]);
  });

  it('reads a CloudTrail log file and lookup-events output', () => {
    expect(summarise('Records.cloudtrail-log-file').filter((r) => r.kind === 'attach')).toEqual([
      expect.objectContaining({ principal: 'role/iot-ingest-telemetry', policyArn: iot('AWSIoTDataAccess') }),
      expect.objectContaining({ principal: 'user/bob.contractor', policyArn: iot('AWSIoTConfigAccess') }),
    ]);
    expect(summarise('Records.cloudtrail-log-file')).toHaveLength(5);
    expect(summarise('Events.lookup-events')).toEqual([
      { kind: 'other' },
      expect.objectContaining({
        principal: 'role/iot-rules-republish',
        policyArn: iot('service-role/AWSIoTRuleActions'),
      }),
    ]);
  });

  it('takes the actor from userIdentity and the session issuer', () => {
    const [result] = read('AttachUserPolicy.eventbridge-assumed-role');
    expect(result).toMatchObject({
      kind: 'attach',
      event: { actor: { type: 'AssumedRole', issuerArn: expect.stringMatching(/:role\/platform-admin$/) } },
    });
    const [cfn] = read('AttachRolePolicy.eventbridge-via-cloudformation');
    expect(cfn).toMatchObject({ event: { actor: { invokedBy: 'cloudformation.amazonaws.com' } } });
  });

  it('falls back to the envelope account when the record has no recipientAccountId', () => {
    const event = fixture<{ detail: Record<string, unknown>; account: string }>(
      'AttachRolePolicy.eventbridge-full-access',
    );
    delete event.detail.recipientAccountId;
    event.account = '999999999999';
    const [found] = [...recordsIn(event)];
    expect(readAttachEvent((found as { record: unknown }).record, '999999999999')).toMatchObject({
      event: { account: '999999999999' },
    });
  });

  it('a successful call with its principal or policy missing is malformed, never decided', () => {
    for (const field of ['roleName', 'policyArn']) {
      const event = fixture<{ detail: { requestParameters: Record<string, unknown> } }>(
        'AttachRolePolicy.eventbridge-full-access',
      );
      delete event.detail.requestParameters[field];
      expect(readAttachEvent(event.detail)).toMatchObject({
        kind: 'malformed',
        problem: expect.stringContaining(field),
      });
    }
    const event = fixture<{ detail: { requestParameters: Record<string, unknown> } }>(
      'AttachRolePolicy.eventbridge-full-access',
    );
    event.detail.requestParameters.roleName = 'evil role; rm -rf /';
    expect(readAttachEvent(event.detail)).toMatchObject({ kind: 'malformed' });
  });
});

describe('reading IAM Identity Center permission-set attachments', () => {
  type Sso = { detail: Record<string, unknown> & { requestParameters: Record<string, unknown> } };
  const detail = () => fixture<Sso>('AttachManagedPolicyToPermissionSet.eventbridge-full-access').detail;

  it('the permission set (by ARN) is the principal; the instance and the Identity Center Region come along', () => {
    const [result] = read('AttachManagedPolicyToPermissionSet.eventbridge-full-access');
    expect(result).toEqual({
      kind: 'attach',
      event: expect.objectContaining({
        eventName: 'AttachManagedPolicyToPermissionSet',
        principal: { type: 'permission-set', name: PS },
        policyArn: iot('AWSIoTFullAccess'),
        instanceArn: 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6',
        region: 'eu-west-1',
        account: '111122223333',
        actor: expect.objectContaining({
          type: 'AssumedRole',
          issuerArn: expect.stringContaining('AWSReservedSSO_IdentityAdmins_'),
        }),
      }),
    });
    // CloudTrail does not record the name; nothing pretends it was looked up.
    expect((result as { event: object }).event).not.toHaveProperty('permissionSetName');
  });

  it.each([
    ['permissionSetArn', undefined, /permissionSetArn missing/],
    ['permissionSetArn', 'arn:aws:iam::111122223333:role/x', /permissionSetArn is not a permission set ARN/],
    ['instanceArn', undefined, /instanceArn missing/],
    [
      'instanceArn',
      'arn:aws:sso:::instance/ssoins-0000000000000000',
      /permissionSetArn is not of requestParameters.instanceArn/,
    ],
    ['managedPolicyArn', undefined, /managedPolicyArn missing/],
  ])('a successful call with %s = %s is malformed, never decided', (field, value, problem) => {
    const record = detail();
    if (value === undefined) delete record.requestParameters[field];
    else record.requestParameters[field] = value;
    expect(readAttachEvent(record)).toMatchObject({ kind: 'malformed', problem: expect.stringMatching(problem) });
  });

  it(
    'needs both the source and the name: IAM names from sso, ' + 'or this name from another source, are other events',
    () => {
      expect(readAttachEvent({ ...detail(), eventSource: 'iam.amazonaws.com' })).toEqual({ kind: 'other' });
      expect(readAttachEvent({ ...detail(), eventName: 'AttachRolePolicy' })).toEqual({ kind: 'other' });
      expect(readAttachEvent({ ...detail(), eventSource: 'sso.amazonaws.com.evil' })).toEqual({ kind: 'other' });
    },
  );

  it(
    'refuses the spelling of permission set ARNs AWS never ' +
      "produces (moto's instance/…/ps-…): only permissionSet/ is one",
    () => {
      const record = detail();
      record.requestParameters.permissionSetArn = 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6/ps-0123456789abcdef';
      expect(readAttachEvent(record)).toMatchObject({
        kind: 'malformed',
        problem: expect.stringMatching(/permissionSetArn/),
      });
    },
  );
});
