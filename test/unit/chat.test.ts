// Chat notifications: every one the guard renders honours the custom-notification format (the JSON Schema written
// from AWS's documentation), and each alert is published to the chat topic exactly once.
import { readFileSync } from 'node:fs';
import {
  DetachRolePolicyCommand,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  UnmodifiableEntityException,
} from '@aws-sdk/client-iam';
import { PublishCommand } from '@aws-sdk/client-sns';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAlert, OUTCOMES, type Alert, type AlertInput } from '../../functions/core/alert.js';
import { inert, renderChatAlert, renderChatDigest, type ChatNotification } from '../../functions/core/chat.js';
import { buildDigest, renderDigestSubject, type DigestViolationInput } from '../../functions/core/digest.js';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import { handleAttachEvent } from '../../functions/guard/attach-event.js';
import { attachmentOf } from '../../functions/core/attachment.js';
import { runSweep } from '../../functions/guard/sweep.js';
import { eventOf, stubGuardClients, VIOLATION } from '../support/alerts.js';
import { fixture } from '../support/fixtures.js';
import { guardDeps, TOPIC } from '../support/guard.js';

const CHAT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:iot-policy-guard-chat';
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(
  JSON.parse(readFileSync('infra/chat-notification.schema.json', 'utf8')),
);
const rendered: ChatNotification[] = [];
/** Renders and keeps the message, so that afterEach validates every one a test made. */
const chatOf = (alert: Alert): ChatNotification => {
  const message = renderChatAlert(alert);
  rendered.push(message);
  return message;
};

const { iam, sns } = stubGuardClients();
beforeEach(() => {
  rendered.length = 0;
});
afterEach(() => {
  const published = sns.commandCalls(PublishCommand).filter((c) => c.args[0].input.TopicArn === CHAT_TOPIC);
  for (const message of [
    ...rendered,
    ...published.map((c) => JSON.parse(c.args[0].input.Message!) as ChatNotification),
  ]) {
    expect(validate(message), JSON.stringify(validate.errors)).toBe(true);
  }
});

// role/iot-fleet-operator gets AWSIoTFullAccess in 123456789012, us-east-1; the guard is deployed with mode=alert.
const event = eventOf('AttachRolePolicy.eventbridge-full-access');
const base: AlertInput = {
  attachment: attachmentOf(event),
  decision: VIOLATION,
  outcome: 'alert-only',
  mode: 'alert',
  actionSource: 'deploy-mode',
  handledAt: new Date('2026-11-26T12:00:00Z'),
};

describe('the chat notification of an alert', () => {
  it.each(OUTCOMES)('%s: valid, titled like the e-mail subject, with what was done and the way to act', (outcome) => {
    const alert = buildAlert({
      ...base,
      outcome,
      ...(outcome === 'not-remediable' || outcome === 'remediation-failed'
        ? { error: { name: 'AccessDenied', message: 'no' } }
        : {}),
    });
    const chat = chatOf(alert);
    expect(chat).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' } });
    expect(chat.content.title).toContain(
      `IoT policy AWSIoTFullAccess on role/iot-fleet-operator (123456789012): ${outcome}`,
    );
    expect(chat.content.keywords).toEqual(['iot-policy-guard', outcome, 'severity-high']);
    // An unreadable event's principal is not trusted enough to link to; its event is worth reading.
    if (outcome === 'unreadable') expect(alert.links!.principal).toBeNull();
    else expect(chat.content.nextSteps).toContain(`Principal in the console: ${alert.links!.principal}`);
    expect(chat.content.nextSteps).toContain(`Event in CloudTrail: ${alert.links!.event}`);
    const detach = chat.content.nextSteps!.find((s) => s.startsWith('Detach it now'));
    expect(detach).toBe(alert.remediationCommand ? `Detach it now: \`${alert.remediationCommand}\`` : undefined);
    expect(chat.metadata?.threadId).toBe('iot-policy-guard/123456789012/role/iot-fleet-operator/AWSIoTFullAccess');
  });

  it('says where the action came from, as the e-mail does', () => {
    expect(chatOf(buildAlert(base)).content.description).toContain(
      "Action from: the deploy's mode is alert (stage parameter mode=alert): the guard never detaches.",
    );
    expect(chatOf(buildAlert({ ...base, actionSource: 'allowlist-modes' })).content.description).toContain(
      "Action from: the allowlist's `modes` entry for this policy asks for an alert only.",
    );
  });

  it('a permission set: its name, and the sso-admin command', () => {
    const PS = 'arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-3a7c9e1f5b2d4a6c';
    const alert = buildAlert({
      ...base,
      attachment: attachmentOf({
        ...event,
        region: 'eu-west-1',
        principal: { type: 'permission-set', name: PS },
        instanceArn: 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6',
        permissionSetName: 'IoTOperators',
      }),
    });
    const chat = chatOf(alert);
    expect(chat.content.description).toContain('Principal: `permission-set/IoTOperators`');
    expect(chat.content.nextSteps?.[0]).toMatch(
      new RegExp(
        '^Detach it now: `aws sso-admin detach-managed-policy-from-permission-set .* ' +
          '&& aws sso-admin provision-permission-set ',
      ),
    );
  });

  it('renders hostile text inert: no mention, no link, no escape from its code span, one line', () => {
    const name = 'x`<!channel> <https://evil.example|click>\n*bold*\u202E';
    const alert = buildAlert({
      ...base,
      attachment: attachmentOf({
        ...event,
        principal: { type: 'role', name },
        actor: { ...event.actor, userAgent: name },
      }),
    });
    const chat = chatOf(alert);
    for (const text of [chat.content.title, chat.content.description, ...(chat.content.nextSteps ?? [])]) {
      expect(text).not.toMatch(/[<>\u202E]/u);
    }
    expect(chat.content.description).toContain(
      "Principal: `role/x'‹!channel› ‹https://evil.example|click› *bold* ` in account",
    );
    // The command quotes the name for the shell; with a line break in it there is none (see remediation-command.ts).
    expect(alert.remediationCommand).toBeNull();
  });

  it('leaves a command with a backtick to the e-mail rather than break its markdown', () => {
    const alert = buildAlert({
      ...base,
      attachment: attachmentOf({ ...event, principal: { type: 'role', name: 'a`b' } }),
    });
    expect(alert.remediationCommand).toBe(
      "aws iam detach-role-policy --role-name 'a`b' --policy-arn arn:aws:iam::aws:policy/AWSIoTFullAccess",
    );
    expect(chatOf(alert).content.nextSteps?.[0]).toBe(
      'Detach it now: the command is in the e-mail and in the alert JSON (remediationCommand).',
    );
  });

  it('is valid whatever the event says', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.string({ unit: 'binary', maxLength: 3000 }),
        fc.constantFrom(...OUTCOMES),
        (name, text, outcome) => {
          const alert = buildAlert({
            ...base,
            outcome,
            attachment: attachmentOf({
              ...event,
              principal: { type: 'user', name },
              actor: { ...event.actor, arn: text, userAgent: text },
            }),
            decision: { ...base.decision, reason: text },
          });
          const chat = renderChatAlert(alert);
          expect(validate(chat), JSON.stringify(validate.errors)).toBe(true);
          expect(chat.content.description.length).toBeLessThanOrEqual(3500);
          expect(chat.content.title).not.toMatch(/[<>\p{Cc}]/u);
          expect(chat.content.description).not.toMatch(/[<>]/);
        },
      ),
      { numRuns: 200 },
    );
  });

  it(
    'the schema refuses what the service would not take: ' +
      'another version or source, no description, a stray ' +
      'field',
    () => {
      const good = renderChatAlert(buildAlert(base));
      expect(validate(good)).toBe(true);
      expect(validate({ ...good, version: '2.0' })).toBe(false);
      expect(validate({ ...good, source: 'aws.iam' })).toBe(false);
      expect(validate({ ...good, content: { ...good.content, textType: 'markdown' } })).toBe(false);
      expect(validate({ ...good, content: { title: good.content.title } })).toBe(false);
      expect(validate({ ...good, content: { ...good.content, nextstep: ['x'] } })).toBe(false);
    },
  );

  it('inert() keeps ordinary names as they are', () => {
    expect(inert('alice@example.com')).toBe('alice@example.com');
    expect(inert('service-role/AWSIoTLogging')).toBe('service-role/AWSIoTLogging');
  });
});

describe('the chat notification of a sweep digest', () => {
  const violations: DigestViolationInput[] = Array.from({ length: 14 }, (_, i) => ({
    principal: { type: 'role', name: `app-${i}` },
    policyArn: 'arn:aws:iam::aws:policy/AWSIoTDataAccess',
    outcome: i === 0 ? 'remediation-failed' : 'alert-only',
    reason: 'no allowlist entry matches',
    ...(i === 0 ? { error: { name: 'AccessDenied', message: 'no' } } : {}),
  }));
  const digest = buildDigest({
    account: '123456789012',
    partition: 'aws',
    scope: 'aws-iot',
    mode: 'alert',
    startedAt: new Date('2026-11-26T12:00:00Z'),
    finishedAt: new Date('2026-11-26T12:00:04Z'),
    counts: { governedPolicies: 50, policiesNotFound: 0, listCalls: 52, attachments: 20, allowed: 6 },
    violations,
  });

  it('is valid, titled like the digest subject, and lists the worst ten', () => {
    const chat = renderChatDigest(digest);
    rendered.push(chat);
    expect(chat.content.title).toMatch(/^:rotating_light: IoT policy sweep \(123456789012\): 1 FAILED, 14 violations/);
    expect(chat.content.description.split('\n').filter((l) => l.startsWith('• '))).toHaveLength(10);
    expect(chat.content.description).toContain('• `role/app-0` `AWSIoTDataAccess` remediation-failed');
    expect(chat.content.description).toContain('… and 4 more in the e-mail and the JSON digest.');
    expect(chat.content.keywords).toEqual(['iot-policy-guard', 'sweep-digest', 'severity-high']);
  });
});

describe('publishing to the chat topic', () => {
  const FULL_ACCESS = 'AttachRolePolicy.eventbridge-full-access';
  const topics = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input.TopicArn);

  it.each([
    ['alert mode', { mode: 'alert' as const }, 'alert-only'],
    ['dry-run', { mode: 'dry-run' as const }, 'dry-run'],
    ['remediate', { mode: 'remediate' as const }, 'reverted'],
  ])('%s: the alert, then exactly one chat message about it', async (_, config, outcome) => {
    iam.on(DetachRolePolicyCommand).resolves({});
    const { outcome: got } = await handleAttachEvent(
      fixture(FULL_ACCESS),
      guardDeps({ ...config, chatTopicArn: CHAT_TOPIC }),
    );
    expect(got).toBe(outcome);
    expect(topics()).toEqual([TOPIC, CHAT_TOPIC]);
    const chat = JSON.parse(sns.commandCalls(PublishCommand)[1]!.args[0].input.Message!) as ChatNotification;
    expect(chat.content.title).toMatch(new RegExp(`: ${outcome}$`));
    // The raw custom-notification JSON: no MessageStructure, no per-protocol envelope.
    expect(sns.commandCalls(PublishCommand)[1]!.args[0].input.MessageStructure).toBeUndefined();
  });

  it('not-remediable too; and nothing goes to chat without a chat topic', async () => {
    iam.on(DetachRolePolicyCommand).rejects(new UnmodifiableEntityException({ message: 'protected', $metadata: {} }));
    await handleAttachEvent(fixture(FULL_ACCESS), guardDeps({ mode: 'remediate', chatTopicArn: CHAT_TOPIC }));
    expect(topics()).toEqual([TOPIC, CHAT_TOPIC]);
    sns.resetHistory();
    await handleAttachEvent(fixture(FULL_ACCESS), guardDeps({ mode: 'alert' }));
    expect(topics()).toEqual([TOPIC]);
  });

  it(
    'a chat topic that refuses the message: logged and counted, not retried (the alert is out; a retry would repeat ' +
      'it)',
    async () => {
      sns.on(PublishCommand, { TopicArn: CHAT_TOPIC }).rejects(new Error('KMS key disabled'));
      const deps = guardDeps({ mode: 'alert', chatTopicArn: CHAT_TOPIC });
      await expect(handleAttachEvent(fixture(FULL_ACCESS), deps)).resolves.toMatchObject({ outcome: 'alert-only' });
      expect(topics()).toEqual([TOPIC, CHAT_TOPIC]);
      expect(deps.logs.find((l) => l.message === 'chat not delivered')).toMatchObject({
        level: 'error',
        fields: { outcome: 'alert-only', error: { message: 'KMS key disabled' } },
      });
      expect(deps.metrics.counts.ChatFailures).toBe(1);
    },
  );
});

describe('the sweep on the chat topic', () => {
  // role/intruder holds AWSIoTFullAccess; alert mode: a standing violation, reported in the digest only.
  const sweep = async (chat: 'accepts' | 'refuses') => {
    iam.on(ListPoliciesCommand).resolves({
      Policies: [{ Arn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess', AttachmentCount: 1 }],
      IsTruncated: false,
    });
    iam.on(ListEntitiesForPolicyCommand).resolves({ PolicyRoles: [{ RoleName: 'intruder' }], IsTruncated: false });
    if (chat === 'refuses') sns.on(PublishCommand, { TopicArn: CHAT_TOPIC }).rejects(new Error('AuthorizationError'));
    const deps = guardDeps({
      mode: 'alert',
      allowlist: parseAllowlist('version: 1\n', 'empty.yml'),
      scope: 'seed',
      chatTopicArn: CHAT_TOPIC,
    });
    const result = await runSweep(
      { account: '123456789012', partition: 'aws' },
      { ...deps, identityCenter: undefined },
    );
    return { deps, result };
  };

  it('publishes the digest to the alert topic, then once to the chat topic, and nothing else', async () => {
    const { result } = await sweep('accepts');
    expect(result.published).toBe(true);
    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input.TopicArn)).toEqual([TOPIC, CHAT_TOPIC]);
    const chat = JSON.parse(sns.commandCalls(PublishCommand)[1]!.args[0].input.Message!) as ChatNotification;
    expect(chat.content.title).toBe(`:mag: ${renderDigestSubject(result.digest)}`);
  });

  it('a refused chat copy of the digest is logged and counted; the sweep still succeeds', async () => {
    const { deps, result } = await sweep('refuses');
    expect(result.published).toBe(true);
    expect(deps.logs.find((l) => l.message === 'chat not delivered')).toMatchObject({
      level: 'error',
      fields: { kind: 'sweep-digest' },
    });
    expect(deps.metrics.counts.ChatFailures).toBe(1);
  });
});
