/**
 * The sweep's digest: one message per sweep that found something (a violation, or a failure). Like the alert it is a
 * versioned JSON contract (`kind: sweep-digest`, schemaVersion 1) built by a pure function, and the text for email is
 * rendered from the same data. Subscribers tell it from an alert by `kind` (in the JSON and as a message attribute).
 * Its schema is in digest-schema.ts, which the functions never load.
 */
import { OUTCOMES, type GuardMode, type Outcome } from './alert.js';
import { parsePolicyArn, qualifiedName } from './arn.js';
import { riskOf } from './catalog.js';
import type { Digest, DigestViolation, SelfCheckSummary } from './digest-schema.js';
import { permissionSetLabel } from './identity-center.js';
import {
  clip,
  fitSnsMessage,
  messageAttributes,
  principalNameLimit,
  subjectLine,
  type SnsMessage,
} from './sns-envelope.js';
import type { Principal, Scope } from './types.js';

export type { Digest, DigestViolation };

export const DIGEST_KIND = 'sweep-digest';
/** The text lists at most this many violations; the JSON lists as many as fit in one SNS message. */
export const DIGEST_TEXT_LINES = 100;

export interface DigestViolationInput {
  readonly principal: Principal;
  readonly policyArn: string;
  readonly outcome: Outcome | null;
  readonly reason: string;
  readonly error?: { readonly name: string; readonly message: string };
  readonly permissionSetName?: string | null;
}

export interface DigestInput {
  readonly account: string | null;
  readonly partition: string;
  readonly scope: Scope;
  readonly mode: GuardMode;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly counts: Pick<
    Digest['counts'],
    'governedPolicies' | 'policiesNotFound' | 'listCalls' | 'attachments' | 'allowed'
  >;
  readonly violations: readonly DigestViolationInput[];
  /** Set when the sweep stopped early. */
  readonly error?: { readonly name: string; readonly message: string };
  /** Set when the sweep covered IAM Identity Center. */
  readonly identityCenter?: Digest['identityCenter'];
  /** Set when the run checked the guard's own resources. */
  readonly selfCheck?: SelfCheckSummary;
}

// What needs a human first: failures, then violations still in place, then what the guard already fixed.
const URGENCY: Record<Outcome | 'failed', number> = {
  failed: 0,
  'remediation-failed': 0,
  'not-remediable': 1,
  unreadable: 1,
  'alert-only': 2,
  stale: 2,
  'dry-run': 2,
  reverted: 3,
  'already-detached': 3,
};

/**
 * Whether a sweep's findings warrant a digest: anything that is not compliant, a sweep that did not finish, or drift.
 */
export function needsDigest(input: Pick<DigestInput, 'violations' | 'error' | 'selfCheck'>): boolean {
  return input.violations.length > 0 || input.error !== undefined || (input.selfCheck?.drift.length ?? 0) > 0;
}

/** Builds the digest of one sweep, every violation listed (see renderDigestMessage for the size limit). */
export function buildDigest(input: DigestInput): Digest {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  let failures = 0;
  for (const v of input.violations) {
    if (v.outcome !== null) outcomes[v.outcome]++;
    if (v.outcome === null || v.outcome === 'remediation-failed') failures++;
  }
  const violations = input.violations
    .map((v, index) => ({ v, index }))
    .sort((a, b) => URGENCY[a.v.outcome ?? 'failed'] - URGENCY[b.v.outcome ?? 'failed'] || a.index - b.index)
    .map(({ v }) => toDigestViolation(v));
  const digest: Digest = {
    schemaVersion: 1,
    kind: DIGEST_KIND,
    account: input.account,
    partition: input.partition,
    scope: input.scope,
    mode: input.mode,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    complete: input.error === undefined,
    counts: { ...input.counts, violations: input.violations.length, outcomes, failures },
    violations,
    omitted: 0,
  };
  if (input.error) digest.error = { name: clip(input.error.name, 128), message: clip(input.error.message) };
  if (input.identityCenter) digest.identityCenter = { ...input.identityCenter };
  if (input.selfCheck) {
    const drift = input.selfCheck.drift.map((d) => ({
      check: d.check,
      resource: clip(d.resource),
      problem: clip(d.problem),
    }));
    digest.selfCheck = { checks: input.selfCheck.checks, drift };
  }
  return digest;
}

function toDigestViolation(v: DigestViolationInput): DigestViolation {
  const arn = parsePolicyArn(v.policyArn);
  const entry: DigestViolation = {
    principal: { type: v.principal.type, name: clip(v.principal.name, principalNameLimit(v.principal.type)) },
    ...(v.permissionSetName === undefined
      ? {}
      : { permissionSetName: v.permissionSetName === null ? null : clip(v.permissionSetName, 128) }),
    policyArn: clip(v.policyArn),
    policyName: clip(arn ? qualifiedName(arn) : v.policyArn),
    severity: arn && riskOf(arn) === 'read-only' ? 'low' : 'high',
    outcome: v.outcome,
    reason: clip(v.reason),
  };
  if (v.error) entry.error = { name: clip(v.error.name, 128), message: clip(v.error.message) };
  return entry;
}

const driftOf = (digest: Digest): number => digest.selfCheck?.drift.length ?? 0;

/**
 * high when something is still wrong and serious: a failure, an incomplete sweep, drift, or a write/full-access
 * violation.
 */
export function digestSeverity(digest: Digest): 'high' | 'low' {
  if (!digest.complete || digest.counts.failures > 0 || driftOf(digest) > 0) return 'high';
  return digest.violations.some((v) => v.severity === 'high') || digest.omitted > 0 ? 'high' : 'low';
}

/** One line for the SNS Subject: under 100 characters. */
export function renderDigestSubject(digest: Digest): string {
  const c = digest.counts;
  const parts: string[] = [];
  if (c.failures > 0) parts.push(`${c.failures} FAILED`);
  if (driftOf(digest) > 0) parts.push(`${driftOf(digest)} DRIFT`);
  parts.push(`${c.violations} violation${c.violations === 1 ? '' : 's'}`);
  // Failed remediations already lead as FAILED.
  const done = OUTCOMES.filter((o) => c.outcomes[o] > 0 && o !== 'remediation-failed').map(
    (o) => `${c.outcomes[o]} ${o}`,
  );
  const account = digest.account ? ` (${digest.account})` : '';
  const head = `IoT policy sweep${account}${digest.complete ? '' : ' INCOMPLETE'}: `;
  const subject = `${head}${parts.join(', ')}${done.length > 0 ? ` (${done.join(', ')})` : ''}`;
  return subjectLine(subject);
}

/** The readable text for email subscriptions, rendered from the same data as the JSON. */
export function renderDigestText(digest: Digest): string {
  const c = digest.counts;
  const where = `account ${digest.account ?? '(unknown)'}`;
  const lines: string[] = [
    c.violations > 0
      ? `The iot-policy-guard sweep of ${where} found ${c.violations} attachment${c.violations === 1 ? '' : 's'} of ` +
        `AWS IoT managed policies that no allowlist entry allows.`
      : digest.complete
        ? `The iot-policy-guard sweep of ${where} found no violation.`
        : `The iot-policy-guard sweep of ${where} found no violation so far, but it did not finish.`,
  ];
  if (digest.selfCheck && digest.selfCheck.drift.length > 0) {
    lines.push(
      '',
      `ATTENTION: the guard's own resources have drifted (${digest.selfCheck.drift.length} of ` +
        `${digest.selfCheck.checks} checks); the guard may not see or report attachments until this is fixed:`,
    );
    for (const d of digest.selfCheck.drift) lines.push(`  ${d.check}  ${d.resource}: ${d.problem}`);
  }
  const done = OUTCOMES.filter((o) => c.outcomes[o] > 0).map((o) => `${c.outcomes[o]} ${o}`);
  if (done.length > 0) lines.push('', `Outcomes: ${done.join(', ')}.`);
  if (c.failures > 0) {
    lines.push(
      `ATTENTION: ${c.failures} response${c.failures === 1 ? '' : 's'} failed; those policies are probably still ` +
        `attached. Act now.`,
    );
  }
  if (digest.error) {
    lines.push(
      '',
      `The sweep stopped early (${digest.error.name}: ${digest.error.message}); attachments may have been missed.`,
    );
  }
  if (digest.violations.length > 0) {
    lines.push('', 'Violations (worst first):');
    for (const v of digest.violations.slice(0, DIGEST_TEXT_LINES)) {
      const error = v.error ? ` [${v.error.name}: ${v.error.message}]` : '';
      const who =
        v.principal.type === 'permission-set'
          ? permissionSetLabel(v.principal.name, v.permissionSetName)
          : `${v.principal.type}/${v.principal.name}`;
      lines.push(`  ${who}  ${v.policyName}  ${v.outcome ?? 'failed'}: ${v.reason}${error}`);
    }
    const more = digest.violations.length - Math.min(digest.violations.length, DIGEST_TEXT_LINES) + digest.omitted;
    if (more > 0) lines.push(`  … and ${more} more (see the JSON message and the function's log)`);
  }
  lines.push(
    '',
    `Checked: ${c.governedPolicies} governed policies attached (scope ${digest.scope}, partition ${digest.partition}` +
      `${c.policiesNotFound > 0 ? `, ${c.policiesNotFound} not found any more` : ''}) in ${c.listCalls} IAM list ` +
      `calls: ${c.attachments} attachments, ${c.allowed} allowed, ${c.violations} violations.`,
    ...(digest.identityCenter
      ? [
          `IAM Identity Center (${digest.identityCenter.region}): ${digest.identityCenter.permissionSets} permission ` +
            `sets of ${digest.identityCenter.instances} instance${digest.identityCenter.instances === 1 ? '' : 's'} ` +
            `checked in ${digest.identityCenter.calls} SSO admin calls (their attachments are counted above).`,
        ]
      : []),
    `Swept from ${digest.startedAt} to ${digest.finishedAt}.`,
    '',
    'Every detach the sweep made, tried or could not make was also sent as its own alert.',
    'If an attachment is legitimate, add an allowlist entry for it (policy, principal, account, reason) and redeploy.',
    '',
    `-- iot-policy-guard (scheduled sweep, mode ${digest.mode})`,
  );
  return lines.join('\n');
}

/** The SNS Publish input (without the topic): JSON for machine protocols, text for email; always under 256 KiB. */
export function renderDigestMessage(digest: Digest): SnsMessage {
  const { fitted, message } = fitSnsMessage(listing(digest), (d) => ({
    json: JSON.stringify(d),
    email: renderDigestText(d),
  }));
  return {
    Subject: renderDigestSubject(fitted),
    Message: message,
    MessageStructure: 'json',
    MessageAttributes: messageAttributes({
      kind: DIGEST_KIND,
      account: fitted.account ?? 'unknown',
      severity: digestSeverity(fitted),
    }),
  };
}

// The digest listing ever fewer violations (half as many each time, down to none), saying how many were left out.
function* listing(digest: Digest): Generator<Digest> {
  for (let listed = digest.violations.length; ; listed = Math.floor(listed / 2)) {
    yield {
      ...digest,
      violations: digest.violations.slice(0, listed),
      omitted: digest.omitted + digest.violations.length - listed,
    };
    if (listed === 0) return;
  }
}
