// Proves attach-guard's EventBridge pattern by behaviour: the pattern is taken from the packaged CloudFormation
// template, put on a rule in moto's EventBridge with an SQS target, and fed real-shaped CloudTrail events. Every
// governed attach must arrive and nothing else may. (moto's TestEventPattern is a stub, so it is not used.)
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

/** The detail of an EventBridge "AWS API Call via CloudTrail" event, from an envelope fixture. */
const BASE_DETAIL = fixture('AttachRolePolicy.eventbridge-full-access').detail as Json;

const PRINCIPAL_FIELD = { user: 'userName', role: 'roleName', group: 'groupName' } as const;
const ATTACH = { user: 'AttachUserPolicy', role: 'AttachRolePolicy', group: 'AttachGroupPolicy' } as const;
type PrincipalType = keyof typeof ATTACH;

function attach(id: string, type: PrincipalType, policyArn: string, extra: Json = {}): Case {
  return cloudTrailEvent(id, {
    ...BASE_DETAIL,
    eventName: ATTACH[type],
    requestParameters: { [PRINCIPAL_FIELD[type]]: `guard-test-${type}`, policyArn },
    ...extra,
  });
}

const envelopeDetail = (name: string): Json => fixture(name).detail as Json;
const TYPES: readonly PrincipalType[] = ['user', 'role', 'group'];
const name = (arn: string): string => arn.slice(arn.indexOf(':policy/') + ':policy/'.length);

const FUTURE_IOT_POLICIES = [
  'arn:aws:iam::aws:policy/AWSIoTFutureServiceFullAccess',
  'arn:aws:iam::aws:policy/service-role/AWSIoTFutureServiceRole',
  'arn:aws:iam::aws:policy/aws-service-role/AWSIotFutureServiceRolePolicy',
  'arn:aws:iam::aws:policy/AWSIoTLogging', // the fixture "wrong path": not the catalog's ARN, but an AWSIoT name
];

const OTHER_POLICIES = [
  'arn:aws:iam::aws:policy/AdministratorAccess',
  'arn:aws:iam::aws:policy/job-function/SystemAdministrator',
  'arn:aws:iam::aws:policy/AmazonS3FullAccess',
  'arn:aws:iam::aws:policy/ReadOnlyAccess',
  'arn:aws:iam::aws:policy/AWSAuditManagerAdministratorAccess',
  'arn:aws:iam::aws:policy/NotAWSIoTFullAccess',
  'arn:aws:iam::aws:policy/service-role/AWSConfigRole',
  'arn:aws:iam::123456789012:policy/AWSIoTFullAccess',
  'arn:aws:iam::123456789012:policy/service-role/AWSIoTLogging',
  'arn:aws:iam::123456789012:policy/AWSGreengrassFullAccess',
  'arn:aws-cn:iam::aws:policy/AWSIoTFullAccess',
];

const MUST_ARRIVE: Case[] = [
  // The ten seed policies, attached to each kind of principal.
  ...governedArns('seed').flatMap((arn) => TYPES.map((type) => attach(`seed ${type} ${name(arn)}`, type, arn))),
  // Every catalog policy, Greengrass and FreeRTOS included, at its exact path.
  ...governedArns('aws-iot').map((arn, i) => attach(`catalog ${name(arn)}`, TYPES[i % 3]!, arn)),
  // Policies AWS adds later, recognised by their name.
  ...FUTURE_IOT_POLICIES.map((arn, i) => attach(`future ${name(arn)}`, TYPES[i % 3]!, arn)),
  // A failed call that still names its policy: the function decides what a failed attempt gets.
  attach('failed call with parameters', 'role', 'arn:aws:iam::aws:policy/AWSIoTFullAccess', {
    errorCode: 'NoSuchEntity',
    errorMessage: 'The role with name guard-test-role cannot be found.',
  }),
  // The fixtures, as recorded.
  ...[
    'AttachRolePolicy.eventbridge-full-access',
    'AttachUserPolicy.eventbridge-assumed-role',
    'AttachGroupPolicy.eventbridge-console',
    'AttachRolePolicy.eventbridge-service-role-path',
    'AttachRolePolicy.eventbridge-via-cloudformation',
  ].map((f) => cloudTrailEvent(f, envelopeDetail(f))),
  ...[
    'AttachGroupPolicy.record-redacted',
    'AttachUserPolicy.record-eventversion-1.11',
    'AttachRolePolicy.record-eventversion-1.0',
    'AttachUserPolicy.record-response-none',
    'AttachRolePolicy.record-wrong-path',
  ].map((f) => cloudTrailEvent(f, fixture(f))),
];

const MUST_NOT_ARRIVE: Case[] = [
  // Other policies, AWS managed or customer managed (whatever their names), and another partition.
  ...OTHER_POLICIES.map((arn, i) => attach(`other ${arn}`, TYPES[i % 3]!, arn)),
  ...[
    'AttachRolePolicy.record-customer-policy-iot-name',
    'AttachRolePolicy.record-lookalike',
    'AttachRolePolicy.record-aws-cn',
  ].map((f) => cloudTrailEvent(f, fixture(f))),
  // Other calls, also on governed policies.
  cloudTrailEvent('DetachRolePolicy.record', fixture('DetachRolePolicy.record')),
  ...['DetachUserPolicy', 'DetachGroupPolicy', 'PutRolePolicy'].map((eventName) =>
    cloudTrailEvent(`call ${eventName}`, {
      ...BASE_DETAIL,
      eventName,
      requestParameters: { roleName: 'guard-test-role', policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess' },
    }),
  ),
  cloudTrailEvent('CreateRole.record', fixture('CreateRole.record')),
  // A failed call CloudTrail recorded without parameters: nothing to decide on.
  cloudTrailEvent('AttachRolePolicy.record-access-denied', fixture('AttachRolePolicy.record-access-denied')),
  // Other sources: a look-alike eventSource, another service, another detail type.
  cloudTrailEvent('AttachRolePolicy.record-not-iam-source', fixture('AttachRolePolicy.record-not-iam-source')),
  cloudTrailEvent('PutObject.record-s3', fixture('PutObject.record-s3'), { source: 'aws.s3' }),
  cloudTrailEvent('source aws.iot', BASE_DETAIL, { source: 'aws.iot' }),
  cloudTrailEvent('detail-type service event', BASE_DETAIL, { detailType: 'AWS Service Event via CloudTrail' }),
];

describeWithEmulator('attach-guard event pattern (packaged template, moto EventBridge)', () => {
  let pattern: unknown;
  let rule: PatternRule;
  const packageDir = join(tmpdir(), `iot-policy-guard-event-pattern-${process.pid}`);

  beforeAll(async () => {
    const { template } = await packageStack(packageDir);
    rmSync(packageDir, { recursive: true, force: true });
    // attach-guard's IAM rule: the one rule without a condition that invokes a function. The IAM Identity Center rule
    // exists only with identityCenterRegion (test/integration/event-pattern-identity-center.test.ts); the tamper rules
    // target the tamper topic (test/integration/tamper-routing.test.ts).
    const rules = Object.values(template.Resources).filter(
      (r) =>
        r.Type === 'AWS::Events::Rule' &&
        r.Condition === undefined &&
        JSON.stringify(r.Properties?.Targets).includes('LambdaFunction'),
    );
    expect(rules).toHaveLength(1);
    pattern = substitutePseudoParameters(rules[0]?.Properties?.EventPattern);
    expect(pattern).toMatchObject({ source: ['aws.iam'] });

    rule = await createPatternRule(pattern, 'attach-policy');
  }, 180_000);

  afterAll(async () => {
    await rule?.remove();
  });

  it('has cases that agree with the catalog: governed policies arrive, others do not', () => {
    const arnOf = (c: Case): unknown =>
      (JSON.parse(c.entry.Detail ?? '{}') as { requestParameters?: { policyArn?: unknown } }).requestParameters
        ?.policyArn;
    expect(SEED_POLICIES).toHaveLength(10);
    expect(MUST_ARRIVE.length).toBeGreaterThan(CATALOG.length + 30);
    for (const c of MUST_ARRIVE) expect(isGoverned(arnOf(c) as string, 'aws-iot'), c.id).toBe(true);
    for (const arn of OTHER_POLICIES) expect(isGoverned(arn, 'aws-iot') && arn.startsWith('arn:aws:'), arn).toBe(false);
    expect(new Set([...MUST_ARRIVE, ...MUST_NOT_ARRIVE].map((c) => c.id)).size).toBe(
      MUST_ARRIVE.length + MUST_NOT_ARRIVE.length,
    );
  });

  it('delivers every governed attach call and nothing else', async () => {
    const arrived = await rule.route([...MUST_ARRIVE, ...MUST_NOT_ARRIVE], MUST_ARRIVE.length);
    expect(arrived).toEqual(MUST_ARRIVE.map((c) => c.id).sort());
  });
});
