import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  attachEventPattern,
  detachPolicyStatements,
  listPolicyStatements,
  permissionSetEventPattern,
  toCloudFormation,
} from '../../infra/governed-policies.js';
import { renderMemberTemplate } from '../../infra/member-account.js';
import { MEMBER_RULE_NAMES, TAMPER_EVENTS } from '../../infra/tamper.js';

const text = readFileSync('infra/member-account.yml', 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: the tests walk CloudFormation properties of every shape
type Resource = { Type: string; Condition?: string; Properties: Record<string, any> };
const template = parse(text, { version: '1.1' }) as {
  Parameters: Record<string, Record<string, unknown>>;
  Conditions: Record<string, unknown>;
  Resources: Record<string, Resource>;
};
const CENTRAL_BUS = {
  'Fn::Sub': 'arn:${AWS::Partition}:events:us-east-1:${CentralAccountId}:event-bus/${CentralEventBusName}',
};
const DEAD_LETTERS = { Arn: { 'Fn::GetAtt': ['ForwardDeadLetterQueue', 'Arn'] } };

/**
 * The resources a stack instance in `region` creates, with the parameter IdentityCenterRegion (CloudFormation's
 * conditions).
 */
function created(region: string, identityCenterRegion = ''): string[] {
  const value = (expr: unknown): unknown => {
    if (expr === null || typeof expr !== 'object') return expr;
    const [[op, arg]] = Object.entries(expr) as [[string, unknown]];
    if (op === 'Ref')
      return arg === 'AWS::Region'
        ? region
        : arg === 'IdentityCenterRegion'
          ? identityCenterRegion
          : `(${String(arg)})`;
    const args = arg as unknown[];
    if (op === 'Fn::Equals') return value(args[0]) === value(args[1]);
    if (op === 'Fn::Or') return args.some((a) => value(a) === true);
    if (op === 'Fn::And') return args.every((a) => value(a) === true);
    if (op === 'Fn::Not') return value(args[0]) !== true;
    if (op === 'Condition') return value(template.Conditions[arg as string]);
    throw new Error(`cannot evaluate ${op}`);
  };
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Condition === undefined || value(template.Conditions[r.Condition]) === true)
    .map(([id]) => id)
    .sort();
}

describe('infra/member-account.yml (StackSet template for member accounts)', () => {
  it('is what infra/member-account.ts generates from the catalog (run `npm run member-template`)', () => {
    expect(text).toBe(renderMemberTemplate());
  });

  it("forwards exactly the central rule's events to the central bus, from us-east-1 only", () => {
    const rule = template.Resources.ForwardRule!;
    expect(rule.Condition).toBe('InUsEast1');
    expect(rule.Properties.EventPattern).toEqual(toCloudFormation(attachEventPattern()));
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: CENTRAL_BUS, RoleArn: { 'Fn::GetAtt': ['ForwardRole', 'Arn'] } }),
    ]);
    const put = template.Resources.ForwardRole!.Properties.Policies[0].PolicyDocument.Statement;
    expect(put).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: rule.Properties.Targets[0].Arn }]);
  });

  it(
    'forwards governed permission-set attaches to the central ' +
      'bus in us-east-1, from the Identity Center Region only',
    () => {
      const rule = template.Resources.IdentityCenterForwardRule!;
      expect(rule.Type).toBe('AWS::Events::Rule');
      expect(rule.Condition).toBe('InIdentityCenterRegion');
      expect(template.Conditions.InIdentityCenterRegion).toEqual({
        'Fn::Equals': [{ Ref: 'AWS::Region' }, { Ref: 'IdentityCenterRegion' }],
      });
      // The central stack's Identity Center rule's own pattern, with the IAM rule's policy matchers.
      expect(rule.Properties.EventPattern).toEqual(toCloudFormation(permissionSetEventPattern()));
      expect(rule.Properties.EventPattern.source).toEqual(['aws.sso']);
      expect(rule.Properties.EventPattern.detail.requestParameters.managedPolicyArn).toEqual(
        template.Resources.ForwardRule!.Properties.EventPattern.detail.requestParameters.policyArn,
      );
      expect(rule.Properties.EventBusName).toBe('default');
      expect(rule.Properties.Targets).toEqual([
        {
          Id: 'central-bus',
          Arn: CENTRAL_BUS,
          RoleArn: { 'Fn::GetAtt': ['ForwardRole', 'Arn'] },
          DeadLetterConfig: DEAD_LETTERS,
        },
      ]);
    },
  );

  it('takes IdentityCenterRegion as an optional Region name', () => {
    const parameter = template.Parameters.IdentityCenterRegion!;
    expect(parameter).toMatchObject({ Type: 'String', Default: '' });
    const pattern = new RegExp(String(parameter.AllowedPattern));
    for (const ok of ['', 'eu-west-1', 'us-east-1', 'us-gov-west-1', 'cn-north-1'])
      expect(pattern.test(ok), ok).toBe(true);
    for (const bad of ['eu-west', 'Ireland', 'eu-west-1 ', 'EU-WEST-1']) expect(pattern.test(bad), bad).toBe(false);
  });

  it('creates the forwarding role wherever a rule forwards, under a generated name, so no two instances clash', () => {
    const role = template.Resources.ForwardRole!;
    expect(role.Condition).toBe('Forwards');
    expect(template.Conditions.Forwards).toEqual({
      'Fn::Or': [{ Condition: 'InUsEast1' }, { Condition: 'InIdentityCenterRegion' }],
    });
    // IAM roles are global: a fixed name would collide between the us-east-1 and the Identity Center Region instances.
    expect(role.Properties.RoleName).toBeUndefined();
    const queue = ['ForwardDeadLetterQueue', 'ForwardDeadLetterQueuePolicy'];
    expect(created('us-east-1')).toEqual([
      ...queue,
      'ForwardRole',
      'ForwardRule',
      'ReadRole',
      'RemediationRole',
      'TamperForwardRule',
    ]);
    expect(created('eu-west-1')).toEqual([]);
    expect(created('eu-west-1', 'eu-west-1')).toEqual([...queue, 'ForwardRole', 'IdentityCenterForwardRule']);
    expect(created('us-east-1', 'eu-west-1')).toEqual([
      ...queue,
      'ForwardRole',
      'ForwardRule',
      'ReadRole',
      'RemediationRole',
      'TamperForwardRule',
    ]);
    expect(created('us-east-1', 'us-east-1')).toEqual([
      ...queue,
      'ForwardRole',
      'ForwardRule',
      'IdentityCenterForwardRule',
      'ReadRole',
      'RemediationRole',
      'TamperForwardRule',
    ]);
    expect(created('ap-southeast-2', 'eu-west-1')).toEqual([]);
  });

  it('lets only the central function roles assume the remediation role, and only with the external id', () => {
    const role = template.Resources.RemediationRole!;
    expect(role.Condition).toBe('InUsEast1');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'CentralFunctionRoleArns' } },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
      },
    ]);
    expect(template.Parameters.ExternalId).toMatchObject({ NoEcho: true });
  });

  it(
    'grants the remediation role the same narrow detach as ' + 'the central functions, plus listing, and nothing else',
    () => {
      const statements = template.Resources.RemediationRole!.Properties.Policies[0].PolicyDocument.Statement as {
        Action: string[];
        Resource: unknown;
        Condition?: unknown;
      }[];
      expect(statements.filter((s) => s.Action.some((a) => a.startsWith('iam:Detach')))).toEqual(
        toCloudFormation(detachPolicyStatements()),
      );
      const actions = new Set(statements.flatMap((s) => s.Action));
      expect([...actions].sort()).toEqual([
        'iam:DetachGroupPolicy',
        'iam:DetachRolePolicy',
        'iam:DetachUserPolicy',
        'iam:ListEntitiesForPolicy',
        'iam:ListPolicies',
      ]);
      // The sweep of a member account runs under this role: the same two reads as the sweep's own role.
      expect(statements.filter((s) => s.Action.some((a) => a.startsWith('iam:List')))).toEqual(
        toCloudFormation(listPolicyStatements()),
      );
      for (const s of statements) {
        expect(s.Action.some((a) => a.includes('*'))).toBe(false);
        // iam:ListPolicies has no resource type: "*", alone in its statement.
        if (JSON.stringify(s.Resource).includes('"*"'))
          expect([s.Action, s.Resource]).toEqual([['iam:ListPolicies'], ['*']]);
      }
      expect(JSON.stringify(statements)).not.toContain('AdministratorAccess');
    },
  );

  it(
    'creates, in every mode, a read-only role named <RemediationRoleName>-read ' +
      'that the central functions assume with the external id',
    () => {
      const role = template.Resources.ReadRole!;
      expect(role.Condition).toBe('InUsEast1');
      expect(role.Properties.RoleName).toEqual({ 'Fn::Sub': '${RemediationRoleName}-read' });
      // The same trust as the remediation role: the central function roles, with the external id.
      expect(role.Properties.AssumeRolePolicyDocument).toEqual(
        template.Resources.RemediationRole!.Properties.AssumeRolePolicyDocument,
      );
      const statements = role.Properties.Policies[0].PolicyDocument.Statement as {
        Sid: string;
        Action: string[];
        Resource: unknown;
      }[];
      // Exactly the sweep's reads, as the central sweep role has them, and nothing else.
      expect(statements).toEqual(toCloudFormation(listPolicyStatements()));
      expect([...new Set(statements.flatMap((s) => s.Action))].sort()).toEqual([
        'iam:ListEntitiesForPolicy',
        'iam:ListPolicies',
      ]);
      // Room for the suffix within IAM's 64 characters.
      const pattern = new RegExp(String(template.Parameters.RemediationRoleName!.AllowedPattern));
      expect(pattern.test('r'.repeat(59))).toBe(true);
      expect(pattern.test('r'.repeat(60))).toBe(false);
    },
  );

  it(
    'forwards its own tamper events (forwarding rules, ' + 'remediation, read and forwarding roles) to the central bus',
    () => {
      const rule = template.Resources.TamperForwardRule!;
      expect(rule.Condition).toBe('InUsEast1');
      expect(rule.Properties.Name).toBe(MEMBER_RULE_NAMES[2]);
      expect(rule.Properties.Targets).toEqual([
        {
          Id: 'central-bus',
          Arn: CENTRAL_BUS,
          RoleArn: { 'Fn::GetAtt': ['ForwardRole', 'Arn'] },
          DeadLetterConfig: DEAD_LETTERS,
        },
      ]);
      const pattern = rule.Properties.EventPattern as {
        'detail-type': string[];
        $or: {
          source: string[];
          detail: { eventName: string[]; errorCode: unknown; requestParameters: Record<string, unknown[]> };
        }[];
      };
      expect(pattern['detail-type']).toEqual(['AWS API Call via CloudTrail']);
      const names = [
        template.Resources.ForwardRule!.Properties.Name,
        template.Resources.IdentityCenterForwardRule!.Properties.Name,
        rule.Properties.Name,
      ];
      expect(pattern.$or).toEqual([
        expect.objectContaining({
          source: ['aws.events'],
          detail: expect.objectContaining({ eventName: [...TAMPER_EVENTS.rules], requestParameters: { name: names } }),
        }),
        expect.objectContaining({
          source: ['aws.events'],
          detail: expect.objectContaining({
            eventName: [...TAMPER_EVENTS.targets],
            requestParameters: { rule: names },
          }),
        }),
        expect.objectContaining({
          source: ['aws.iam'],
          detail: expect.objectContaining({
            eventName: [...TAMPER_EVENTS.roles],
            requestParameters: {
              roleName: [
                { Ref: 'RemediationRoleName' },
                template.Resources.ReadRole!.Properties.RoleName,
                { wildcard: '*-ForwardRole-*' },
              ],
            },
          }),
        }),
      ]);
      // Successful calls only: a refused attempt changed nothing.
      for (const branch of pattern.$or) expect(branch.detail.errorCode).toEqual([{ exists: false }]);
    },
  );

  it(
    'gives every forwarding rule’s target a dead-letter queue, ' +
      'which only this account’s forwarding rules may send to',
    () => {
      const rules = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Events::Rule');
      expect(rules.map(([id]) => id)).toEqual(['ForwardRule', 'IdentityCenterForwardRule', 'TamperForwardRule']);
      for (const [id, rule] of rules) {
        expect(rule.Properties.Name, id).toMatch(/^iot-policy-guard-forward-/);
        for (const target of rule.Properties.Targets) expect(target.DeadLetterConfig, id).toEqual(DEAD_LETTERS);
      }
      const queue = template.Resources.ForwardDeadLetterQueue!;
      expect(queue.Condition).toBe('Forwards');
      expect(queue.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
      expect(template.Resources.ForwardDeadLetterQueuePolicy!.Properties.PolicyDocument.Statement).toEqual([
        {
          Sid: 'ForwardRulesSendUndelivered',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': ['ForwardDeadLetterQueue', 'Arn'] },
          Condition: {
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Sub':
                  'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/iot-policy-guard-forward-*',
              },
            },
          },
        },
      ]);
    },
  );

  it('quotes date-like strings so that YAML 1.1 readers do not take them for dates', () => {
    expect(text).toContain('AWSTemplateFormatVersion: "2010-09-09"');
    expect(text).not.toMatch(/Version: 2012-10-17/);
  });
});
