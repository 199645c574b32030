import { describe, expect, it } from 'vitest';
import { buildAlert, renderSnsMessage, renderSubject, type AlertInput } from '../../functions/core/alert.js';
import { alertSchema } from '../../functions/core/alert-schema.js';
import { PLACEHOLDER_REASON } from '../../functions/core/allowlist.js';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import { attachmentOf, foundBySweep } from '../../functions/core/attachment.js';
import { renderChatAlert } from '../../functions/core/chat.js';
import type { AttachEvent } from '../../functions/core/types.js';

/** The suggested entry as a person pastes it: with the placeholder reason replaced by a real one. */
const approved = (entry: string): string => entry.replace(JSON.stringify(PLACEHOLDER_REASON), '"approved in SEC-123"');

const event: AttachEvent = {
  eventId: 'e-1',
  eventTime: '2026-11-20T10:00:00Z',
  eventName: 'AttachRolePolicy',
  region: 'us-east-1',
  account: '123456789012',
  principal: { type: 'role', name: 'foo' },
  policyArn: 'arn:aws:iam::aws:policy/service-role/AWSIoTLogging',
  errorCode: null,
  errorMessage: null,
  actor: {
    type: 'IAMUser',
    arn: 'arn:aws:iam::123456789012:user/alice',
    issuerArn: null,
    invokedBy: null,
    sourceIp: '203.0.113.7',
    userAgent: 'aws-cli/2.15',
  },
};

const base: AlertInput = {
  attachment: attachmentOf(event),
  decision: { verdict: 'violation', action: 'remediate', rule: null, reason: 'no allowlist entry matches' },
  outcome: 'reverted',
  mode: 'remediate',
  handledAt: new Date('2026-11-26T12:00:00Z'),
};

describe('the alert', () => {
  it('has the documented subject', () => {
    expect(renderSubject(buildAlert(base))).toBe(
      'IoT policy service-role/AWSIoTLogging on role/foo (123456789012): reverted',
    );
  });

  it('keeps the subject under 100 characters and free of control characters, whatever the input', () => {
    const hostile = {
      ...base,
      attachment: attachmentOf({
        ...event,
        principal: { type: 'role' as const, name: `a\nb\u0007c${'x'.repeat(300)}` },
      }),
    };
    const subject = renderSubject(buildAlert(hostile));
    expect(subject.length).toBeLessThan(100);
    expect(subject).not.toMatch(/\p{Cc}/u);
    expect(subject).toMatch(/: reverted$/);
  });

  it('stays under SNS 256 KB limit with hostile, escape-heavy fields', () => {
    const nasty = '"\\\u0001'.repeat(5000);
    const input: AlertInput = {
      ...base,
      attachment: attachmentOf({
        ...event,
        eventId: nasty,
        eventTime: nasty,
        region: nasty,
        account: nasty,
        policyArn: nasty,
        actor: { ...event.actor, arn: nasty, sourceIp: nasty, userAgent: nasty },
      }),
      decision: { ...base.decision, reason: nasty },
      error: { name: nasty, message: nasty },
    };
    const message = renderSnsMessage(buildAlert(input));
    expect(Buffer.byteLength(message.Message) + Buffer.byteLength(message.Subject)).toBeLessThan(256 * 1024);
    expect(() => JSON.parse(JSON.parse(message.Message).default)).not.toThrow();
  });

  it('carries JSON for machines and readable text for email, from the same data', () => {
    const message = renderSnsMessage(buildAlert(base));
    const body = JSON.parse(message.Message) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    expect(body.sqs).toBe(body.default);
    for (const fact of [
      'service-role/AWSIoTLogging',
      'role foo',
      'arn:aws:iam::123456789012:user/alice',
      '203.0.113.7',
      'aws-cli/2.15',
      '2026-11-20T10:00:00Z',
      '123456789012',
      'us-east-1',
      'detached (reverted)',
    ]) {
      expect(body.email).toContain(fact);
    }
  });

  it('suggests an allowlist entry that the allowlist parser accepts and that allows exactly this attachment', () => {
    const alert = buildAlert(base);
    const list = parseAllowlist(
      `version: 1\nallow:\n${approved(alert.suggestedAllowlistEntry).replace(/^/gm, '  ')}`,
      'suggested.yml',
    );
    expect(list.allow[0]).toMatchObject({
      policy: 'service-role/AWSIoTLogging',
      principal: 'role/foo',
      account: '123456789012',
    });
  });
});

describe('the alert: IAM Identity Center', () => {
  const PS = 'arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-3a7c9e1f5b2d4a6c';
  const onSetEvent: AttachEvent = {
    ...event,
    region: 'eu-west-1',
    principal: { type: 'permission-set', name: PS },
    policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess',
    instanceArn: 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6',
    permissionSetName: 'IoTOperators',
  };
  const onSet: AlertInput = {
    ...base,
    attachment: attachmentOf(onSetEvent),
    provisioning: { status: 'IN_PROGRESS', requestId: 'req-77', failureReason: null },
  };

  it(
    'names the permission set by ' +
      'ARN in principal, by name ' +
      'in permissionSet, and carries the provisioning ' +
      'status',
    () => {
      const alert = buildAlert(onSet);
      expect(alert).toMatchObject({
        principal: { type: 'permission-set', name: PS },
        permissionSet: { arn: PS, name: 'IoTOperators', instanceArn: 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6' },
        provisioning: { status: 'IN_PROGRESS', requestId: 'req-77', failureReason: null },
        region: 'eu-west-1',
      });
      expect(renderSubject(alert)).toBe(
        'IoT policy AWSIoTFullAccess on permission-set/IoTOperators (123456789012): reverted',
      );
      const email = JSON.parse(renderSnsMessage(alert).Message).email as string;
      expect(email).toContain('to permission-set IoTOperators');
      expect(email).toMatch(/every account it is provisioned to/);
      expect(email).toMatch(
        new RegExp(
          String.raw`Provisioning to all provisioned accounts: IN_PROGRESS \(Identity Center updates the accounts ` +
            String.raw`asynchronously\); request req-77`,
        ),
      );
    },
  );

  it('without a name, the subject shows the ps- id and the suggestion matches by ARN', () => {
    const alert = buildAlert({ ...onSet, attachment: attachmentOf({ ...onSetEvent, permissionSetName: undefined }) });
    expect(alert.permissionSet).toEqual({
      arn: PS,
      name: null,
      instanceArn: 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6',
    });
    expect(renderSubject(alert)).toMatch(/ on permission-set\/ps-3a7c9e1f5b2d4a6c \(/);
    const list = parseAllowlist(
      `version: 1\nallow:\n${approved(alert.suggestedAllowlistEntry).replace(/^/gm, '  ')}`,
      'suggested.yml',
    );
    expect(list.allow[0]).toMatchObject({ principal: `permission-set/${PS}`, matchesPrincipalBy: 'arn' });
  });

  it('suggests an entry by name when the name is known', () => {
    const list = parseAllowlist(
      `version: 1\nallow:\n${approved(buildAlert(onSet).suggestedAllowlistEntry).replace(/^/gm, '  ')}`,
      'suggested.yml',
    );
    expect(list.allow[0]).toMatchObject({
      policy: 'AWSIoTFullAccess',
      principal: 'permission-set/IoTOperators',
      matchesPrincipalBy: 'name',
    });
  });

  it('an AWSReservedSSO_ role that IAM refuses to change: the alert says which permission set to fix', () => {
    const input: AlertInput = {
      ...base,
      attachment: attachmentOf({
        ...event,
        principal: { type: 'role', name: 'AWSReservedSSO_IoT_Fleet_Admins_0a1b2c3d4e5f6a7b' },
      }),
      outcome: 'not-remediable',
      error: { name: 'UnmodifiableEntity', message: 'Cannot perform the operation on the protected role' },
    };
    const alert = buildAlert(input);
    expect(alert.permissionSet).toEqual({ arn: null, name: 'IoT_Fleet_Admins', instanceArn: null });
    const email = JSON.parse(renderSnsMessage(alert).Message).email as string;
    expect(email).toContain('provisioned from the permission set "IoT_Fleet_Admins"');
    expect(email).toContain('detach service-role/AWSIoTLogging from permission set "IoT_Fleet_Admins"');
  });

  it('other roles carry no permissionSet', () => {
    expect(buildAlert({ ...base, outcome: 'not-remediable' })).not.toHaveProperty('permissionSet');
  });

  it('renders the suggested entry as YAML that reads back exactly, whatever the characters', async () => {
    const { parse } = await import('yaml');
    const name = 'a"b\\c: #d\u00e9';
    const alert = buildAlert({ ...base, attachment: attachmentOf({ ...event, principal: { type: 'role', name } }) });
    expect(parse(alert.suggestedAllowlistEntry)).toEqual([
      {
        policy: 'service-role/AWSIoTLogging',
        principal: `role/${name}`,
        account: '123456789012',
        reason: 'TODO: why this attachment is approved',
      },
    ]);
  });
});

describe('the alert of an attachment the sweep found', () => {
  const found = foundBySweep(
    { account: '123456789012', region: null, principal: { type: 'role', name: 'foo' }, policyArn: event.policyArn! },
    new Date('2026-11-26T11:00:00Z'),
  );
  const alert = buildAlert({
    ...base,
    attachment: found,
    outcome: 'alert-only',
    mode: 'alert',
    actionSource: 'deploy-mode',
  });

  it('claims no event and no actor, and says when the sweep found it', () => {
    expect(alertSchema.parse(alert)).toEqual(alert);
    expect(alert).toMatchObject({
      source: 'sweep',
      eventId: null,
      eventTime: null,
      actor: 'found by sweep',
      sourceIp: null,
      userAgent: null,
      foundAt: '2026-11-26T11:00:00.000Z',
    });
    expect(alert.links?.event).toBeNull();
    expect(buildAlert(base)).not.toHaveProperty('foundAt');
  });

  it('tells people who attached it is not known, in the e-mail and in chat', () => {
    const email = JSON.parse(renderSnsMessage(alert).Message).email as string;
    expect(email).toContain(
      'Found:       by the scheduled sweep at 2026-11-26T11:00:00.000Z (handled 2026-11-26T12:00:00.000Z); no ' +
        'CloudTrail event says who attached it, or when',
    );
    expect(email).not.toMatch(/Attached by:|Source IP:|User agent:|Event ID:/);
    const chat = renderChatAlert(alert).content.description;
    expect(chat).toContain(
      'Found by the scheduled sweep at `2026-11-26T11:00:00.000Z`: no CloudTrail event says who attached it, or when.',
    );
    expect(chat).not.toContain('Attached by');
  });
});
