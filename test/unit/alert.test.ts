import { describe, expect, it } from 'vitest';
import { buildAlert, renderSnsMessage, renderSubject, type AlertInput } from '../../functions/core/alert.js';
import { parseAllowlist } from '../../functions/core/allowlist.js';

const base: AlertInput = {
  source: 'event',
  event: {
    eventId: 'e-1',
    eventTime: '2026-11-20T10:00:00Z',
    region: 'us-east-1',
    account: '123456789012',
    principal: { type: 'role', name: 'foo' },
    policyArn: 'arn:aws:iam::aws:policy/service-role/AWSIoTLogging',
    errorCode: null,
    actor: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/alice', issuerArn: null, invokedBy: null, sourceIp: '203.0.113.7', userAgent: 'aws-cli/2.15' },
  },
  decision: { verdict: 'violation', action: 'remediate', rule: null, reason: 'no allowlist entry matches' },
  outcome: 'reverted',
  mode: 'remediate',
  handledAt: new Date('2026-11-26T12:00:00Z'),
};

describe('the alert', () => {
  it('has the documented subject', () => {
    expect(renderSubject(buildAlert(base))).toBe('IoT policy service-role/AWSIoTLogging on role/foo (123456789012): reverted');
  });

  it('keeps the subject under 100 characters and free of control characters, whatever the input', () => {
    const hostile = { ...base, event: { ...base.event, principal: { type: 'role' as const, name: `a\nb\u0007c${'x'.repeat(300)}` } } };
    const subject = renderSubject(buildAlert(hostile));
    expect(subject.length).toBeLessThan(100);
    expect(subject).not.toMatch(/\p{Cc}/u);
    expect(subject).toMatch(/: reverted$/);
  });

  it('stays under SNS 256 KB limit with hostile, escape-heavy fields', () => {
    const nasty = '"\\\u0001'.repeat(5000);
    const input: AlertInput = {
      ...base,
      event: { ...base.event, eventId: nasty, eventTime: nasty, region: nasty, account: nasty, policyArn: nasty, actor: { ...base.event.actor, arn: nasty, sourceIp: nasty, userAgent: nasty } },
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
    for (const fact of ['service-role/AWSIoTLogging', 'role foo', 'arn:aws:iam::123456789012:user/alice', '203.0.113.7', 'aws-cli/2.15', '2026-11-20T10:00:00Z', '123456789012', 'us-east-1', 'detached (reverted)']) {
      expect(body.email).toContain(fact);
    }
  });

  it('suggests an allowlist entry that the allowlist parser accepts and that allows exactly this attachment', () => {
    const alert = buildAlert(base);
    const list = parseAllowlist(`version: 1\nallow:\n${alert.suggestedAllowlistEntry.replace(/^/gm, '  ')}`, 'suggested.yml');
    expect(list.allow[0]).toMatchObject({ policy: 'service-role/AWSIoTLogging', principal: 'role/foo', account: '123456789012' });
  });
});
