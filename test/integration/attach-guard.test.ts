// attach-guard end to end against moto: the real handler module, the real SDK clients, real IAM state and a real
// SNS topic whose alerts are read back from an SQS subscription.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { SEED_POLICIES } from '../../functions/core/catalog.js';
import { awsManagedPolicyArn } from '../../functions/core/arn.js';
import type { Alert } from '../../functions/core/alert.js';
import type { PrincipalType } from '../../functions/core/types.js';
import { fixture, fresh } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';
import {
  awsClientConfig,
  createSqsQueueSubscribedToTopic,
  describeWithEmulator,
  motoEndpoint,
  receiveAll,
  snsEnvelope,
  uniqueName,
} from './helpers/emulator.js';

const SEED_ARNS = SEED_POLICIES.map((p) => awsManagedPolicyArn(p.path, p.name));
const TYPES: Exclude<PrincipalType, 'permission-set'>[] = ['user', 'role', 'group'];
const validateAlert = new Ajv2020({ allErrors: true }).compile(
  JSON.parse(readFileSync('infra/alert.schema.json', 'utf8')),
);
const context = lambdaContext('attach-guard');

type Handler = (event: unknown, context: Context) => Promise<{ outcome: string | null }>;

describeWithEmulator('attach-guard against moto', () => {
  const prefix = uniqueName('ag');
  const name = (type: PrincipalType, kind: 'ok' | 'bad') => `${prefix}-${type}-${kind}`;
  let iam: IAMClient;
  let queueUrl: string;
  let handler: Handler;
  const saved = { ...process.env };

  beforeAll(async () => {
    iam = new IAMClient(awsClientConfig());
    const sns = new SNSClient(awsClientConfig());
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `${prefix}-alerts` }));
    ({ queueUrl } = await createSqsQueueSubscribedToTopic(TopicArn!));

    // Every "-ok" principal may hold any governed policy; every "-bad" one may hold none.
    const dir = mkdtempSync(join(tmpdir(), 'ipg-ag-'));
    const allowlist = join(dir, 'allowlist.yml');
    writeFileSync(
      allowlist,
      'version: 1\nmode: remediate\nscope: seed\nallow:\n' +
        TYPES.map((t) => `  - policy: "*"\n    principal: ${t}/${prefix}-${t}-ok\n    reason: integration test\n`).join(
          '',
        ),
    );

    for (const kind of ['ok', 'bad'] as const) {
      await iam.send(new CreateUserCommand({ UserName: name('user', kind) }));
      await iam.send(new CreateGroupCommand({ GroupName: name('group', kind) }));
      await iam.send(
        new CreateRoleCommand({
          RoleName: name('role', kind),
          AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
        }),
      );
      for (const arn of SEED_ARNS) {
        for (const type of ['user', 'group', 'role'] as const) await attach(iam, type, name(type, kind), arn);
      }
    }

    Object.assign(process.env, {
      AWS_ENDPOINT_URL: motoEndpoint()!,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      ALERT_TOPIC_ARN: TopicArn!,
      ALLOWLIST_PATH: allowlist,
      LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    delete process.env.GUARD_MODE;
    vi.resetModules();
    ({ handler } = (await import('../../functions/attach-guard/handler.js')) as unknown as { handler: Handler });
  });

  afterAll(() => {
    process.env = saved;
  });

  it(
    'reverts every forbidden attachment of the ten seed ' + 'policies, keeps the allowed ones, and alerts for each',
    async () => {
      const outcomes: string[] = [];
      for (const type of TYPES) {
        for (const kind of ['ok', 'bad'] as const) {
          for (const arn of SEED_ARNS)
            outcomes.push(`${kind}:${(await handler(attachEvent(type, name(type, kind), arn), context)).outcome}`);
        }
      }
      expect(outcomes.filter((o) => o === 'bad:reverted')).toHaveLength(30);
      expect(outcomes.filter((o) => o === 'ok:null')).toHaveLength(30);

      for (const type of TYPES) {
        expect(await attached(iam, type, name(type, 'ok'))).toEqual([...SEED_ARNS].sort());
        expect(await attached(iam, type, name(type, 'bad'))).toEqual([]);
      }

      const messages = await receiveAll(queueUrl, { expect: 30, timeoutMs: 20_000 });
      expect(messages).toHaveLength(30);
      const seen = new Set<string>();
      for (const message of messages) {
        const envelope = snsEnvelope(message);
        const alert = JSON.parse(envelope.Message) as Alert;
        expect(validateAlert(alert), JSON.stringify(validateAlert.errors)).toBe(true);
        expect(alert).toMatchObject({
          verdict: 'violation',
          action: 'remediate',
          outcome: 'reverted',
          mode: 'remediate',
          account: '123456789012',
        });
        expect(alert.principal.name).toBe(name(alert.principal.type, 'bad'));
        // Long test names are shortened with an ellipsis to keep the subject under 100 characters.
        const full =
          `IoT policy ${alert.policyName} on ${alert.principal.type}/${alert.principal.name} ` +
          `(123456789012): reverted`;
        expect(envelope.Subject).toEqual(
          full.length < 100
            ? full
            : expect.stringMatching(
                new RegExp(
                  `^IoT policy ${alert.policyName} on ${alert.principal.type}/ag-.*… \\(123456789012\\): reverted$`,
                ),
              ),
        );
        expect(envelope.Subject!.length).toBeLessThan(100);
        expect(envelope.MessageAttributes).toMatchObject({
          outcome: { Type: 'String', Value: 'reverted' },
          policyName: { Type: 'String', Value: alert.policyName },
          account: { Type: 'String', Value: '123456789012' },
          severity: { Type: 'String', Value: /ReadOnly/.test(alert.policyName) ? 'low' : 'high' },
        });
        seen.add(`${alert.principal.type}/${alert.policyArn}`);
      }
      expect(seen.size).toBe(30);
    },
  );

  it('a duplicate delivery of the same event is "already-detached", not an error', async () => {
    const role = `${prefix}-dup`;
    await iam.send(
      new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }),
    );
    const arn = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';
    await attach(iam, 'role', role, arn);
    const event = attachEvent('role', role, arn);
    expect((await handler(event, context)).outcome).toBe('reverted');
    expect((await handler(structuredClone(event), context)).outcome).toBe('already-detached');
    expect(await attached(iam, 'role', role)).toEqual([]);
    const alerts = (await receiveAll(queueUrl, { expect: 2 })).map((m) => JSON.parse(snsEnvelope(m).Message) as Alert);
    expect(alerts.map((a) => a.outcome).sort()).toEqual(['already-detached', 'reverted']);
  });

  it('a customer managed policy that shares an IoT name is left alone', async () => {
    const role = `${prefix}-cust`;
    await iam.send(
      new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }),
    );
    expect(
      (await handler(attachEvent('role', role, 'arn:aws:iam::123456789012:policy/AWSIoTFullAccess'), context)).outcome,
    ).toBeNull();
  });
});

async function attach(iam: IAMClient, type: PrincipalType, principal: string, PolicyArn: string): Promise<void> {
  if (type === 'user') await iam.send(new AttachUserPolicyCommand({ UserName: principal, PolicyArn }));
  if (type === 'role') await iam.send(new AttachRolePolicyCommand({ RoleName: principal, PolicyArn }));
  if (type === 'group') await iam.send(new AttachGroupPolicyCommand({ GroupName: principal, PolicyArn }));
}

async function attached(iam: IAMClient, type: PrincipalType, principal: string): Promise<string[]> {
  const out =
    type === 'user'
      ? await iam.send(new ListAttachedUserPoliciesCommand({ UserName: principal }))
      : type === 'role'
        ? await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: principal }))
        : await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: principal }));
  return (out.AttachedPolicies ?? []).map((p) => p.PolicyArn!).sort();
}

/** A real-shaped EventBridge delivery of an attach call, from the fixture, for this principal and policy. */
function attachEvent(type: Exclude<PrincipalType, 'permission-set'>, principal: string, policyArn: string): unknown {
  const event = fixture<{ id: string; detail: Record<string, unknown> }>('AttachRolePolicy.eventbridge-full-access');
  const eventName = { user: 'AttachUserPolicy', role: 'AttachRolePolicy', group: 'AttachGroupPolicy' }[type];
  event.id = crypto.randomUUID();
  event.detail.eventID = crypto.randomUUID();
  event.detail.eventName = eventName;
  event.detail.requestParameters = { [`${type}Name`]: principal, policyArn };
  return fresh(event);
}
