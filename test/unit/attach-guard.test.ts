import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  IAMClient,
  type IAMServiceException,
  NoSuchEntityException,
  UnmodifiableEntityException,
} from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../functions/core/alert.js';
import { handleAttachEvent } from '../../functions/guard/attach-event.js';
import { RemediationError } from '../../functions/aws/failure.js';
import { delivered, fixture } from '../support/fixtures.js';
import { guardDeps, TOPIC } from '../support/guard.js';

const iam = mockClient(IAMClient);
const sns = mockClient(SNSClient);
const events = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/iot-policy-guard-dev-dead-letters';
const validateAlert = new Ajv2020({ allErrors: true }).compile(
  JSON.parse(readFileSync('infra/alert.schema.json', 'utf8')),
);

beforeEach(() => {
  iam.reset();
  sns.reset();
  events.reset();
  sqs.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});
afterEach(() => {
  for (const input of sns.commandCalls(PublishCommand).map((c) => c.args[0].input)) {
    // Every alert, whatever the case, honours the contract.
    expect(input.TopicArn).toBe(TOPIC);
    expect(input.Subject!.length).toBeLessThan(100);
    expect(input.Subject).not.toMatch(/[\p{Cc}]/u);
    expect(Buffer.byteLength(input.Message!)).toBeLessThan(256 * 1024);
    const alert = JSON.parse(JSON.parse(input.Message!).default) as Alert;
    expect(validateAlert(alert), JSON.stringify(validateAlert.errors)).toBe(true);
  }
});

const FULL_ACCESS = 'AttachRolePolicy.eventbridge-full-access'; // role/iot-fleet-operator gets AWSIoTFullAccess
const publishedAlerts = (): Alert[] =>
  sns.commandCalls(PublishCommand).map((c) => JSON.parse(JSON.parse(c.args[0].input.Message!).default) as Alert);

function nameError<T extends IAMServiceException>(Type: new (opts: never) => T, message = 'boom'): T {
  return new Type({ message, $metadata: {} } as never);
}

describe('attach-guard: violations with action remediate', () => {
  it('detaches exactly that policy from exactly that role, then alerts "reverted"', async () => {
    iam.on(DetachRolePolicyCommand).resolves({});
    const deps = guardDeps();
    const response = await handleAttachEvent(fixture(FULL_ACCESS), deps);
    expect(response.outcome).toBe('reverted');
    expect(iam.commandCalls(DetachRolePolicyCommand).map((c) => c.args[0].input)).toEqual([
      { RoleName: 'iot-fleet-operator', PolicyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess' },
    ]);
    expect(iam.calls()).toHaveLength(1);
    const [publish] = sns.commandCalls(PublishCommand);
    expect(publish!.args[0].input).toMatchObject({
      Subject: 'IoT policy AWSIoTFullAccess on role/iot-fleet-operator (123456789012): reverted',
      MessageStructure: 'json',
      MessageAttributes: {
        outcome: { DataType: 'String', StringValue: 'reverted' },
        policyName: { DataType: 'String', StringValue: 'AWSIoTFullAccess' },
        account: { DataType: 'String', StringValue: '123456789012' },
        severity: { DataType: 'String', StringValue: 'high' },
      },
    });
    expect(publishedAlerts()[0]).toMatchObject({
      schemaVersion: 1,
      source: 'event',
      principal: { type: 'role', name: 'iot-fleet-operator' },
      policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess',
      verdict: 'violation',
      action: 'remediate',
      outcome: 'reverted',
      mode: 'remediate',
      handledAt: '2026-11-26T12:00:00.000Z',
    });
    expect(deps.metrics.counts).toEqual({ Violations: 1, Reverted: 1 });
  });

  it.each([
    [
      'AttachUserPolicy.eventbridge-assumed-role',
      DetachUserPolicyCommand,
      { UserName: 'telemetry-publisher', PolicyArn: 'arn:aws:iam::aws:policy/AWSIoTDataAccess' },
    ],
    [
      'AttachGroupPolicy.record-redacted',
      DetachGroupPolicyCommand,
      { GroupName: 'iot-operators', PolicyArn: 'arn:aws:iam::aws:policy/AWSIoTConfigAccess' },
    ],
  ] as const)('%s: detaches with the call for its principal type', async (name, Command, input) => {
    iam.on(Command as unknown as typeof DetachRolePolicyCommand).resolves({});
    const event = name.includes('eventbridge') ? fixture(name) : delivered(fixture(name));
    expect((await handleAttachEvent(event, guardDeps())).outcome).toBe('reverted');
    expect(iam.calls().map((c) => c.args[0].input)).toEqual([input]);
  });

  it('NoSuchEntity (a duplicate delivery) is "already-detached", a success', async () => {
    iam.on(DetachRolePolicyCommand).rejects(nameError(NoSuchEntityException));
    const response = await handleAttachEvent(fixture(FULL_ACCESS), guardDeps());
    expect(response.outcome).toBe('already-detached');
    expect(publishedAlerts()[0]).toMatchObject({ outcome: 'already-detached' });
    expect(publishedAlerts()[0]!.error).toBeUndefined();
  });

  it('UnmodifiableEntity (service-linked, Identity Center roles) is "not-remediable": alert, no retry', async () => {
    iam
      .on(DetachRolePolicyCommand)
      .rejects(nameError(UnmodifiableEntityException, 'Cannot perform the operation on the protected role'));
    const deps = guardDeps();
    const response = await handleAttachEvent(fixture(FULL_ACCESS), deps);
    expect(response.outcome).toBe('not-remediable');
    expect(publishedAlerts()[0]).toMatchObject({
      outcome: 'not-remediable',
      error: { name: 'UnmodifiableEntity', message: expect.stringContaining('protected role') },
    });
    expect(deps.logs.find((l) => l.level === 'error')?.fields).toMatchObject({ outcome: 'not-remediable' });
  });

  it.each([
    [
      'AccessDenied',
      Object.assign(new Error('User is not authorized to perform iam:DetachRolePolicy'), {
        name: 'AccessDenied',
        Code: 'AccessDenied',
      }),
    ],
    ['Throttling', Object.assign(new Error('Rate exceeded'), { name: 'Throttling', Code: 'Throttling' })],
    ['a network error', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
  ])('%s: alerts "remediation-failed" with the error, then fails the invocation', async (_case, error) => {
    iam.on(DetachRolePolicyCommand).rejects(error);
    const deps = guardDeps();
    await expect(handleAttachEvent(fixture(FULL_ACCESS), deps)).rejects.toBeInstanceOf(RemediationError);
    expect(publishedAlerts()).toHaveLength(1);
    expect(publishedAlerts()[0]).toMatchObject({
      outcome: 'remediation-failed',
      error: { name: expect.any(String), message: expect.stringContaining(error.message) },
    });
    expect(deps.metrics.counts).toEqual({ Violations: 1, RemediationFailures: 1 });
  });

  it('fails the invocation when the alert cannot be published, so the platform retries', async () => {
    iam.on(DetachRolePolicyCommand).resolves({});
    sns.on(PublishCommand).rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabled' }));
    await expect(handleAttachEvent(fixture(FULL_ACCESS), guardDeps())).rejects.toThrow('KMS key disabled');
  });

  it(
    'keeps the alert in the fallback queue when SNS refuses ' +
      'it after a detach: "reverted" is never only a log line',
    async () => {
      iam.on(DetachRolePolicyCommand).resolves({});
      sns.on(PublishCommand).rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabled' }));
      sqs.on(SendMessageCommand).resolves({ MessageId: 'q-1' });
      const deps = guardDeps({ alertFallbackQueueUrl: QUEUE });
      await expect(handleAttachEvent(fixture(FULL_ACCESS), deps)).rejects.toThrow('KMS key disabled');
      const [send] = sqs.commandCalls(SendMessageCommand);
      expect(send!.args[0].input).toMatchObject({
        QueueUrl: QUEUE,
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'undelivered-alert' },
          outcome: { DataType: 'String', StringValue: 'reverted' },
        },
      });
      const kept = JSON.parse(send!.args[0].input.MessageBody!) as Alert;
      expect(validateAlert(kept), JSON.stringify(validateAlert.errors)).toBe(true);
      expect(kept).toMatchObject({ outcome: 'reverted', principal: { type: 'role', name: 'iot-fleet-operator' } });
      expect(deps.metrics.counts).toMatchObject({ Reverted: 1, UndeliveredAlerts: 1 });
      expect(deps.logs.find((l) => l.message === 'alert kept in the fallback queue')?.fields).toMatchObject({
        outcome: 'reverted',
      });
    },
  );

  it('logs the alert itself at error level when the fallback queue refuses it too', async () => {
    iam.on(DetachRolePolicyCommand).resolves({});
    sns.on(PublishCommand).rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabled' }));
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error('access denied'), { name: 'AccessDenied' }));
    const deps = guardDeps({ alertFallbackQueueUrl: QUEUE });
    await expect(handleAttachEvent(fixture(FULL_ACCESS), deps)).rejects.toThrow('KMS key disabled');
    expect(deps.logs.find((l) => l.message === 'alert not kept')).toMatchObject({
      level: 'error',
      fields: { alert: expect.objectContaining({ outcome: 'reverted' }) },
    });
  });
});

describe('attach-guard: other verdicts and modes', () => {
  it('a policy whose mode is alert: no detach, outcome "alert-only", severity low for read-only', async () => {
    const response = await handleAttachEvent(fixture('AttachGroupPolicy.eventbridge-console'), guardDeps());
    expect(response.outcome).toBe('alert-only');
    expect(iam.calls()).toHaveLength(0);
    expect(publishedAlerts()[0]).toMatchObject({
      action: 'alert',
      outcome: 'alert-only',
      severity: 'low',
      policyName: 'AWSIoTConfigReadOnlyAccess',
    });
  });

  it('GUARD_MODE=alert never detaches, whatever the allowlist says', async () => {
    const response = await handleAttachEvent(fixture(FULL_ACCESS), guardDeps({ mode: 'alert' }));
    expect(response.outcome).toBe('alert-only');
    expect(iam.calls()).toHaveLength(0);
    expect(publishedAlerts()[0]).toMatchObject({ action: 'alert', mode: 'alert' });
  });

  it('GUARD_MODE=dry-run detaches nothing and says what would have been done', async () => {
    const response = await handleAttachEvent(fixture(FULL_ACCESS), guardDeps({ mode: 'dry-run' }));
    expect(response.outcome).toBe('dry-run');
    expect(iam.calls()).toHaveLength(0);
    const [publish] = sns.commandCalls(PublishCommand);
    expect(JSON.parse(publish!.args[0].input.Message!).email).toMatch(/would have detached the policy/);
    expect(publishedAlerts()[0]).toMatchObject({ action: 'remediate', outcome: 'dry-run', mode: 'dry-run' });
  });

  it('allowed: one info line naming the entry, no alert, no detach', async () => {
    const deps = guardDeps();
    const response = await handleAttachEvent(fixture('AttachRolePolicy.eventbridge-service-role-path'), deps);
    expect(response.outcome).toBeNull();
    expect(iam.calls().length + sns.calls().length).toBe(0);
    expect(deps.logs).toEqual([
      {
        level: 'info',
        message: 'decision',
        fields: expect.objectContaining({
          verdict: 'allowed',
          rule: 0,
          principal: 'role/iot-logging-role',
          eventId: expect.any(String),
        }),
      },
    ]);
  });

  it('not-governed: a debug line only', async () => {
    const deps = guardDeps();
    const event = delivered(fixture('AttachRolePolicy.record-customer-policy-iot-name'));
    await handleAttachEvent(event, deps);
    expect(iam.calls().length + sns.calls().length).toBe(0);
    expect(deps.logs.map((l) => [l.level, l.fields.verdict])).toEqual([['debug', 'not-governed']]);
  });

  it('failed-attempt: logged, no alert by default', async () => {
    const deps = guardDeps();
    const record = fixture<Record<string, unknown>>('AttachRolePolicy.eventbridge-full-access');
    const detail = { ...(record.detail as object), errorCode: 'AccessDenied', errorMessage: 'not authorized' };
    await handleAttachEvent({ ...record, detail }, deps);
    expect(sns.calls()).toHaveLength(0);
    expect(deps.logs.map((l) => l.fields.verdict)).toEqual(['failed-attempt']);
    // With ALERT_ON_FAILED_ATTEMPTS=true and a governed policy: an alert, still no detach.
    await handleAttachEvent({ ...record, detail }, guardDeps({ alertOnFailedAttempts: true }));
    expect(iam.calls()).toHaveLength(0);
    expect(publishedAlerts()).toEqual([
      expect.objectContaining({ verdict: 'failed-attempt', outcome: 'alert-only', action: null }),
    ]);
    expect(sns.commandCalls(PublishCommand)[0]!.args[0].input.Subject).toMatch(
      /^failed attach of AWSIoTFullAccess on role\/iot-fleet-operator/,
    );
  });

  it('failed-attempt without a policy (requestParameters null) never alerts', async () => {
    const event = delivered(fixture('AttachRolePolicy.record-access-denied'));
    await handleAttachEvent(event, guardDeps({ alertOnFailedAttempts: true }));
    expect(sns.calls()).toHaveLength(0);
  });

  it.each([
    ['not an object', 'hello'],
    ['an envelope without detail', { id: 'env-1', 'detail-type': 'AWS API Call via CloudTrail' }],
  ])('not a delivery (%s): error log, no action, no throw', async (_case, event) => {
    const deps = guardDeps();
    await expect(handleAttachEvent(event, deps)).resolves.toEqual({ outcome: null, alert: null });
    expect(iam.calls().length + sns.calls().length).toBe(0);
    expect(deps.logs.map((l) => l.level)).toEqual(['error']);
  });

  it('a different event (DetachRolePolicy) is ignored with a warning', async () => {
    const deps = guardDeps();
    await handleAttachEvent(delivered(fixture('DetachRolePolicy.record')), deps);
    expect(iam.calls().length + sns.calls().length).toBe(0);
    expect(deps.logs.map((l) => l.level)).toEqual(['warn']);
  });
});

describe('attach-guard: the finding event', () => {
  it('puts the same JSON on the findings bus when one is configured', async () => {
    iam.on(DetachRolePolicyCommand).resolves({});
    await handleAttachEvent(fixture(FULL_ACCESS), guardDeps({ findingsBusName: 'security-findings' }));
    const [put] = events.commandCalls(PutEventsCommand);
    expect(put!.args[0].input.Entries).toEqual([
      {
        EventBusName: 'security-findings',
        Source: 'iot-policy-guard',
        DetailType: 'IoT Policy Violation',
        Detail: JSON.stringify(publishedAlerts()[0]),
      },
    ]);
  });

  it(
    'a findings-bus failure after the alert went out does not fail the invocation (a retry would alert twice): ' +
      'logged and counted',
    async () => {
      iam.on(DetachRolePolicyCommand).resolves({});
      events
        .on(PutEventsCommand)
        .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }] });
      const deps = guardDeps({ findingsBusName: 'security-findings' });
      const response = await handleAttachEvent(fixture(FULL_ACCESS), deps);
      expect(response.outcome).toBe('reverted');
      expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
      expect(deps.metrics.counts).toMatchObject({ FindingFailures: 1 });
      expect(deps.logs.find((l) => l.message === 'finding not put')).toMatchObject({
        level: 'error',
        fields: { error: expect.objectContaining({ message: expect.stringMatching(/InternalFailure/) }) },
      });
    },
  );

  it('puts nothing without a bus', async () => {
    iam.on(DetachRolePolicyCommand).resolves({});
    await handleAttachEvent(fixture(FULL_ACCESS), guardDeps());
    expect(events.calls()).toHaveLength(0);
  });
});
