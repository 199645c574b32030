import { describe, expect, it } from 'vitest';
import { SNS_MAX_BYTES } from '../../functions/core/sns-envelope.js';
import {
  buildDigest,
  needsDigest,
  renderDigestMessage,
  renderDigestSubject,
  renderDigestText,
  type DigestInput,
  type DigestViolationInput,
} from '../../functions/core/digest.js';
import { digestSchema } from '../../functions/core/digest-schema.js';

const iot = (name: string) => `arn:aws:iam::aws:policy/${name}`;

const VIOLATIONS: DigestViolationInput[] = [
  {
    principal: { type: 'role', name: 'app-1' },
    policyArn: iot('AWSIoTFullAccess'),
    outcome: 'reverted',
    reason: 'no allowlist entry matches',
  },
  {
    principal: { type: 'group', name: 'auditors' },
    policyArn: iot('AWSIoTConfigReadOnlyAccess'),
    outcome: 'alert-only',
    reason: 'no allowlist entry matches',
  },
  {
    principal: { type: 'user', name: 'bob' },
    policyArn: iot('service-role/AWSIoTLogging'),
    outcome: 'remediation-failed',
    reason: 'no entry allows it (entry #3 expired on 2026-06-30)',
    error: { name: 'AccessDenied', message: 'not authorized to perform iam:DetachUserPolicy' },
  },
];

const input = (over: Partial<DigestInput> = {}): DigestInput => ({
  account: '123456789012',
  partition: 'aws',
  scope: 'aws-iot',
  mode: 'remediate',
  startedAt: new Date('2026-11-26T12:00:00Z'),
  finishedAt: new Date('2026-11-26T12:00:04.5Z'),
  counts: { governedPolicies: 50, policiesNotFound: 5, listCalls: 52, attachments: 40, allowed: 37 },
  violations: VIOLATIONS,
  ...over,
});

describe('sweep digest', () => {
  it('is the pinned schemaVersion 1 contract: counts derived from the list, worst first', () => {
    const digest = buildDigest(input());
    expect(digestSchema.parse(digest)).toEqual(digest);
    expect(digest).toEqual({
      schemaVersion: 1,
      kind: 'sweep-digest',
      account: '123456789012',
      partition: 'aws',
      scope: 'aws-iot',
      mode: 'remediate',
      startedAt: '2026-11-26T12:00:00.000Z',
      finishedAt: '2026-11-26T12:00:04.500Z',
      complete: true,
      counts: {
        governedPolicies: 50,
        policiesNotFound: 5,
        listCalls: 52,
        attachments: 40,
        allowed: 37,
        violations: 3,
        outcomes: {
          reverted: 1,
          'already-detached': 0,
          'not-remediable': 0,
          'remediation-failed': 1,
          'alert-only': 1,
          'dry-run': 0,
          stale: 0,
          unreadable: 0,
        },
        failures: 1,
      },
      violations: [
        {
          principal: { type: 'user', name: 'bob' },
          policyArn: iot('service-role/AWSIoTLogging'),
          policyName: 'service-role/AWSIoTLogging',
          severity: 'high',
          outcome: 'remediation-failed',
          reason: 'no entry allows it (entry #3 expired on 2026-06-30)',
          error: { name: 'AccessDenied', message: 'not authorized to perform iam:DetachUserPolicy' },
        },
        {
          principal: { type: 'group', name: 'auditors' },
          policyArn: iot('AWSIoTConfigReadOnlyAccess'),
          policyName: 'AWSIoTConfigReadOnlyAccess',
          severity: 'low',
          outcome: 'alert-only',
          reason: 'no allowlist entry matches',
        },
        {
          principal: { type: 'role', name: 'app-1' },
          policyArn: iot('AWSIoTFullAccess'),
          policyName: 'AWSIoTFullAccess',
          severity: 'high',
          outcome: 'reverted',
          reason: 'no allowlist entry matches',
        },
      ],
      omitted: 0,
    });
  });

  it('is due when something is not compliant or the sweep stopped early, not otherwise', () => {
    expect(needsDigest(input())).toBe(true);
    expect(needsDigest(input({ violations: [] }))).toBe(false);
    expect(needsDigest(input({ violations: [], error: { name: 'ListHoldersError', message: 'AccessDenied' } }))).toBe(
      true,
    );
  });

  it('counts a response that failed before any outcome as a failure', () => {
    const digest = buildDigest(
      input({
        violations: [
          {
            principal: { type: 'role', name: 'x' },
            policyArn: iot('AWSIoTDataAccess'),
            outcome: null,
            reason: 'r',
            error: { name: 'KMSAccessDenied', message: 'publish failed' },
          },
        ],
      }),
    );
    expect(digest.counts).toMatchObject({ violations: 1, failures: 1 });
    expect(renderDigestText(digest)).toContain('role/x  AWSIoTDataAccess  failed: r [KMSAccessDenied: publish failed]');
  });

  it('renders a one-line subject under 100 characters that leads with failures', () => {
    expect(renderDigestSubject(buildDigest(input()))).toBe(
      'IoT policy sweep (123456789012): 1 FAILED, 3 violations (1 reverted, 1 alert-only)',
    );
    expect(renderDigestSubject(buildDigest(input())).length).toBeLessThan(100);
    const stopped = buildDigest(
      input({ violations: [VIOLATIONS[0]!], error: { name: 'ListHoldersError', message: 'x' } }),
    );
    expect(renderDigestSubject(stopped)).toBe('IoT policy sweep (123456789012) INCOMPLETE: 1 violation (1 reverted)');
  });

  it('renders readable text from the same data', () => {
    const text = renderDigestText(buildDigest(input()));
    expect(text).toContain('found 3 attachments of AWS IoT managed policies that no allowlist entry allows');
    expect(text).toContain('Outcomes: 1 reverted, 1 remediation-failed, 1 alert-only.');
    expect(text).toContain('ATTENTION: 1 response failed');
    expect(text).toContain(
      '  user/bob  service-role/AWSIoTLogging  remediation-failed: no entry allows it (entry #3 expired on ' +
        '2026-06-30) [AccessDenied: not authorized',
    );
    expect(text).toContain(
      'Checked: 50 governed policies attached (scope aws-iot, partition aws, 5 not found any more) in 52 IAM list ' +
        'calls: 40 attachments, 37 allowed, 3 violations.',
    );
    const stopped = renderDigestText(
      buildDigest(input({ violations: [], error: { name: 'ListHoldersError', message: 'throttled' } })),
    );
    expect(stopped).toContain('found no violation so far, but it did not finish');
    expect(stopped).toContain(
      'The sweep stopped early (ListHoldersError: throttled); attachments may have been missed.',
    );
  });

  it('publishes JSON for machines and text for email, with attributes that tell it from an alert', () => {
    const digest = buildDigest(input());
    const message = renderDigestMessage(digest);
    const body = JSON.parse(message.Message) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    expect(JSON.parse(body.sqs!)).toEqual(digest);
    expect(body.email).toBe(renderDigestText(digest));
    expect(message.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'sweep-digest' },
      account: { DataType: 'String', StringValue: '123456789012' },
      severity: { DataType: 'String', StringValue: 'high' },
    });
    const readOnly = buildDigest(input({ violations: [VIOLATIONS[1]!] }));
    expect(renderDigestMessage(readOnly).MessageAttributes.severity?.StringValue).toBe('low');
  });

  it('stays under the SNS limit with thousands of violations, saying how many it left out', () => {
    const many = Array.from(
      { length: 5000 },
      (_, i): DigestViolationInput => ({
        principal: { type: 'role', name: `role-with-a-long-name-${'x'.repeat(80)}-${i}` },
        policyArn: iot('AWSIoTFullAccess'),
        outcome: 'alert-only',
        reason: `no allowlist entry matches ${'y'.repeat(200)}`,
      }),
    );
    const message = renderDigestMessage(buildDigest(input({ violations: many })));
    expect(Buffer.byteLength(message.Message)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const fitted = digestSchema.parse(JSON.parse((JSON.parse(message.Message) as { sqs: string }).sqs));
    expect(fitted.counts.violations).toBe(5000);
    expect(fitted.violations.length).toBeGreaterThan(0);
    expect(fitted.violations.length + fitted.omitted).toBe(5000);
    expect((JSON.parse(message.Message) as { email: string }).email).toContain(
      `… and ${5000 - Math.min(fitted.violations.length, 100)} more`,
    );
  });
});
