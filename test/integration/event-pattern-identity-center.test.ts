// Proves attach-guard's IAM Identity Center pattern by behaviour, as event-pattern.test.ts does for the IAM rule: the
// pattern is taken from the packaged CloudFormation template (remediate mode, identityCenterRegion=us-east-1), put on a
// rule in moto's EventBridge with an SQS target, and fed real-shaped CloudTrail events. Every governed permission-set
// attach must arrive; non-IoT policies, other Identity Center calls, IAM's attach calls and other sources must not.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CATALOG, SEED_POLICIES, governedArns, isGoverned } from '../../functions/core/catalog.js';
import { packageStack, substitutePseudoParameters } from '../../scripts/package-stack.js';
import { fixture } from '../support/fixtures.js';
import { describeWithEmulator } from './helpers/emulator.js';
import {
  cloudTrailEvent,
  createPatternRule,
  type PatternCase as Case,
  type PatternRule,
} from './helpers/pattern-rule.js';

type Json = Record<string, unknown>;

/** The detail of an EventBridge "AWS API Call via CloudTrail" event of AttachManagedPolicyToPermissionSet. */
const BASE_DETAIL = fixture('AttachManagedPolicyToPermissionSet.eventbridge-full-access').detail as Json;
const IAM_DETAIL = fixture('AttachRolePolicy.eventbridge-full-access').detail as Json;

const INSTANCES = ['ssoins-6804a1b2c3d4e5f6', 'ssoins-69875a1e2b3c4d5e'] as const;
const PERMISSION_SETS = ['ps-3a7c9e1f5b2d4a6c', 'ps-b1c2d3e4f5a6b7c8', 'ps-9d8c7b6a5f4e3d2c'] as const;

/** A CloudTrail record as EventBridge puts it on a bus, under source aws.sso unless told. */
const ssoEvent = (id: string, detail: Json, options: { source?: string; detailType?: string } = {}): Case =>
  cloudTrailEvent(id, detail, { source: 'aws.sso', ...options });

/** AttachManagedPolicyToPermissionSet of `policyArn` to the i-th permission set (instance and permission set vary). */
function attach(id: string, policyArn: string, i = 0, extra: Json = {}): Case {
  const instance = INSTANCES[i % INSTANCES.length]!;
  const permissionSet = PERMISSION_SETS[i % PERMISSION_SETS.length]!;
  return ssoEvent(id, {
    ...BASE_DETAIL,
    requestParameters: {
      instanceArn: `arn:aws:sso:::instance/${instance}`,
      permissionSetArn: `arn:aws:sso:::permissionSet/${instance}/${permissionSet}`,
      managedPolicyArn: policyArn,
    },
    ...extra,
  });
}

const name = (arn: string): string => arn.slice(arn.indexOf(':policy/') + ':policy/'.length);

const FUTURE_IOT_POLICIES = [
  'arn:aws:iam::aws:policy/AWSIoTFutureServiceFullAccess',
  'arn:aws:iam::aws:policy/service-role/AWSIoTFutureServiceRole',
  'arn:aws:iam::aws:policy/aws-service-role/AWSIotFutureServiceRolePolicy',
];

const OTHER_POLICIES = [
  'arn:aws:iam::aws:policy/AdministratorAccess',
  'arn:aws:iam::aws:policy/job-function/SystemAdministrator',
  'arn:aws:iam::aws:policy/AmazonS3FullAccess',
  'arn:aws:iam::aws:policy/ReadOnlyAccess',
  'arn:aws:iam::aws:policy/AWSAuditManagerAdministratorAccess',
  'arn:aws:iam::aws:policy/NotAWSIoTFullAccess',
  'arn:aws:iam::aws:policy/service-role/AWSConfigRole',
  'arn:aws:iam::111122223333:policy/AWSIoTFullAccess',
  'arn:aws:iam::111122223333:policy/service-role/AWSIoTLogging',
  'arn:aws-cn:iam::aws:policy/AWSIoTFullAccess',
];

const GOVERNED = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';

const MUST_ARRIVE: Case[] = [
  // The ten seed policies, each on three permission sets of two instances.
  ...governedArns('seed').flatMap((arn) => PERMISSION_SETS.map((_, i) => attach(`seed ${i} ${name(arn)}`, arn, i))),
  // Every catalog policy, Greengrass and FreeRTOS included, at its exact path.
  ...governedArns('aws-iot').map((arn, i) => attach(`catalog ${name(arn)}`, arn, i)),
  // Policies AWS adds later, recognised by their name.
  ...FUTURE_IOT_POLICIES.map((arn, i) => attach(`future ${name(arn)}`, arn, i)),
  // A failed call that still names its policy: the function decides what a failed attempt gets.
  attach('failed call with parameters', GOVERNED, 1, {
    errorCode: 'ConflictException',
    errorMessage: 'The permission set is being provisioned.',
  }),
  // Another Region and account than the fixture's (the event arrives where Identity Center is enabled).
  attach('other region and account', GOVERNED, 2, { awsRegion: 'ap-southeast-2', recipientAccountId: '444455556666' }),
  // The fixtures, as recorded.
  ssoEvent('AttachManagedPolicyToPermissionSet.eventbridge-full-access', BASE_DETAIL),
  ssoEvent(
    'AttachManagedPolicyToPermissionSet.record-console-service-role-path',
    fixture('AttachManagedPolicyToPermissionSet.record-console-service-role-path'),
  ),
];

const MUST_NOT_ARRIVE: Case[] = [
  // Other policies, AWS managed or customer managed (whatever their names), and another partition.
  ...OTHER_POLICIES.map((arn, i) => attach(`other ${arn}`, arn, i)),
  ssoEvent(
    'AttachManagedPolicyToPermissionSet.record-not-iot',
    fixture('AttachManagedPolicyToPermissionSet.record-not-iot'),
  ),
  // A failed call CloudTrail recorded without parameters: nothing to decide on.
  ssoEvent(
    'AttachManagedPolicyToPermissionSet.record-access-denied',
    fixture('AttachManagedPolicyToPermissionSet.record-access-denied'),
  ),
  // Other Identity Center calls, also naming a governed policy (the guard's own detach among them).
  ssoEvent('DetachManagedPolicyFromPermissionSet.record', fixture('DetachManagedPolicyFromPermissionSet.record')),
  ...[
    'DetachManagedPolicyFromPermissionSet',
    'AttachCustomerManagedPolicyReferenceToPermissionSet',
    'ProvisionPermissionSet',
    'CreatePermissionSet',
  ].map((eventName) => attach(`call ${eventName}`, GOVERNED, 0, { eventName })),
  // The policy under IAM's field name instead of Identity Center's.
  ssoEvent('policyArn instead of managedPolicyArn', {
    ...BASE_DETAIL,
    requestParameters: { ...(BASE_DETAIL.requestParameters as Json), managedPolicyArn: undefined, policyArn: GOVERNED },
  }),
  // IAM's attach calls: the IAM rule's events, not this one's.
  ssoEvent('AttachRolePolicy.eventbridge-full-access', IAM_DETAIL, { source: 'aws.iam' }),
  ssoEvent('AttachUserPolicy.record-eventversion-1.11', fixture('AttachUserPolicy.record-eventversion-1.11'), {
    source: 'aws.iam',
  }),
  ssoEvent('IAM attach under source aws.sso', IAM_DETAIL),
  ssoEvent('permission-set attach under source aws.iam', BASE_DETAIL, { source: 'aws.iam' }),
  // Other sources: a look-alike eventSource, another service, another detail type.
  ssoEvent('eventSource identitystore', { ...BASE_DETAIL, eventSource: 'identitystore.amazonaws.com' }),
  ssoEvent('eventSource sso-directory', { ...BASE_DETAIL, eventSource: 'sso-directory.amazonaws.com' }),
  ssoEvent('source aws.sso-directory', BASE_DETAIL, { source: 'aws.sso-directory' }),
  ssoEvent('PutObject.record-s3', fixture('PutObject.record-s3'), { source: 'aws.s3' }),
  ssoEvent('detail-type service event', BASE_DETAIL, { detailType: 'AWS Service Event via CloudTrail' }),
];

describeWithEmulator('attach-guard IAM Identity Center event pattern (packaged template, moto EventBridge)', () => {
  let pattern: unknown;
  let rule: PatternRule;
  const packageDir = join(tmpdir(), `iot-policy-guard-event-pattern-idc-${process.pid}`);

  beforeAll(async () => {
    const { template } = await packageStack(packageDir, { mode: 'remediate', identityCenterRegion: 'us-east-1' });
    rmSync(packageDir, { recursive: true, force: true });
    // The rule exists: its condition is the parameter, set (osls has put the value in as a literal).
    expect(template.Conditions?.HasIdentityCenter).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['us-east-1', ''] }] });
    const rules = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::Events::Rule' && r.Condition === 'HasIdentityCenter',
    );
    expect(rules).toHaveLength(1);
    pattern = substitutePseudoParameters(rules[0]?.Properties?.EventPattern);
    expect(pattern).toMatchObject({ source: ['aws.sso'] });

    rule = await createPatternRule(pattern, 'attach-ps');
  }, 180_000);

  afterAll(async () => {
    await rule?.remove();
  });

  it('has cases that agree with the catalog: governed policies arrive, others do not', () => {
    const arnOf = (c: Case): unknown =>
      (JSON.parse(c.entry.Detail ?? '{}') as { requestParameters?: { managedPolicyArn?: unknown } }).requestParameters
        ?.managedPolicyArn;
    expect(SEED_POLICIES).toHaveLength(10);
    expect(MUST_ARRIVE.length).toBeGreaterThan(CATALOG.length + 30);
    for (const c of MUST_ARRIVE) expect(isGoverned(arnOf(c) as string, 'aws-iot'), c.id).toBe(true);
    for (const arn of OTHER_POLICIES) expect(isGoverned(arn, 'aws-iot') && arn.startsWith('arn:aws:'), arn).toBe(false);
    expect(new Set([...MUST_ARRIVE, ...MUST_NOT_ARRIVE].map((c) => c.id)).size).toBe(
      MUST_ARRIVE.length + MUST_NOT_ARRIVE.length,
    );
  });

  it('delivers every governed permission-set attach and nothing else', async () => {
    const arrived = await rule.route([...MUST_ARRIVE, ...MUST_NOT_ARRIVE], MUST_ARRIVE.length);
    expect(arrived).toEqual(MUST_ARRIVE.map((c) => c.id).sort());
  });
});
