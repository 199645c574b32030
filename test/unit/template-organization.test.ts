// The central stack's organization settings, from the packaged template (offline, no credentials).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  checkMemberExternalId,
  checkMemberRoleName,
  checkOrganizationId,
  checkSweepAccounts,
  memberReadRoleName,
  StageParamError,
} from '../../infra/stage-params.js';
import { packageStack, type PackagedStack } from '../../scripts/package-stack.js';

const ORG = {
  memberRoleName: 'iot-policy-guard-remediation',
  memberExternalId: 'org-guard-secret',
  organizationId: 'o-abcdefghij',
  sweepAccounts: '222222222222,333333333333',
};

describe('central stack in an organization', () => {
  let single: PackagedStack;
  let org: PackagedStack;
  let alertOrg: PackagedStack;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipg-org-'));
    single = await packageStack(join(dir, 'single'));
    org = await packageStack(join(dir, 'org'), { ...ORG, mode: 'remediate' });
    alertOrg = await packageStack(join(dir, 'alert-org'), ORG);
  }, 180_000);

  const env = (stack: PackagedStack, fn: string) =>
    (stack.template.Resources[fn]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;

  it('passes the organization settings to both functions', () => {
    for (const fn of ['AttachGuardLambdaFunction', 'SweepLambdaFunction']) {
      expect(env(org, fn)).toMatchObject({
        HOME_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
        MEMBER_ROLE_NAME: ORG.memberRoleName,
        MEMBER_EXTERNAL_ID: ORG.memberExternalId,
        MEMBER_READ_ROLE_NAME: `${ORG.memberRoleName}-read`,
        // In every mode: the sweep lists member accounts through their read-only role.
        SWEEP_ACCOUNTS: ORG.sweepAccounts,
      });
      expect(env(alertOrg, fn)).toMatchObject({
        MEMBER_READ_ROLE_NAME: `${ORG.memberRoleName}-read`,
        SWEEP_ACCOUNTS: ORG.sweepAccounts,
      });
      expect(env(single, fn)).toMatchObject({ MEMBER_ROLE_NAME: '', MEMBER_READ_ROLE_NAME: '', SWEEP_ACCOUNTS: '' });
    }
  });

  it('lets the functions assume only the member remediation role, within the organization', () => {
    const policy = org.template.Resources.AssumeMemberRolePolicy!;
    // Only in remediate mode: the member role may detach, and alert and dry-run modes may detach nowhere.
    expect(policy.Condition).toBe('RemediateMembers');
    expect(org.template.Conditions!.RemediateMembers).toEqual({
      'Fn::And': [{ Condition: 'Remediate' }, { Condition: 'HasMemberRole' }],
    });
    expect(policy.Properties!.Roles).toEqual([{ Ref: 'AttachGuardRole' }, { Ref: 'SweepRole' }]);
    expect((policy.Properties!.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      {
        Sid: 'AssumeMemberRemediationRole',
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/iot-policy-guard-remediation' },
        Condition: {
          'Fn::If': [
            'HasOrganization',
            { StringEquals: { 'aws:ResourceOrgID': 'o-abcdefghij' } },
            { Ref: 'AWS::NoValue' },
          ],
        },
      },
    ]);
    // Single-account deployments: the condition is false, so the policy does not exist.
    expect(single.template.Conditions!.HasMemberRole).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
  });

  it(
    'lets the sweep assume the member read-only role in every ' +
      'mode, and the remediation role in remediate mode only',
    () => {
      for (const stack of [org, alertOrg]) {
        const policy = stack.template.Resources.AssumeMemberReadRolePolicy!;
        expect(policy.Condition).toBe('HasMemberRole');
        // attach-guard never lists: only the sweep.
        expect(policy.Properties!.Roles).toEqual([{ Ref: 'SweepRole' }]);
        expect((policy.Properties!.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
          {
            Sid: 'AssumeMemberReadRole',
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::*:role/iot-policy-guard-remediation-read' },
            Condition: {
              'Fn::If': [
                'HasOrganization',
                { StringEquals: { 'aws:ResourceOrgID': 'o-abcdefghij' } },
                { Ref: 'AWS::NoValue' },
              ],
            },
          },
        ]);
        expect(stack.template.Conditions!.HasMemberRole).toEqual({
          'Fn::Not': [{ 'Fn::Equals': ['iot-policy-guard-remediation', ''] }],
        });
      }
      // The remediation role: remediate mode only (RemediateMembers: Remediate and HasMemberRole).
      expect(alertOrg.template.Conditions!.Remediate).toEqual({ 'Fn::Equals': ['alert', 'remediate'] });
      expect(alertOrg.template.Resources.AssumeMemberRolePolicy!.Condition).toBe('RemediateMembers');
    },
  );

  it(
    'grants no IAM Identity Center permission and adds no permission-set ' +
      'rule without identityCenterRegion, even in remediate mode',
    () => {
      // Both conditions are false: Fn::Not of an equality of two empty strings.
      expect(org.template.Conditions!.HasIdentityCenter).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
      expect(org.template.Conditions!.RemediateIdentityCenter).toEqual({
        'Fn::And': [{ Condition: 'Remediate' }, { Condition: 'HasIdentityCenter' }],
      });
      expect(org.template.Resources.IdentityCenterRemediationPolicy!.Condition).toBe('RemediateIdentityCenter');
      expect(org.template.Resources.IdentityCenterRule!.Condition).toBe('HasIdentityCenter');
      for (const role of ['AttachGuardRole', 'SweepRole']) {
        const statements = (
          org.template.Resources[role]!.Properties!.Policies as { PolicyDocument: { Statement: unknown[] } }[]
        ).flatMap((p) => p.PolicyDocument.Statement);
        // Every SSO statement of the roles sits in the true branch of an Fn::If on HasIdentityCenter.
        for (const s of statements.filter((st) => JSON.stringify(st).includes('"sso:')))
          expect((s as { 'Fn::If'?: unknown[] })['Fn::If']?.[0], role).toBe('HasIdentityCenter');
      }
      for (const fn of ['AttachGuardLambdaFunction', 'SweepLambdaFunction'])
        expect(env(org, fn).IDENTITY_CENTER_REGION).toBe('');
    },
  );

  it('lets only the organization put events on the default bus', () => {
    const bus = org.template.Resources.OrganizationBusPolicy!;
    expect(bus.Condition).toBe('HasOrganization');
    expect(bus.Properties).toMatchObject({
      EventBusName: 'default',
      Statement: {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Condition: {
          StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij', 'events:detail-type': 'AWS API Call via CloudTrail' },
          // The member template's tamper events: EventBridge's (its rules) and IAM's (its roles).
          'ForAllValues:StringEquals': { 'events:source': ['aws.iam', 'aws.sso', 'aws.events'] },
        },
      },
    });
    expect(single.template.Conditions!.HasOrganization).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
  });
});

describe('organization stage parameters', () => {
  it('checks them, naming the parameter', () => {
    expect(checkOrganizationId('o-abcdefghij')).toBe('o-abcdefghij');
    expect(() => checkOrganizationId('org-1')).toThrow(/organizationId=/);
    expect(() => checkOrganizationId('', 'iot-policy-guard-remediation')).toThrow(
      /organizationId=.*is required with memberRoleName/,
    );
    expect(() => checkMemberExternalId('', 'role')).toThrow(/memberExternalId=.*is required with memberRoleName/);
    expect(() => checkMemberExternalId('x1', '')).toThrow(StageParamError);
    expect(checkSweepAccounts(' 222222222222 ,333333333333', 'r')).toBe('222222222222,333333333333');
    expect(() => checkSweepAccounts('222222222222', '')).toThrow(/needs --param="memberRoleName/);
    expect(() => checkSweepAccounts('2222', 'r')).toThrow(/12-digit account ids/);
    // The read-only role is named <memberRoleName>-read, within IAM's 64 characters.
    expect(memberReadRoleName('iot-policy-guard-remediation')).toBe('iot-policy-guard-remediation-read');
    expect(memberReadRoleName('')).toBe('');
    expect(checkMemberRoleName('r'.repeat(59))).toBe('r'.repeat(59));
    expect(() => checkMemberRoleName('r'.repeat(60))).toThrow(/memberRoleName=.*at most 59 characters .*<name>-read/);
  });
});
