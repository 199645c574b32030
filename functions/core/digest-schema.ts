/**
 * The sweep digest's zod schema, its self-check part included: what `infra/digest.schema.json` is generated from
 * (schemas.ts) and what the tests check digests against. The functions import only its types: a module of theirs that
 * imported zod would put zod in their bundles (a cold start parses no digest).
 */
import * as z from 'zod/mini';
import { GUARD_MODES, OUTCOMES } from './alert.js';
import { DIGEST_KIND } from './digest.js';
import { SELF_CHECKS } from './self-check.js';
import { described } from './zod.js';

const count = z.int().check(z.nonnegative());

export const driftFindingSchema = z.strictObject({
  check: z.enum(SELF_CHECKS),
  resource: described(z.string(), 'Name or ARN of the resource checked.'),
  problem: z.string(),
});

export const selfCheckSummarySchema = z.strictObject({
  checks: described(count, 'Resources checked.'),
  drift: described(z.array(driftFindingSchema), 'What is not as the stack deployed it; empty when clean.'),
});

export type DriftFinding = z.infer<typeof driftFindingSchema>;
export type SelfCheckSummary = z.infer<typeof selfCheckSummarySchema>;

const errorSchema = z.strictObject({ name: z.string(), message: z.string() });

export const digestViolationSchema = z.strictObject({
  principal: z.strictObject({ type: z.enum(['user', 'role', 'group', 'permission-set']), name: z.string() }),
  permissionSetName: described(
    z.optional(z.nullable(z.string())),
    'For a permission set (named by ARN in principal): its name.',
  ),
  policyArn: z.string(),
  policyName: described(z.string(), 'Path-qualified name, e.g. service-role/AWSIoTLogging.'),
  severity: z.enum(['high', 'low']),
  outcome: described(
    z.nullable(z.enum(OUTCOMES)),
    'What was done; null when responding failed before an outcome was known (see error).',
  ),
  reason: z.string(),
  error: z.optional(errorSchema),
});

export const digestSchema = described(
  z.strictObject({
    schemaVersion: z.literal(1),
    kind: z.literal(DIGEST_KIND),
    account: z.nullable(z.string()),
    partition: z.string(),
    scope: z.enum(['aws-iot', 'seed']),
    mode: described(z.enum(GUARD_MODES), 'The mode the guard ran in.'),
    startedAt: z.string(),
    finishedAt: z.string(),
    complete: described(
      z.boolean(),
      'false when the sweep stopped early (see error): attachments may have been missed.',
    ),
    counts: z.strictObject({
      governedPolicies: described(
        count,
        'Governed policies IAM reported attached in the account (ListPolicies): those whose holders the sweep set ' +
          'out to list.',
      ),
      policiesNotFound: described(
        count,
        'Of those, policies IAM no longer found when their holders were listed (skipped).',
      ),
      listCalls: described(
        count,
        'IAM list calls made (pages): one ListPolicies pass plus ListEntitiesForPolicy for each governed policy ' +
          'attached.',
      ),
      attachments: count,
      allowed: count,
      violations: count,
      outcomes: z.record(z.enum(OUTCOMES), count),
      failures: described(
        count,
        'Violations whose response failed (remediation-failed, or an error before any outcome).',
      ),
    }),
    violations: described(
      z.array(digestViolationSchema),
      'Worst first: failures, then what is still attached, then what was reverted.',
    ),
    omitted: described(count, 'Violations left out of `violations` to keep the message within the SNS size limit.'),
    error: described(z.optional(errorSchema), 'Why the sweep stopped early.'),
    identityCenter: described(
      z.optional(z.strictObject({ region: z.string(), instances: count, permissionSets: count, calls: count })),
      'The IAM Identity Center part of the sweep (absent when no Identity Center Region is configured): permission ' +
        'sets checked and the SSO admin calls made. Their attachments are counted in counts.',
    ),
    selfCheck: described(
      z.optional(selfCheckSummarySchema),
      "The self-check of the guard's own resources (docs/self-check.md), in the function's own account's digest; " +
        'absent when the sweep ran without one (member accounts, runs outside the deployed stack).',
    ),
  }),
  'iot-policy-guard sweep digest, schemaVersion 1',
);

export type Digest = z.infer<typeof digestSchema>;
export type DigestViolation = z.infer<typeof digestViolationSchema>;
