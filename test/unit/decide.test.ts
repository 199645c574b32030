import { describe, expect, it } from 'vitest';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import { decide, type AttachCall as Attachment } from '../../functions/core/decide.js';
import type { Principal } from '../../functions/core/types.js';

const NOW = new Date('2026-11-26T12:00:00Z');

const allowlist = parseAllowlist(
  `version: 1
mode: alert
modes:
  AWSIoTFullAccess: remediate
  arn:aws-cn:iam::aws:policy/AWSIoTFullAccess: alert
allow:
  - policy: AWSIoTDataAccess
    principal: role/iot-ingest-*
    reason: ingest pipeline
  - policy: service-role/AWSIoTLogging
    principal: role/iot-logging
    reason: logging role
  - policy: AWSIoTConfigReadOnlyAccess
    principal: group/auditors
    account: "123456789012"
    reason: auditors
  - policy: AWSIoTFullAccess
    principal: role/deployer
    attachedBy: "arn:aws:iam::*:role/ci-deployer*"
    reason: CI
  - policy: AWSIoTConfigAccess
    principal: user/contractor-?
    expires: 2026-11-26
    reason: short engagement
  - policy: AWSIoTEventsFullAccess
    principal: user/old
    expires: 2026-06-30
    reason: expired
`,
  'test.yml',
);

function attachment(principal: string, policyArn: string | null, extra: Partial<Attachment> = {}): Attachment {
  const [type, name] = principal.split('/') as [Principal['type'], string];
  return {
    principal: { type, name },
    policyArn,
    account: '123456789012',
    errorCode: null,
    actor: {
      type: 'IAMUser',
      arn: 'arn:aws:iam::123456789012:user/alice',
      issuerArn: null,
      invokedBy: null,
      sourceIp: null,
      userAgent: null,
    },
    ...extra,
  };
}

const iot = (name: string, partition = 'aws') => `arn:${partition}:iam::aws:policy/${name}`;

describe('decide', () => {
  it.each([
    ['allowed by a glob', attachment('role/iot-ingest-eu', iot('AWSIoTDataAccess')), 'allowed', null, 0],
    ['allowed: * matches an empty run', attachment('role/iot-ingest-', iot('AWSIoTDataAccess')), 'allowed', null, 0],
    [
      'an entry naming a policy matches it in another partition',
      attachment('role/iot-ingest-1', iot('AWSIoTDataAccess', 'aws-cn')),
      'allowed',
      null,
      0,
    ],
    ['the glob is anchored', attachment('role/x-iot-ingest-1', iot('AWSIoTDataAccess')), 'violation', 'alert', null],
    [
      'the principal type matters',
      attachment('user/iot-ingest-1', iot('AWSIoTDataAccess')),
      'violation',
      'alert',
      null,
    ],
    [
      'service-role path honoured',
      attachment('role/iot-logging', iot('service-role/AWSIoTLogging')),
      'allowed',
      null,
      1,
    ],
    [
      'wrong path is a different, still governed, policy under aws-iot',
      attachment('role/iot-logging', iot('AWSIoTLogging')),
      'violation',
      'alert',
      null,
    ],
    ['account scoping matches', attachment('group/auditors', iot('AWSIoTConfigReadOnlyAccess')), 'allowed', null, 2],
    [
      'account scoping excludes others',
      attachment('group/auditors', iot('AWSIoTConfigReadOnlyAccess'), { account: '111122223333' }),
      'violation',
      'alert',
      null,
    ],
    [
      'actor glob matches the session issuer',
      attachment('role/deployer', iot('AWSIoTFullAccess'), {
        actor: {
          type: 'AssumedRole',
          arn: 'arn:aws:sts::123456789012:assumed-role/ci-deployer-prod/s',
          issuerArn: 'arn:aws:iam::123456789012:role/ci-deployer-prod',
          invokedBy: null,
          sourceIp: null,
          userAgent: null,
        },
      }),
      'allowed',
      null,
      3,
    ],
    [
      'actor glob excludes others; modes override gives remediate',
      attachment('role/deployer', iot('AWSIoTFullAccess')),
      'violation',
      'remediate',
      null,
    ],
    [
      'the ARN key in modes wins over the name key',
      attachment('role/x', iot('AWSIoTFullAccess', 'aws-cn')),
      'violation',
      'alert',
      null,
    ],
    ['? matches exactly one character', attachment('user/contractor-1', iot('AWSIoTConfigAccess')), 'allowed', null, 4],
    ['? does not match two', attachment('user/contractor-12', iot('AWSIoTConfigAccess')), 'violation', 'alert', null],
    [
      'expired entries no longer allow',
      attachment('user/old', iot('AWSIoTEventsFullAccess')),
      'violation',
      'alert',
      null,
    ],
    [
      'a customer policy with an IoT name is not governed',
      attachment('role/x', 'arn:aws:iam::123456789012:policy/AWSIoTFullAccess'),
      'not-governed',
      null,
      null,
    ],
    [
      'a substring look-alike is not governed',
      attachment('role/x', iot('AWSAuditManagerAdministratorAccess')),
      'not-governed',
      null,
      null,
    ],
    [
      'a suffix look-alike is not governed',
      attachment('role/x', iot('NotAWSIoTFullAccess')),
      'not-governed',
      null,
      null,
    ],
    [
      'a non-IoT AWS policy is not governed',
      attachment('role/x', iot('AdministratorAccess')),
      'not-governed',
      null,
      null,
    ],
    [
      'an AWSIoT policy newer than the catalog is governed by the prefix rule',
      attachment('role/x', iot('AWSIoTSomethingNew2027')),
      'violation',
      'alert',
      null,
    ],
    [
      'the prefix rule ignores case (deprecated AWSIot names)',
      attachment('role/x', iot('AWSIotBrandNew')),
      'violation',
      'alert',
      null,
    ],
    ['not an ARN at all', attachment('role/x', 'AWSIoTFullAccess'), 'not-governed', null, null],
    [
      'failed calls come first',
      attachment('role/x', iot('AWSIoTFullAccess'), { errorCode: 'AccessDenied' }),
      'failed-attempt',
      null,
      null,
    ],
  ])('%s', (_case, subject, verdict, action, rule) => {
    const decision = decide(subject, allowlist, { now: NOW });
    expect(decision).toMatchObject({ verdict, action, rule });
    expect(decision.reason).not.toBe('');
  });

  it('allows through the end of the expiry day, UTC, and not a millisecond longer', () => {
    const subject = attachment('user/contractor-1', iot('AWSIoTConfigAccess'));
    expect(decide(subject, allowlist, { now: new Date('2026-11-26T23:59:59.999Z') }).verdict).toBe('allowed');
    expect(decide(subject, allowlist, { now: new Date('2026-11-27T00:00:00.000Z') }).verdict).toBe('violation');
  });

  it('says why a near miss did not allow', () => {
    expect(decide(attachment('user/old', iot('AWSIoTEventsFullAccess')), allowlist, { now: NOW }).reason).toMatch(
      /entry #5 expired on 2026-06-30/,
    );
    expect(decide(attachment('role/deployer', iot('AWSIoTFullAccess')), allowlist, { now: NOW }).reason).toMatch(
      /entry #3 requires attachedBy/,
    );
  });

  it('the seed scope governs exactly the ten at their exact paths', () => {
    const seed = { scope: 'seed' as const, now: NOW };
    expect(decide(attachment('role/x', iot('service-role/AWSIoTLogging')), allowlist, seed).verdict).toBe('violation');
    expect(decide(attachment('role/x', iot('AWSIoTLogging')), allowlist, seed).verdict).toBe('not-governed');
    expect(decide(attachment('role/x', iot('AWSIoTSomethingNew2027')), allowlist, seed).verdict).toBe('not-governed');
    expect(decide(attachment('role/x', iot('AWSIoTFullAccess', 'aws-us-gov')), allowlist, seed).verdict).toBe(
      'violation',
    );
  });
});

describe('decide: IAM Identity Center permission sets', () => {
  const PS = 'arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-3a7c9e1f5b2d4a6c';
  const list = parseAllowlist(
    `version: 1
mode: remediate
allow:
  - policy: AWSIoTDataAccess
    principal: "permission-set/arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-3a7c9e1f5b2d4a6c"
    reason: by ARN
  - policy: AWSIoTConfigReadOnlyAccess
    principal: permission-set/IoT*Auditors
    reason: by name
  - policy: AWSIoTFullAccess
    principal: permission-set/IoTAdmins
    account: "999999999999"
    reason: another account's admins
  - policy: AWSIoTEventsReadOnlyAccess
    principal: role/IoTAuditors
    reason: a role of the same name is not the permission set
`,
    'ps.yml',
  );
  const onSet = (policy: string, extra: Partial<Attachment> = {}): Attachment => ({
    ...attachment('role/x', iot(policy)),
    principal: { type: 'permission-set', name: PS },
    ...extra,
  });

  it.each([
    ['an ARN entry needs no name', onSet('AWSIoTDataAccess'), 'allowed', 0],
    [
      'a name entry allows once the name is known',
      onSet('AWSIoTConfigReadOnlyAccess', { permissionSetName: 'IoTFleetAuditors' }),
      'allowed',
      1,
    ],
    [
      'a name entry that does not match the known name',
      onSet('AWSIoTConfigReadOnlyAccess', { permissionSetName: 'Developers' }),
      'violation',
      null,
    ],
    [
      'a name entry, name not looked up (evaluate): undecided, neither allowed nor a violation',
      onSet('AWSIoTConfigReadOnlyAccess'),
      'unresolved',
      null,
    ],
    [
      'a name entry, permission set gone (looked up: null): still undecided',
      onSet('AWSIoTConfigReadOnlyAccess', { permissionSetName: null }),
      'unresolved',
      null,
    ],
    ['a name entry ruled out by its account does not make it undecided', onSet('AWSIoTFullAccess'), 'violation', null],
    ['no entry for the policy at all: a violation whatever the name', onSet('AWSIoTConfigAccess'), 'violation', null],
    [
      'role entries never match a permission set of the same name',
      onSet('AWSIoTEventsReadOnlyAccess', { permissionSetName: 'IoTAuditors' }),
      'violation',
      null,
    ],
  ])('%s', (_case, subject, verdict, rule) => {
    const decision = decide(subject, list, { now: NOW });
    expect(decision).toMatchObject({ verdict, rule });
    if (verdict === 'unresolved') {
      expect(decision.action).toBeNull();
      expect(decision.reason).toMatch(/entry #1 \(permission-set\/IoT\*Auditors\) matches permission sets by name/);
      expect(decision.reason).toMatch(
        subject.permissionSetName === null ? /no longer exists/ : /evaluate works offline/,
      );
    }
  });

  it('permission-set entries never match IAM principals', () => {
    expect(
      decide(attachment('role/IoTFleetAuditors', iot('AWSIoTConfigReadOnlyAccess')), list, { now: NOW }).verdict,
    ).toBe('violation');
  });
});
