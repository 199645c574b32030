// Every packaging variant of the stack, checked against the CloudFormation resource specification: what moto's
// CloudFormation only creates as placeholders (alarms, subscriptions, resource policies, the trail,
// EventInvokeConfig, EventBusPolicy) is checked here instead.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageStack } from '../../scripts/package-stack.js';
import { specification, specProblems } from '../support/cfn-spec.js';

const ORGANIZATION = {
  organizationId: 'o-abcdefghij',
  memberRoleName: 'iot-policy-guard-remediation',
  memberExternalId: 'org-guard-secret',
  sweepAccounts: '222222222222,333333333333',
};
const VARIANTS: Record<string, Record<string, string>> = {
  'alert (defaults)': {},
  'dry-run': { mode: 'dry-run' },
  'remediate with every optional parameter': {
    mode: 'remediate',
    alertEmail: 'secops@example.com',
    findingsBus: 'security-findings',
    createTrail: 'true',
    identityCenterRegion: 'eu-west-1',
    sweepSchedule: 'cron(15 * * * ? *)',
    chatTopic: 'true',
    ...ORGANIZATION,
  },
  'alert with Identity Center and an organization': { identityCenterRegion: 'us-east-1', ...ORGANIZATION },
};

const root = join(tmpdir(), `iot-policy-guard-spec-${process.pid}`);

describe('the packaged template against the CloudFormation resource specification', () => {
  it.each(Object.entries(VARIANTS))(
    '%s: known types and properties, value types, required properties, Ref/GetAtt/Sub targets',
    async (name, params) => {
      const [{ template }, db] = await Promise.all([
        packageStack(join(root, name.replace(/\W+/g, '-')), params),
        specification(),
      ]);
      expect(Object.keys(template.Resources).length).toBeGreaterThan(20);
      expect(specProblems(template, db)).toEqual([]);
    },
    180_000,
  );

  it('reports what it is there to catch', async () => {
    const db = await specification();
    const broken = {
      Resources: {
        Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'x', KmsKeyID: 'alias/aws/sns' } },
        Alarm: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: { EvaluationPeriods: 'two', AlarmActions: [{ Ref: 'Topic' }] },
        },
        Policy: {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: { PolicyDocument: {}, Queues: { 'Fn::GetAtt': ['Topic', 'QueueUrl'] } },
        },
        Sub: {
          Type: 'AWS::SNS::Subscription',
          Properties: { Protocol: 'email', TopicArn: { 'Fn::Sub': '${Missing.Arn}' }, Endpoint: { Ref: 'Nowhere' } },
        },
        Permission: {
          Type: 'AWS::Lambda::Permission',
          Properties: { FunctionName: 'f', Principal: 'events.amazonaws.com' },
        },
        Odd: { Type: 'AWS::SNS::Topix', Properties: {} },
      },
    };
    expect(specProblems(broken, db).map((line) => line.replace(/ \((known:|it has) .*\)$/, ''))).toEqual([
      'Odd: unknown resource type AWS::SNS::Topix',
      'Topic (AWS::SNS::Topic): unknown property KmsKeyID',
      'Alarm (AWS::CloudWatch::Alarm).EvaluationPeriods: expected integer, got "two"',
      'Policy: Topic (AWS::SNS::Topic) has no attribute QueueUrl',
      'Sub: Fn::GetAtt of unknown resource Missing',
      'Sub: Ref to unknown Nowhere',
      'Permission (AWS::Lambda::Permission): required property Action is missing',
    ]);
  });
});
