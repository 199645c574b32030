// The self-check's drift in the sweep's digest: published even when nothing else is wrong, high severity, listed in
// the text, valid against the digest schema; only in the function's own account's digest.
import { IAMClient } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  buildDigest,
  digestSeverity,
  needsDigest,
  renderDigestMessage,
  renderDigestSubject,
  renderDigestText,
  type DigestInput,
} from '../../functions/core/digest.js';
import { digestSchema } from '../../functions/core/digest-schema.js';
import type { SelfCheckSummary } from '../../functions/core/self-check.js';
import { runSweep, sweepAccounts } from '../../functions/guard/sweep.js';
import { guardDeps } from '../support/guard.js';
import { holdIn } from '../support/iam-holders.js';

const RULE = 'iot-policy-guard-dev-attach-policy';
const DRIFT: SelfCheckSummary = {
  checks: 5,
  drift: [
    { check: 'attach-rule', resource: RULE, problem: 'the rule is DISABLED: no attach event reaches attach-guard' },
    {
      check: 'alert-subscription',
      resource: 'arn:aws:sns:us-east-1:123456789012:alerts',
      problem: 'the alert topic has no subscription: alerts and digests reach nobody',
    },
  ],
};
const CLEAN: SelfCheckSummary = { checks: 5, drift: [] };

const input = (selfCheck?: SelfCheckSummary): DigestInput => ({
  account: '123456789012',
  partition: 'aws',
  scope: 'aws-iot',
  mode: 'alert',
  startedAt: new Date('2026-11-26T12:00:00Z'),
  finishedAt: new Date('2026-11-26T12:00:03Z'),
  counts: { governedPolicies: 50, policiesNotFound: 0, listCalls: 50, attachments: 3, allowed: 3 },
  violations: [],
  ...(selfCheck ? { selfCheck } : {}),
});

describe('digest with a self-check', () => {
  it('is sent for drift alone, with high severity, drift first in the subject and the text', () => {
    expect(needsDigest(input(DRIFT))).toBe(true);
    expect(needsDigest(input(CLEAN))).toBe(false);
    expect(needsDigest(input())).toBe(false);
    const digest = buildDigest(input(DRIFT));
    expect(digest.selfCheck).toEqual(DRIFT);
    expect(digestSeverity(digest)).toBe('high');
    expect(digestSeverity(buildDigest(input(CLEAN)))).toBe('low');
    expect(renderDigestSubject(digest)).toBe('IoT policy sweep (123456789012): 2 DRIFT, 0 violations');
    const text = renderDigestText(digest);
    expect(text).toContain('The iot-policy-guard sweep of account 123456789012 found no violation.');
    expect(text).toContain("ATTENTION: the guard's own resources have drifted (2 of 5 checks)");
    expect(text).toContain(`  attach-rule  ${RULE}: the rule is DISABLED: no attach event reaches attach-guard`);
    expect(renderDigestMessage(digest).MessageAttributes.severity?.StringValue).toBe('high');
  });

  it('validates against the zod schema and the published JSON Schema; a digest without it still does', () => {
    const validate = new Ajv2020({ strict: false }).compile(
      JSON.parse(readFileSync('infra/digest.schema.json', 'utf8')),
    );
    for (const selfCheck of [DRIFT, CLEAN, undefined]) {
      const digest = buildDigest(input(selfCheck));
      expect(digestSchema.parse(JSON.parse(JSON.stringify(digest)))).toEqual(digest);
      expect(validate(JSON.parse(JSON.stringify(digest))), JSON.stringify(validate.errors)).toBe(true);
    }
    const bad = {
      ...buildDigest(input(DRIFT)),
      selfCheck: { checks: 5, drift: [{ check: 'mood', resource: 'x', problem: 'y' }] },
    };
    expect(validate(bad)).toBe(false);
  });
});

describe('the sweep with a self-check', () => {
  const iam = mockClient(IAMClient);
  const sns = mockClient(SNSClient);
  beforeEach(() => {
    iam.reset();
    sns.reset();
    // Nothing governed is attached: the runs find no violation.
    holdIn(iam, {});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('publishes the drift of a run that found nothing else, and logs its count', async () => {
    const deps = guardDeps({ scope: 'seed', mode: 'alert' });
    const result = await runSweep({ account: '123456789012', partition: 'aws' }, deps, { selfCheck: DRIFT });
    expect(result.published).toBe(true);
    expect(result.digest.selfCheck).toEqual(DRIFT);
    const published = JSON.parse(
      JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}').default,
    );
    expect(published.selfCheck).toEqual(DRIFT);
    expect(deps.logs.find((l) => l.message === 'sweep summary')?.fields.selfCheckDrift).toBe(2);
  });

  it('sends nothing for a clean self-check and no violation', async () => {
    const result = await runSweep({ account: '123456789012', partition: 'aws' }, guardDeps({ scope: 'seed' }), {
      selfCheck: CLEAN,
    });
    expect(result).toMatchObject({ published: false, digest: { selfCheck: CLEAN } });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('reports the self-check in the home account’s digest only, not in the member accounts’', async () => {
    const base = guardDeps({ scope: 'seed', sweepAccounts: ['222222222222'] });
    const deps = { ...base, accounts: { iamFor: async () => base.iam, readIamFor: async () => base.iam } };
    const results = await sweepAccounts({ account: '111111111111', partition: 'aws' }, deps, { selfCheck: DRIFT });
    expect(results.map((r) => [r.account, r.digest.selfCheck ?? null, r.published])).toEqual([
      ['111111111111', DRIFT, true],
      ['222222222222', null, false],
    ]);
  });
});
