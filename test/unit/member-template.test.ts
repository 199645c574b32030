import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { attachEventPattern, detachPolicyStatements, toCloudFormation } from '../../infra/governed-policies.js';
import { renderMemberTemplate } from '../../infra/member-account.js';

const text = readFileSync('infra/member-account.yml', 'utf8');
type Resource = { Type: string; Condition?: string; Properties: Record<string, any> };
const template = parse(text, { version: '1.1' }) as { Parameters: Record<string, unknown>; Resources: Record<string, Resource> };

describe('infra/member-account.yml (StackSet template for member accounts)', () => {
  it('is what infra/member-account.ts generates from the catalog (run `npm run member-template`)', () => {
    expect(text).toBe(renderMemberTemplate());
  });

  it('forwards exactly the central rule\'s events to the central bus, from us-east-1 only', () => {
    const rule = template.Resources.ForwardRule!;
    expect(rule.Condition).toBe('InUsEast1');
    expect(rule.Properties.EventPattern).toEqual(toCloudFormation(attachEventPattern()));
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::Sub': 'arn:${AWS::Partition}:events:us-east-1:${CentralAccountId}:event-bus/${CentralEventBusName}' }, RoleArn: { 'Fn::GetAtt': ['ForwardRole', 'Arn'] } }),
    ]);
    const put = template.Resources.ForwardRole!.Properties.Policies[0].PolicyDocument.Statement;
    expect(put).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: rule.Properties.Targets[0].Arn }]);
  });

  it('lets only the central function roles assume the remediation role, and only with the external id', () => {
    const role = template.Resources.RemediationRole!;
    expect(role.Condition).toBe('InUsEast1');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: { Ref: 'CentralFunctionRoleArns' } }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } } },
    ]);
    expect(template.Parameters.ExternalId).toMatchObject({ NoEcho: true });
  });

  it('grants the remediation role the same narrow detach as the central functions, plus listing, and nothing else', () => {
    const statements = template.Resources.RemediationRole!.Properties.Policies[0].PolicyDocument.Statement as { Action: string[]; Resource: unknown; Condition?: unknown }[];
    expect(statements.filter((s) => s.Action.some((a) => a.startsWith('iam:Detach')))).toEqual(toCloudFormation(detachPolicyStatements()));
    const actions = new Set(statements.flatMap((s) => s.Action));
    expect([...actions].sort()).toEqual(['iam:DetachGroupPolicy', 'iam:DetachRolePolicy', 'iam:DetachUserPolicy', 'iam:ListEntitiesForPolicy']);
    for (const s of statements) {
      expect(s.Action.some((a) => a.includes('*'))).toBe(false);
      expect(JSON.stringify(s.Resource)).not.toBe('"*"');
    }
    expect(JSON.stringify(statements)).not.toContain('AdministratorAccess');
  });

  it('quotes date-like strings so that YAML 1.1 readers do not take them for dates', () => {
    expect(text).toContain('AWSTemplateFormatVersion: "2010-09-09"');
    expect(text).not.toMatch(/Version: 2012-10-17/);
  });
});
