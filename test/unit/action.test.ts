// planResponse, the one decision of what to do about a decided attachment, as a table: every row is a case whose plan
// changes when the logic does (deploy mode and its source, `modes` overrides, verdicts, failed attempts, stale and
// unreadable events, standing findings left to the sweep's digest).
import { describe, expect, it } from 'vitest';
import {
  alertsAfterDetach,
  planResponse,
  resolveMode,
  type ResponseCircumstances,
  type ResponsePlan,
  type ResponseSettings,
} from '../../functions/core/action.js';
import type { ActionSource, GuardMode, Outcome } from '../../functions/core/alert.js';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import type { AttachmentSource, Decision, Mode } from '../../functions/core/types.js';

const allowlist = parseAllowlist(
  `version: 1
mode: alert
modes:
  AWSIoTConfigReadOnlyAccess: alert
  AWSIoTDataAccess: remediate
allow: []
`,
  'action-test.yml',
);

const iot = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const FULL = iot('AWSIoTFullAccess'); // no `modes` entry
const READ = iot('AWSIoTConfigReadOnlyAccess'); // modes: alert
const DATA = iot('AWSIoTDataAccess'); // modes: remediate
const CUSTOMER = 'arn:aws:iam::123456789012:policy/AWSIoTFullAccess';

const violation = (action: Mode): Decision => ({
  verdict: 'violation',
  action,
  rule: null,
  reason: 'no allowlist entry matches',
});
const other = (verdict: Decision['verdict']): Decision => ({
  verdict,
  action: null,
  rule: verdict === 'allowed' ? 0 : null,
  reason: verdict,
});

interface Row {
  readonly mode: GuardMode;
  readonly source?: 'deploy' | 'allowlist';
  readonly policy?: string;
  readonly decision: Decision;
  /** The sweep found it (default: an attach event). */
  readonly found?: true;
  readonly circumstances?: ResponseCircumstances;
  readonly failedAttemptAlerts?: boolean;
  readonly principal?: null;
  readonly permissionSetName?: string | null;
  readonly plan: ResponsePlan;
}

const report = (
  outcome: Outcome,
  action: Mode | null,
  actionSource: ActionSource | null,
  alert = true,
): ResponsePlan => ({ kind: 'report', outcome, action, actionSource, alert });
const detach = (
  actionSource: 'deploy-mode' | 'allowlist-modes' | 'allowlist-mode',
  standingToDigest = false,
): ResponsePlan => ({ kind: 'detach', action: 'remediate', actionSource, standingToDigest });

const DIGEST: ResponseCircumstances = { alerts: 'remediations' };
const EVENT: AttachmentSource = {
  kind: 'event',
  eventId: 'e-1',
  eventTime: '2026-11-26T11:00:00Z',
  eventName: 'AttachRolePolicy',
  actor: {
    type: 'IAMUser',
    arn: 'arn:aws:iam::123456789012:user/alice',
    issuerArn: null,
    invokedBy: null,
    sourceIp: null,
    userAgent: null,
  },
  errorCode: null,
  errorMessage: null,
};
const SWEEP: AttachmentSource = { kind: 'sweep', foundAt: '2026-11-26T12:00:00.000Z' };

const rows: [string, Row][] = [
  // Violations: deploy mode × where it came from × `modes`.
  [
    'alert mode: alert only, from the deploy',
    { mode: 'alert', decision: violation('alert'), plan: report('alert-only', 'alert', 'deploy-mode') },
  ],
  [
    'alert mode never detaches, even where `modes` asks for remediate',
    {
      mode: 'alert',
      policy: DATA,
      decision: violation('remediate'),
      plan: report('alert-only', 'alert', 'deploy-mode'),
    },
  ],
  [
    'alert mode set by the allowlist',
    {
      mode: 'alert',
      source: 'allowlist',
      decision: violation('alert'),
      plan: report('alert-only', 'alert', 'allowlist-mode'),
    },
  ],
  [
    'remediate mode: detach, from the deploy',
    { mode: 'remediate', decision: violation('remediate'), plan: detach('deploy-mode') },
  ],
  [
    'remediate mode set by the allowlist',
    { mode: 'remediate', source: 'allowlist', decision: violation('remediate'), plan: detach('allowlist-mode') },
  ],
  [
    'remediate mode, `modes` keeps the policy at alert',
    {
      mode: 'remediate',
      policy: READ,
      decision: violation('alert'),
      plan: report('alert-only', 'alert', 'allowlist-modes'),
    },
  ],
  [
    'remediate mode, `modes` asks for remediate',
    { mode: 'remediate', policy: DATA, decision: violation('remediate'), plan: detach('allowlist-modes') },
  ],
  [
    'remediate mode set by the allowlist, `modes` keeps the policy at alert',
    {
      mode: 'remediate',
      source: 'allowlist',
      policy: READ,
      decision: violation('alert'),
      plan: report('alert-only', 'alert', 'allowlist-modes'),
    },
  ],
  [
    'dry-run: nothing detached, says what the allowlist would do (alert)',
    { mode: 'dry-run', decision: violation('alert'), plan: report('dry-run', 'alert', 'dry-run') },
  ],
  [
    'dry-run: nothing detached, says what the allowlist would do (remediate)',
    {
      mode: 'dry-run',
      policy: DATA,
      decision: violation('remediate'),
      plan: report('dry-run', 'remediate', 'dry-run'),
    },
  ],
  [
    'dry-run set by the deploy over an allowlist',
    {
      mode: 'dry-run',
      source: 'allowlist',
      decision: violation('remediate'),
      plan: report('dry-run', 'remediate', 'dry-run'),
    },
  ],
  // Stale events: reported, never acted on, whatever the mode; no setting decided it.
  [
    'stale in remediate mode: no detach',
    {
      mode: 'remediate',
      decision: violation('remediate'),
      circumstances: { stale: true },
      plan: report('stale', 'remediate', null),
    },
  ],
  [
    'stale in alert mode',
    {
      mode: 'alert',
      decision: violation('remediate'),
      circumstances: { stale: true },
      plan: report('stale', 'alert', null),
    },
  ],
  [
    'stale in dry-run',
    {
      mode: 'dry-run',
      decision: violation('alert'),
      circumstances: { stale: true },
      plan: report('stale', 'alert', null),
    },
  ],
  [
    'stale is alerted even when standing findings go to the digest',
    {
      mode: 'remediate',
      decision: violation('remediate'),
      circumstances: { stale: true, ...DIGEST },
      plan: report('stale', 'remediate', null),
    },
  ],
  // The sweep's standing findings: left to the digest, except what a detach changes.
  [
    'digest: alert-only is not alerted',
    {
      mode: 'alert',
      decision: violation('alert'),
      found: true,
      circumstances: DIGEST,
      plan: report('alert-only', 'alert', 'deploy-mode', false),
    },
  ],
  [
    'digest: dry-run is not alerted',
    {
      mode: 'dry-run',
      decision: violation('remediate'),
      found: true,
      circumstances: DIGEST,
      plan: report('dry-run', 'remediate', 'dry-run', false),
    },
  ],
  [
    'digest: `modes` at alert in remediate mode is not alerted',
    {
      mode: 'remediate',
      policy: READ,
      decision: violation('alert'),
      found: true,
      circumstances: DIGEST,
      plan: report('alert-only', 'alert', 'allowlist-modes', false),
    },
  ],
  [
    'digest: a detach still happens, its standing outcomes go to the digest',
    {
      mode: 'remediate',
      decision: violation('remediate'),
      found: true,
      circumstances: DIGEST,
      plan: detach('deploy-mode', true),
    },
  ],
  [
    'a sweep finding without the digest: alerted',
    { mode: 'alert', decision: violation('alert'), found: true, plan: report('alert-only', 'alert', 'deploy-mode') },
  ],
  [
    'an event is never left to a digest: alerted',
    {
      mode: 'alert',
      decision: violation('alert'),
      circumstances: DIGEST,
      plan: report('alert-only', 'alert', 'deploy-mode'),
    },
  ],
  [
    'an event to detach is never left to a digest either',
    { mode: 'remediate', decision: violation('remediate'), circumstances: DIGEST, plan: detach('deploy-mode') },
  ],
  [
    'a sweep finding is current, never stale: detached',
    {
      mode: 'remediate',
      decision: violation('remediate'),
      found: true,
      circumstances: { stale: true },
      plan: detach('deploy-mode'),
    },
  ],
  // Unreadable events: reported as they are, never acted on.
  [
    'unreadable in remediate mode',
    {
      mode: 'remediate',
      decision: { ...violation('remediate'), action: null },
      circumstances: { unreadable: true },
      plan: report('unreadable', null, null),
    },
  ],
  [
    'unreadable in dry-run, standing findings to the digest',
    {
      mode: 'dry-run',
      decision: { ...violation('alert'), action: null },
      circumstances: { unreadable: true, ...DIGEST },
      plan: report('unreadable', null, null),
    },
  ],
  // Other verdicts.
  ['allowed: nothing', { mode: 'remediate', decision: other('allowed'), plan: { kind: 'ignore', why: 'allowed' } }],
  [
    'allowed and stale: nothing',
    {
      mode: 'remediate',
      decision: other('allowed'),
      circumstances: { stale: true },
      plan: { kind: 'ignore', why: 'allowed' },
    },
  ],
  [
    'not governed: nothing',
    { mode: 'remediate', decision: other('not-governed'), plan: { kind: 'ignore', why: 'not-governed' } },
  ],
  [
    'unresolved, the permission set deleted since: nothing',
    {
      mode: 'remediate',
      decision: other('unresolved'),
      permissionSetName: null,
      plan: { kind: 'ignore', why: 'gone' },
    },
  ],
  [
    'unresolved, the name not looked up: retry',
    { mode: 'remediate', decision: other('unresolved'), plan: { kind: 'retry' } },
  ],
  // Failed attempts: alerted only when asked for, on a governed policy with a principal; never acted on.
  [
    'failed attempt, not asked for: nothing',
    { mode: 'remediate', decision: other('failed-attempt'), plan: { kind: 'ignore', why: 'failed-attempt' } },
  ],
  [
    'failed attempt, asked for: alert only, no action',
    {
      mode: 'remediate',
      decision: other('failed-attempt'),
      failedAttemptAlerts: true,
      plan: report('alert-only', null, null),
    },
  ],
  [
    'failed attempt, asked for, stale: still alert only',
    {
      mode: 'remediate',
      decision: other('failed-attempt'),
      failedAttemptAlerts: true,
      circumstances: { stale: true },
      plan: report('alert-only', null, null),
    },
  ],
  [
    'failed attempt, asked for, digest: still alerted',
    {
      mode: 'alert',
      decision: other('failed-attempt'),
      failedAttemptAlerts: true,
      found: true,
      circumstances: DIGEST,
      plan: report('alert-only', null, null),
    },
  ],
  [
    'failed attempt on a customer managed policy: nothing',
    {
      mode: 'remediate',
      policy: CUSTOMER,
      decision: other('failed-attempt'),
      failedAttemptAlerts: true,
      plan: { kind: 'ignore', why: 'failed-attempt' },
    },
  ],
  [
    'failed attempt naming no principal: nothing',
    {
      mode: 'remediate',
      principal: null,
      decision: other('failed-attempt'),
      failedAttemptAlerts: true,
      plan: { kind: 'ignore', why: 'failed-attempt' },
    },
  ],
];

describe('planResponse', () => {
  it.each(rows)('%s', (_, row) => {
    const settings: ResponseSettings = {
      mode: row.mode,
      modeSource: row.source ?? 'deploy',
      allowlist,
      scope: 'aws-iot',
      alertOnFailedAttempts: row.failedAttemptAlerts ?? false,
    };
    const attachment = {
      principal: row.principal === null ? null : { type: 'role' as const, name: 'app' },
      policyArn: row.policy ?? FULL,
      source: row.found ? SWEEP : EVENT,
      ...(row.permissionSetName === undefined ? {} : { permissionSetName: row.permissionSetName }),
    };
    expect(planResponse(attachment, row.decision, settings, row.circumstances)).toEqual(row.plan);
  });
});

describe('alertsAfterDetach', () => {
  it.each([
    ['reverted', true, true],
    ['already-detached', true, true],
    ['remediation-failed', true, true],
    ['not-remediable', true, false],
    ['not-remediable', false, true],
    ['reverted', false, true],
  ] as const)('%s, standing findings to the digest: %s -> its own alert: %s', (outcome, standingToDigest, alerted) => {
    expect(
      alertsAfterDetach(
        { kind: 'detach', action: 'remediate', actionSource: 'deploy-mode', standingToDigest },
        outcome,
      ),
    ).toBe(alerted);
  });
});

describe('resolveMode', () => {
  const remediating = parseAllowlist('version: 1\nmode: remediate\nallow: []\n', 'remediating.yml');
  it.each([
    ["no deploy mode: the allowlist's alert", undefined, allowlist, 'alert', 'allowlist', 'alert'],
    ["no deploy mode: the allowlist's remediate", undefined, remediating, 'remediate', 'allowlist', 'remediate'],
    [
      "deploy remediate makes remediate the allowlist's default",
      'remediate',
      allowlist,
      'remediate',
      'deploy',
      'remediate',
    ],
    ['deploy alert leaves the allowlist as it is', 'alert', remediating, 'alert', 'deploy', 'remediate'],
    ['deploy dry-run leaves the allowlist as it is', 'dry-run', allowlist, 'dry-run', 'deploy', 'alert'],
  ] as const)('%s', (_, deployMode, list, mode, modeSource, allowlistMode) => {
    const resolved = resolveMode(deployMode, list);
    expect(resolved).toMatchObject({ mode, modeSource });
    expect(resolved.allowlist.mode).toBe(allowlistMode);
    expect(resolved.allowlist.modes).toBe(list.modes);
  });
});
