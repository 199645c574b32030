// Policy names are compared case-insensitively everywhere (issue 11, point 4): `awsiotfullaccess` is the policy it
// names. Partition, account and path stay exact.
import { describe, expect, it } from 'vitest';
import { AllowlistError } from '../../functions/core/allowlist.js';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import { isGoverned } from '../../functions/core/catalog.js';
import { decide, type AttachCall as Attachment } from '../../functions/core/decide.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const iot = (name: string, partition = 'aws') => `arn:${partition}:iam::aws:policy/${name}`;
const attachment = (policyArn: string, principal = 'ingest'): Attachment => ({
  principal: { type: 'role', name: principal },
  policyArn,
  account: '123456789012',
  actor: {
    type: 'IAMUser',
    arn: 'arn:aws:iam::123456789012:user/alice',
    issuerArn: null,
    invokedBy: null,
    sourceIp: null,
    userAgent: null,
  },
  errorCode: null,
});

describe('policy names, whatever their letter case', () => {
  it.each([
    ['awsgreengrassfullaccess', 'aws-iot', true],
    ['AWSGREENGRASSFULLACCESS', 'aws-iot', true],
    ['awsiotdataaccess', 'seed', true],
    ['service-role/awsiotlogging', 'seed', true],
    // The path stays exact: a policy under another path is not the seed policy.
    ['Service-Role/AWSIoTLogging', 'seed', false],
    ['awsiotlogging', 'seed', false],
  ] as const)('%s is governed under %s: %s', (name, scope, governed) => {
    expect(isGoverned(iot(name), scope)).toBe(governed);
  });

  const list = parseAllowlist(
    `version: 1
mode: remediate
modes:
  AWSIoTConfigReadOnlyAccess: alert
  arn:aws:iam::aws:policy/AWSIoTDataAccess: alert
allow:
  - policy: AWSIoTFullAccess
    principal: role/ingest
    reason: test
  - policy: arn:aws:iam::aws:policy/service-role/AWSIoTLogging
    principal: role/logging
    reason: test
`,
    'case.yml',
  );

  it.each([
    ['a name key', 'awsiotconfigreadonlyaccess'],
    ['an ARN key', 'AWSIOTDATAACCESS'],
  ])('gets the modes override of %s', (_case, name) => {
    expect(decide(attachment(iot(name)), list, { now: NOW })).toMatchObject({ verdict: 'violation', action: 'alert' });
  });

  it('is allowed by the entry for the policy it names, by name or by ARN', () => {
    expect(decide(attachment(iot('awsiotfullaccess')), list, { now: NOW }).verdict).toBe('allowed');
    expect(decide(attachment(iot('service-role/awsIoTLogging'), 'logging'), list, { now: NOW }).verdict).toBe(
      'allowed',
    );
    // ARN entries stay exact in partition and path.
    expect(decide(attachment(iot('service-role/awsIoTLogging', 'aws-cn'), 'logging'), list, { now: NOW }).verdict).toBe(
      'violation',
    );
    expect(decide(attachment(iot('awsIoTLogging'), 'logging'), list, { now: NOW }).verdict).toBe('violation');
  });

  it('in the allowlist too: a name in any case is that policy, and two spellings with different modes conflict', () => {
    const lower = parseAllowlist(
      'version: 1\nallow:\n  - policy: awsiotfullaccess\n    principal: role/ingest\n    reason: test\n',
      'lower.yml',
    );
    expect(decide(attachment(iot('AWSIoTFullAccess')), lower, { now: NOW }).verdict).toBe('allowed');
    expect(() =>
      parseAllowlist('version: 1\nmodes:\n  AWSIoTFullAccess: alert\n  awsiotfullaccess: remediate\n', 'conflict.yml'),
    ).toThrow(AllowlistError);
    expect(() =>
      parseAllowlist('version: 1\nmodes:\n  AWSIoTFullAccess: alert\n  awsiotfullaccess: remediate\n', 'conflict.yml'),
    ).toThrow(/conflicts with "AWSIoTFullAccess"/);
  });
});
