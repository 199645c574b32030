// Never detach on doubt (issue 11, points 2 and 3): an event the guard cannot read safely, and an event too old to
// act on, each get an alert with an outcome of their own and a metric, and nothing is detached.
import { readFileSync } from 'node:fs';
import { DetachRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DetachManagedPolicyFromPermissionSetCommand, SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/core/alert.js';
import { handleAttachEvent } from '../../functions/guard/attach-event.js';
import { fixture } from '../support/fixtures.js';
import { guardDeps } from '../support/guard.js';

const iam = mockClient(IAMClient);
const sns = mockClient(SNSClient);
const sso = mockClient(SSOAdminClient);
const validateAlert = new Ajv2020({ allErrors: true }).compile(
  JSON.parse(readFileSync('infra/alert.schema.json', 'utf8')),
);
beforeEach(() => {
  iam.reset();
  sns.reset();
  sso.reset();
  iam.on(DetachRolePolicyCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});
const alerts = (): Alert[] =>
  sns.commandCalls(PublishCommand).map((c) => JSON.parse(JSON.parse(c.args[0].input.Message!).default) as Alert);
afterEach(() => {
  for (const alert of alerts()) expect(validateAlert(alert), JSON.stringify(validateAlert.errors)).toBe(true);
});

type Envelope = { time: string; detail: Record<string, unknown> & { requestParameters: Record<string, unknown> } };
const withPolicy = (policyArn: string): Envelope => {
  const e = fixture<Envelope>('AttachRolePolicy.eventbridge-full-access');
  e.detail.requestParameters.policyArn = policyArn;
  return e;
};

describe('attach-guard: events that look governed but cannot be read', () => {
  it.each([
    ['an empty path segment', 'arn:aws:iam::aws:policy//AWSIoTFullAccess', 'AWSIoTFullAccess'],
    [
      'an empty segment under service-role',
      'arn:aws:iam::aws:policy/service-role//AWSIoTLogging',
      'service-role/AWSIoTLogging',
    ],
    ['a trailing slash', 'arn:aws:iam::aws:policy/AWSIoTFullAccess/', 'AWSIoTFullAccess'],
    ['a trailing space', 'arn:aws:iam::aws:policy/AWSIoTFullAccess ', 'AWSIoTFullAccess'],
    ['a zero-width space', 'arn:aws:iam::aws:policy/AWSIoT\u200bFullAccess', 'AWSIoTFullAccess'],
  ])('%s: alert "unreadable", UnreadableEvents metric, no detach', async (_case, policyArn, named) => {
    const deps = guardDeps();
    const response = await handleAttachEvent(withPolicy(policyArn), deps);
    expect(response.outcome).toBe('unreadable');
    expect(iam.calls()).toHaveLength(0);
    expect(alerts()).toEqual([
      expect.objectContaining({
        outcome: 'unreadable',
        verdict: 'violation',
        action: null,
        principal: { type: 'role', name: 'iot-fleet-operator' },
      }),
    ]);
    expect(alerts()[0]!.reason).toContain(named);
    // Invisible characters are shown, not hidden, in the alert.
    expect(alerts()[0]!.reason).not.toMatch(/\u200b/);
    expect(deps.metrics.counts).toEqual({ UnreadableEvents: 1 });
    expect(deps.logs.filter((l) => l.level === 'error').map((l) => l.message)).toContain('unreadable event');
  });

  it.each([
    ['no policyArn', (e: Envelope) => void delete e.detail.requestParameters.policyArn],
    [
      'a principal name IAM would never accept',
      (e: Envelope) => {
        e.detail.requestParameters.roleName = '../../etc';
      },
    ],
    ['no requestParameters', (e: Envelope) => void delete (e.detail as Record<string, unknown>).requestParameters],
  ])('a malformed successful call (%s) gets the same', async (_case, change) => {
    const event = fixture<Envelope>('AttachRolePolicy.eventbridge-full-access');
    change(event);
    const deps = guardDeps();
    expect((await handleAttachEvent(event, deps)).outcome).toBe('unreadable');
    expect(iam.calls()).toHaveLength(0);
    expect(alerts().map((a) => a.outcome)).toEqual(['unreadable']);
    expect(deps.metrics.counts).toEqual({ UnreadableEvents: 1 });
  });

  it('a permission set whose managedPolicyArn has an empty segment gets the same', async () => {
    const event = fixture<{ detail: { requestParameters: Record<string, unknown> } }>(
      'AttachManagedPolicyToPermissionSet.eventbridge-full-access',
    );
    event.detail.requestParameters.managedPolicyArn = 'arn:aws:iam::aws:policy//AWSIoTFullAccess';
    expect((await handleAttachEvent(event, guardDeps())).outcome).toBe('unreadable');
    expect(sso.commandCalls(DetachManagedPolicyFromPermissionSetCommand)).toHaveLength(0);
  });

  it.each([
    ['a customer managed policy', 'arn:aws:iam::123456789012:policy/AWSIoTFullAccess '],
    ['a policy outside the IoT family', 'arn:aws:iam::aws:policy//ReadOnlyAccess'],
  ])('%s spelt oddly is not governed: no alert', async (_case, policyArn) => {
    const deps = guardDeps();
    expect((await handleAttachEvent(withPolicy(policyArn), deps)).outcome).toBeNull();
    expect(sns.calls()).toHaveLength(0);
  });
});

describe('attach-guard: stale events are alerted, not acted on', () => {
  const HOUR = 3_600_000;
  const at = (iso: string) => {
    const e = withPolicy('arn:aws:iam::aws:policy/AWSIoTFullAccess');
    e.time = iso;
    e.detail.eventTime = iso;
    return e;
  };
  const now = () => new Date('2026-11-26T12:00:00Z');

  it('an event older than STALE_AFTER: alert "stale", StaleEvents metric, no detach', async () => {
    const deps = { ...guardDeps({ staleAfterMs: 24 * HOUR }), now };
    const response = await handleAttachEvent(at('2026-11-25T11:59:00Z'), deps);
    expect(response.outcome).toBe('stale');
    expect(iam.calls()).toHaveLength(0);
    expect(alerts()).toEqual([
      expect.objectContaining({
        outcome: 'stale',
        verdict: 'violation',
        action: 'remediate',
        eventTime: '2026-11-25T11:59:00Z',
      }),
    ]);
    expect(deps.metrics.counts).toEqual({ Violations: 1, StaleEvents: 1 });
  });

  it('an event within STALE_AFTER is acted on', async () => {
    const deps = { ...guardDeps({ staleAfterMs: 24 * HOUR }), now };
    expect((await handleAttachEvent(at('2026-11-25T12:01:00Z'), deps)).outcome).toBe('reverted');
    expect(iam.commandCalls(DetachRolePolicyCommand)).toHaveLength(1);
  });

  it('an allowed or not-governed stale event stays quiet', async () => {
    const deps = { ...guardDeps({ staleAfterMs: HOUR }), now };
    const event = at('2026-01-01T00:00:00Z');
    event.detail.requestParameters.policyArn = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
    expect((await handleAttachEvent(event, deps)).outcome).toBeNull();
    expect(sns.calls()).toHaveLength(0);
  });
});
