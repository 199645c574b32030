/**
 * The alert's zod schema: what `infra/alert.schema.json` is generated from (schemas.ts) and what the tests check alerts
 * against. The functions import only its types: a module of theirs that imported zod would put zod in their bundles
 * (a cold start parses no alert).
 */
import * as z from 'zod/mini';
import { ACTION_SOURCES, GUARD_MODES, OUTCOMES } from './alert.js';
import { described } from './zod.js';

const nullableString = z.nullable(z.string());

export const alertSchema = described(
  z.strictObject({
    schemaVersion: z.literal(1),
    source: described(
      z.enum(['event', 'sweep']),
      'event: an attach call seen through CloudTrail; sweep: found by the scheduled sweep.',
    ),
    eventId: described(nullableString, 'CloudTrail eventID; null for the sweep.'),
    eventTime: described(nullableString, 'When the policy was attached (CloudTrail eventTime); null for the sweep.'),
    account: nullableString,
    region: nullableString,
    actor: described(
      z.string(),
      'Who attached it: userIdentity.arn, else the session issuer, invokedBy or type; "found by sweep" for the sweep.',
    ),
    sourceIp: nullableString,
    userAgent: nullableString,
    principal: described(
      z.strictObject({ type: z.enum(['user', 'role', 'group', 'permission-set']), name: z.string() }),
      'The IAM user, role or group by name, or the IAM Identity Center permission set by ARN (its name is in ' +
        'permissionSet).',
    ),
    policyArn: z.string(),
    policyName: described(z.string(), 'Path-qualified name, e.g. service-role/AWSIoTLogging.'),
    severity: described(z.enum(['high', 'low']), 'high for write or full access, low for read-only.'),
    verdict: z.enum(['violation', 'failed-attempt']),
    action: described(
      z.nullable(z.enum(['alert', 'remediate'])),
      'What the allowlist asks for; null for failed attempts.',
    ),
    actionSource: described(
      z.optional(z.nullable(z.enum(ACTION_SOURCES))),
      "Where the action came from: deploy-mode (the deploy's mode parameter, GUARD_MODE), allowlist-modes (the " +
        "allowlist's modes entry for this policy), allowlist-mode (its top-level mode, GUARD_MODE unset) or dry-run; " +
        'null for failed attempts.',
    ),
    outcome: z.enum(OUTCOMES),
    mode: described(z.enum(GUARD_MODES), 'The mode the guard ran in.'),
    reason: z.string(),
    error: described(
      z.optional(z.strictObject({ name: z.string(), message: z.string() })),
      'Why remediation failed or was impossible.',
    ),
    suggestedAllowlistEntry: described(
      z.string(),
      'The allowlist entry (YAML) that would allow this attachment, if it was legitimate. Its reason is a ' +
        'placeholder that the allowlist refuses until someone writes why.',
    ),
    links: described(
      z.optional(z.strictObject({ principal: nullableString, event: nullableString })),
      "AWS console links (in the partition's console domain): the principal (IAM console; IAM Identity Center's " +
        "for a permission set) and the event in CloudTrail's event history (null for the sweep).",
    ),
    remediationCommand: described(
      z.optional(nullableString),
      'For a violation left attached (alert-only, dry-run, not-remediable, remediation-failed): the AWS CLI command ' +
        'that detaches it, values quoted for a POSIX shell (for a permission set: detach, then provision). null ' +
        'otherwise, or when the event lacks a value the command needs.',
    ),
    handledAt: described(z.string(), 'When the guard handled it (ISO 8601).'),
    foundAt: described(
      z.optional(z.string()),
      'The sweep only: when its run found the attachment (ISO 8601). ' +
        'No CloudTrail event says who attached it, or when.',
    ),
    permissionSet: described(
      z.optional(z.strictObject({ arn: nullableString, name: nullableString, instanceArn: nullableString })),
      'The IAM Identity Center permission set involved: the principal itself (type permission-set), or the one an ' +
        'AWSReservedSSO_* role was provisioned from (name only): the policy has to come off that permission set.',
    ),
    provisioning: described(
      z.optional(z.strictObject({ status: z.string(), requestId: nullableString, failureReason: nullableString })),
      'After detaching from a permission set: ProvisionPermissionSet to all provisioned accounts, as it answered ' +
        '(status IN_PROGRESS, SUCCEEDED or FAILED; IN_PROGRESS finishes asynchronously).',
    ),
  }),
  'iot-policy-guard alert, schemaVersion 1',
);

export type Alert = z.infer<typeof alertSchema>;
export type Provisioning = NonNullable<Alert['provisioning']>;
