// Chat and the fix, end to end against moto: the real attach-guard module with CHAT_TOPIC_ARN set, real SNS topics
// read back through SQS subscriptions, real IAM; and the sweep's digest on the chat topic.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DetachRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Alert } from '../../functions/core/alert.js';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import type { ChatNotification } from '../../functions/core/chat.js';
import { runSweep } from '../../functions/guard/sweep.js';
import { fixture, fresh } from '../support/fixtures.js';
import { guardDeps } from '../support/guard.js';
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
import { attach, countingIamClient, createPrincipals, isolatedAccount, managed, role } from './sweep-account.js';

const validateChat = new Ajv2020({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync('infra/chat-notification.schema.json', 'utf8')),
);
const validateAlert = new Ajv2020({ allErrors: true }).compile(
  JSON.parse(readFileSync('infra/alert.schema.json', 'utf8')),
);
const context = lambdaContext('attach-guard');
type Handler = (event: unknown, context: Context) => Promise<{ outcome: string | null }>;
const FULL_ACCESS = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';
const CLOUDTRAIL_EVENTS = 'https://console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/';

/** The arguments a POSIX shell makes of a command line (each `aws` call's, in order). */
function shellArguments(command: string): string[][] {
  const out = execFileSync('/bin/sh', ['-c', `aws() { printf '%s\\0' "$@"; printf '\\1'; }\n${command}`], {
    encoding: 'utf8',
  });
  return out
    .split('\u0001')
    .filter((s) => s !== '')
    .map((call) => call.split('\0').slice(0, -1));
}

describeWithEmulator('chat topic and remediation command against moto', () => {
  const prefix = uniqueName('chat');
  const sns = new SNSClient(awsClientConfig());
  const iam = new IAMClient(awsClientConfig());
  const topics: string[] = [];
  let alertQueue: string;
  let chatQueue: string;
  let handler: Handler;
  const saved = { ...process.env };

  beforeAll(async () => {
    for (const name of ['alerts', 'chat'])
      topics.push((await sns.send(new CreateTopicCommand({ Name: `${prefix}-${name}` }))).TopicArn!);
    ({ queueUrl: alertQueue } = await createSqsQueueSubscribedToTopic(topics[0]!));
    ({ queueUrl: chatQueue } = await createSqsQueueSubscribedToTopic(topics[1]!));
    const dir = mkdtempSync(join(tmpdir(), 'ipg-chat-'));
    writeFileSync(join(dir, 'allowlist.yml'), 'version: 1\nmode: remediate\nscope: seed\n');
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: motoEndpoint()!,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      ALERT_TOPIC_ARN: topics[0]!,
      CHAT_TOPIC_ARN: topics[1]!,
      // As the deploy sets it from mode=alert: the allowlist's own mode (remediate) does not count.
      GUARD_MODE: 'alert',
      ALLOWLIST_PATH: join(dir, 'allowlist.yml'),
      LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    vi.resetModules();
    ({ handler } = (await import('../../functions/attach-guard/handler.js')) as unknown as { handler: Handler });
  });

  afterAll(async () => {
    process.env = saved;
    for (const TopicArn of topics) await sns.send(new DeleteTopicCommand({ TopicArn }));
  });

  it(
    'one violation in alert mode: one alert with links and the command, exactly one valid chat message; the command ' +
      'detaches it',
    async () => {
      const roleName = `${prefix}-app`;
      await iam.send(
        new CreateRoleCommand({
          RoleName: roleName,
          AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
        }),
      );
      await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: FULL_ACCESS }));
      const event = fresh(
        fixture<{ id: string; detail: Record<string, unknown> }>('AttachRolePolicy.eventbridge-full-access'),
      );
      event.detail.eventID = crypto.randomUUID();
      event.detail.requestParameters = { roleName, policyArn: FULL_ACCESS };

      expect((await handler(event, context)).outcome).toBe('alert-only');

      // Ask for more than one: a second chat message would show up here.
      const chats = await receiveAll(chatQueue, { expect: 2, timeoutMs: 5_000 });
      expect(chats).toHaveLength(1);
      const chat = JSON.parse(snsEnvelope(chats[0]!).Message) as ChatNotification;
      expect(validateChat(chat), JSON.stringify(validateChat.errors)).toBe(true);
      expect(chat.content.title).toBe(
        `:warning: IoT policy AWSIoTFullAccess on role/${roleName} (123456789012): alert-only`,
      );

      const alerts = await receiveAll(alertQueue, { expect: 2, timeoutMs: 3_000 });
      expect(alerts).toHaveLength(1);
      const alert = JSON.parse(snsEnvelope(alerts[0]!).Message) as Alert;
      expect(validateAlert(alert), JSON.stringify(validateAlert.errors)).toBe(true);
      expect(alert).toMatchObject({
        outcome: 'alert-only',
        actionSource: 'deploy-mode',
        links: {
          principal: `https://console.aws.amazon.com/iam/home#/roles/details/${roleName}`,
          event: `${CLOUDTRAIL_EVENTS}${String(event.detail.eventID)}`,
        },
        remediationCommand: `aws iam detach-role-policy --role-name ${roleName} --policy-arn ${FULL_ACCESS}`,
      });
      expect(chat.content.nextSteps).toContain(`Detach it now: \`${alert.remediationCommand}\``);

      // The command, as a shell reads it, detaches exactly that policy from exactly that role.
      const [[, operation, ...options]] = shellArguments(alert.remediationCommand!) as [[string, string, ...string[]]];
      expect(operation).toBe('detach-role-policy');
      const option = (name: string) => options[options.indexOf(name) + 1]!;
      expect(
        (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies,
      ).toHaveLength(1);
      await iam.send(
        new DetachRolePolicyCommand({ RoleName: option('--role-name'), PolicyArn: option('--policy-arn') }),
      );
      expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies).toEqual(
        [],
      );
    },
  );

  it('the sweep: its digest, and nothing else, on the chat topic', async () => {
    const account = await isolatedAccount();
    const { iam: memberIam } = countingIamClient(account.config);
    await createPrincipals(memberIam, [role('intruder')]);
    await attach(memberIam, role('intruder'), managed('AWSIoTFullAccess'));
    const deps = guardDeps({
      alertTopicArn: topics[0]!,
      chatTopicArn: topics[1]!,
      mode: 'alert',
      allowlist: parseAllowlist('version: 1\n', 'sweep.yml'),
      scope: 'seed',
    });
    // The isolated account's IAM; the topics live in the emulator's default account.
    const { published } = await runSweep(
      { account: account.accountId, partition: 'aws' },
      { ...deps, iam: memberIam, sns, identityCenter: undefined, now: () => new Date() },
    );
    expect(published).toBe(true);
    const chats = await receiveAll(chatQueue, { expect: 2, timeoutMs: 5_000 });
    expect(chats).toHaveLength(1);
    const chat = JSON.parse(snsEnvelope(chats[0]!).Message) as ChatNotification;
    expect(validateChat(chat), JSON.stringify(validateChat.errors)).toBe(true);
    expect(chat.content.title).toBe(`:mag: IoT policy sweep (${account.accountId}): 1 violation (1 alert-only)`);
    expect(chat.content.description).toContain('• `role/intruder` `AWSIoTFullAccess` alert-only');
    memberIam.destroy();
  });
});
