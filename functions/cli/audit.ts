/**
 * `iot-policy-guard audit`: the sweep, run by hand against the account of the current AWS credentials (or
 * AWS_ENDPOINT_URL). Read-only by default: it lists and reports, and makes no write call at all. With --remediate it
 * detaches what the guard in remediate mode would, through the same detach as the functions. With
 * --identity-center-region it covers the permission sets of IAM Identity Center too.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { planResponse, resolveMode, type ResponseSettings } from '../core/action.js';
import type { Outcome } from '../core/alert.js';
import { parsePolicyArn, qualifiedName, type Partition } from '../core/arn.js';
import { isAccountId, isRegion } from '../core/aws-names.js';
import { toReportRecord, type ReportRecord } from '../core/report.js';
import { callerAccount } from '../aws/accounts.js';
import { awsFailureOf, errorCode, RemediationError } from '../aws/failure.js';
import { ListHoldersError } from '../aws/list-entities.js';
import { createIdentityCenterAccess, IdentityCenterListError, type IdentityCenterAccess } from '../aws/sso.js';
import { scanPermissionSets } from '../guard/sweep-identity-center.js';
import { emptyScanStats, scanAttachments, type Found, type ScanStats } from '../guard/sweep-scan.js';
import { remediate } from '../guard/remediate.js';
import { formatVerdicts, tableHeader, tableRow } from './format.js';
import type { Allowlist } from '../core/allowlist.js';
import type { Scope } from '../core/types.js';
import type { AuditContext, AuditOptions } from './audit-command.js';
import { exitStatus, progressLine, UsageError, type Io } from './common.js';

/** An audit record: evaluate's record (eventId and eventTime null, actor "found by sweep") plus what was done. */
export interface AuditRecord extends ReportRecord {
  /**
   * With --remediate, what happened to a violation (reverted, already-detached, not-remediable, remediation-failed,
   * alert-only); else null.
   */
  readonly outcome: Outcome | null;
}

/** Runs one audit with clients of its own (the default credentials and Region), destroyed when it ends. */
export async function auditWithClients(opts: AuditOptions, context: AuditContext): Promise<number> {
  const iam = new IAMClient({ maxAttempts: 5, retryMode: 'adaptive' });
  const identityCenter = createIdentityCenterAccess({ maxAttempts: 5, retryMode: 'adaptive' });
  const sts = new STSClient({ maxAttempts: 5, retryMode: 'adaptive' });
  try {
    return await runAudit(opts, iam, context, identityCenter, sts);
  } finally {
    iam.destroy();
    identityCenter.destroy();
    sts.destroy();
  }
}

/**
 * Runs one audit and resolves to the exit status; throws UsageError for problems with credentials, endpoint or input.
 */
export async function runAudit(
  opts: AuditOptions,
  iam: IAMClient,
  context: Pick<AuditContext, 'io' | 'resolveAllowlist'>,
  identityCenter: IdentityCenterAccess = createIdentityCenterAccess({ maxAttempts: 5, retryMode: 'adaptive' }),
  sts: STSClient = new STSClient({ maxAttempts: 5, retryMode: 'adaptive' }),
): Promise<number> {
  const { io } = context;
  const icRegion = opts.identityCenterRegion;
  if (icRegion !== undefined && !isRegion(icRegion))
    throw new UsageError(`--identity-center-region "${icRegion}" is not an AWS Region such as eu-west-1`);
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  // --remediate is GUARD_MODE=remediate for one run: the top-level mode becomes remediate, per-policy overrides stay.
  const { mode, modeSource, allowlist } = resolveMode(
    opts.remediate ? 'remediate' : undefined,
    context.resolveAllowlist(opts.allowlist),
  );
  const scope = opts.scope ?? allowlist.scope;
  const settings: ResponseSettings = { mode, modeSource, allowlist, scope, alertOnFailedAttempts: false };
  const { account, partition } = await resolveTarget(iam, sts, opts.account, allowlist, say);
  say(
    `auditing account ${account ?? '(unknown)'} (partition ${partition}, scope ` +
      `${scope}${opts.remediate ? ', REMEDIATE: violations are detached' : ', read-only'})`,
  );

  const stats = emptyScanStats();
  const outcomes = new Map<Outcome, number>();
  const problems: string[] = [];
  const progress = startProgress(io.stderr, stats);
  let stoppedBy: ListHoldersError | IdentityCenterListError | undefined;
  if (!opts.json) io.stdout.write(`${tableHeader()}\n`);
  try {
    const now = new Date();
    const found = chain(
      scanAttachments(iam, { allowlist, scope, partition, account, now, onPolicy: progress.update }, stats),
      icRegion === undefined
        ? null
        : () => scanPermissionSets(identityCenter, { allowlist, scope, account, now, region: icRegion }, stats),
    );
    for await (const { attachment, decision } of found) {
      // Read-only, the audit only reports; with --remediate it does what the guard in remediate mode would.
      const plan = opts.remediate ? planResponse(attachment, decision, settings) : null;
      let outcome: Outcome | null = plan?.kind === 'report' ? plan.outcome : null;
      if (plan?.kind === 'detach') {
        try {
          const { result, error } = await remediate(attachment, {
            iam,
            identityCenter,
            ...(icRegion === undefined ? {} : { identityCenterRegion: icRegion }),
          });
          outcome = result;
          // IAM refusing a service-linked role is an outcome; not knowing where to act is a problem with the run.
          if (error?.kind === 'out-of-reach')
            problems.push(
              `${attachment.principal?.type}/${attachment.principal?.name}: ${error.message}; nothing detached`,
            );
        } catch (error) {
          if (!(error instanceof RemediationError)) throw error;
          outcome = 'remediation-failed';
          problems.push(error.message);
        }
      }
      if (outcome !== null) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      const record: AuditRecord = { ...toReportRecord(attachment, decision), outcome };
      progress.clear();
      io.stdout.write(
        opts.json
          ? `${JSON.stringify(record)}\n`
          : `${tableRow(outcome ? { ...record, reason: `${outcome}; ${record.reason}` } : record)}\n`,
      );
    }
  } catch (error) {
    if (!(error instanceof ListHoldersError) && !(error instanceof IdentityCenterListError)) throw explain(error);
    stoppedBy = error;
  } finally {
    progress.stop();
  }

  const text = formatAuditSummary(stats, {
    account,
    partition,
    scope,
    remediate: opts.remediate === true,
    outcomes,
    problems,
  });
  if (opts.json) say(text);
  else io.stdout.write(`\n${text}\n`);
  if (stoppedBy) {
    const where = stats.identityCenter
      ? `the audit stopped while listing IAM Identity Center in ${stats.identityCenter.region}; what it found so far ` +
        `is above`
      : stats.listed > 0
        ? `the audit stopped after ${stats.listed} of ${stats.governedPolicies} policies; what it found so far is above`
        : undefined;
    throw explain(stoppedBy, where);
  }
  return exitStatus(problems.length, stats.verdicts);
}

/** The IAM scan, then (when asked for) the Identity Center one. */
async function* chain(first: AsyncGenerator<Found>, then: (() => AsyncGenerator<Found>) | null): AsyncGenerator<Found> {
  yield* first;
  if (then) yield* then();
}

/**
 * The account and partition of the credentials: the account from --account, else from STS GetCallerIdentity (which
 * needs no permission); the partition from the region. When STS cannot answer, the account the credentials carry
 * (AWS_ACCOUNT_ID, a profile's aws_account_id, SSO) stands in, else it is unknown. An unknown account is fine unless
 * the allowlist restricts entries to accounts: then the decisions would be wrong (and --remediate would detach what
 * those entries allow), so it is an error.
 */
async function resolveTarget(
  iam: IAMClient,
  sts: STSClient,
  wanted: string | undefined,
  allowlist: Allowlist,
  say: (line: string) => void,
): Promise<{ account: string | null; partition: Partition }> {
  if (wanted !== undefined && !isAccountId(wanted))
    throw new UsageError(`--account "${wanted}" is not a 12-digit AWS account id`);
  let region: string;
  try {
    region = await iam.config.region();
  } catch {
    throw new UsageError(
      'no AWS region is configured: set AWS_REGION (IAM is global; any region of the partition will do)',
    );
  }
  let fromCredentials: string | null;
  try {
    fromCredentials = (await iam.config.credentials()).accountId ?? null;
  } catch (error) {
    throw new UsageError(
      `no usable AWS credentials (${(error as Error).message.split('\n')[0]}); configure some, e.g. AWS_PROFILE, ` +
        `\`aws sso login\`, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
    );
  }
  const partition = partitionOf(region);
  if (wanted !== undefined) {
    if (fromCredentials !== null && wanted !== fromCredentials)
      throw new UsageError(`--account ${wanted}, but the credentials are for account ${fromCredentials}`);
    return { account: wanted, partition };
  }
  let asked: string | null = null;
  let failure = '';
  try {
    asked = await callerAccount(sts);
  } catch (error) {
    failure = `STS GetCallerIdentity failed: ${errorCode(error)}: ${(error as Error).message.split('\n')[0]}`;
  }
  const account = asked ?? fromCredentials;
  if (account === null) {
    const scoped = allowlist.allow.find((e) => e.account !== undefined);
    if (scoped) {
      throw new UsageError(
        `cannot tell which account the credentials act in (${failure}), and allow[${scoped.index}] ` +
          `(${scoped.principal}) applies in account ${scoped.account} only: ` +
          'pass --account ACCOUNT_ID',
      );
    }
    say(`account: unknown (${failure}); no allowlist entry names an account, so the verdicts do not depend on it`);
  } else if (asked === null) {
    say(`account: ${account}, as the credentials say (${failure})`);
  }
  return { account, partition };
}

const REGION_PARTITIONS: readonly [RegExp, Partition][] = [
  [/^cn-/, 'aws-cn'],
  [/^us-gov-/, 'aws-us-gov'],
  [/^us-isob-/, 'aws-iso-b'],
  [/^us-iso-/, 'aws-iso'],
  [/^eu-isoe-/, 'aws-iso-e'],
  [/^us-isof-/, 'aws-iso-f'],
  [/^eusc-/, 'aws-eusc'],
];

/** The partition of a region: where the governed policies' ARNs live. */
export function partitionOf(region: string): Partition {
  return REGION_PARTITIONS.find(([pattern]) => pattern.test(region))?.[1] ?? 'aws';
}

/** Turns an AWS or network failure into a one-line UsageError; anything else (a bug) is returned as it is. */
function explain(error: unknown, context?: string): unknown {
  const failure = awsFailureOf(
    error instanceof ListHoldersError || error instanceof RemediationError || error instanceof IdentityCenterListError
      ? error.cause
      : error,
  );
  if (failure === null) return error;
  const { code, message } = failure;
  let text: string;
  if (failure.kind === 'network') {
    text = `cannot reach IAM at ${process.env.AWS_ENDPOINT_URL ?? 'its AWS endpoint'} (${code}: ${message})`;
  } else if (failure.kind === 'no-credentials') {
    text = `no usable AWS credentials (${message})`;
  } else if (failure.kind === 'rejected-credentials') {
    text = `the AWS credentials were rejected (${code}: ${message}); refresh them (e.g. \`aws sso login\`)`;
  } else if (failure.kind === 'access-denied') {
    text =
      `access denied (${message}); audit needs iam:ListPolicies and iam:ListEntitiesForPolicy, and --remediate ` +
      `iam:DetachUserPolicy, iam:DetachRolePolicy and iam:DetachGroupPolicy` +
      '; --identity-center-region needs sso:ListInstances, sso:ListPermissionSets, ' +
      'sso:ListManagedPoliciesInPermissionSet and sso:DescribePermissionSet, ' +
      'and with --remediate sso:DetachManagedPolicyFromPermissionSet and sso:ProvisionPermissionSet';
  } else if (error instanceof IdentityCenterListError) {
    text = `IAM Identity Center failed: ${code}: ${message}`;
  } else if (failure.kind === 'service' || error instanceof ListHoldersError) {
    text = `IAM failed: ${code}: ${message}`;
  } else {
    return error;
  }
  return new UsageError(context ? `${context}: ${text}` : text, { cause: error });
}

interface SummaryContext {
  readonly account: string | null;
  readonly partition: Partition;
  readonly scope: Scope;
  readonly remediate: boolean;
  readonly outcomes: ReadonlyMap<Outcome, number>;
  readonly problems: readonly string[];
}

function formatAuditSummary(s: ScanStats, c: SummaryContext): string {
  const v = s.verdicts;
  const lines = [
    `${s.attachedPolicies} AWS managed polic${s.attachedPolicies === 1 ? 'y' : 'ies'} attached, ` +
      `${s.governedPolicies} governed; ${s.listed} of ${s.governedPolicies} listed ` +
      `(scope ${c.scope}, partition ${c.partition}, account ${c.account ?? 'unknown'}) in ${s.listCalls} IAM ` +
      `call${s.listCalls === 1 ? '' : 's'} ` +
      `(ListPolicies ${s.listPoliciesCalls}, ListEntitiesForPolicy ${s.listCalls - s.listPoliciesCalls}), ` +
      `${s.attachments} attachments`,
    formatVerdicts(v),
  ];
  if (s.identityCenter) {
    const ic = s.identityCenter;
    lines.splice(
      1,
      0,
      `IAM Identity Center (${ic.region}): ${ic.permissionSets} permission sets of ${ic.instances} ` +
        `instance${ic.instances === 1 ? '' : 's'} checked in ${ic.calls} SSO admin call${ic.calls === 1 ? '' : 's'}`,
    );
  }
  if (c.remediate) {
    const done = [...c.outcomes].map(([outcome, n]) => `${n} ${outcome}`);
    lines.push(`remediation: ${done.length > 0 ? done.join(', ') : 'nothing to do'}`);
  } else if (v.violation > 0) {
    lines.push(
      'read-only: nothing was changed (run with --remediate to detach the violations whose action is remediate)',
    );
  }
  if (s.notFound.length > 0) {
    const names = s.notFound.map((arn) => {
      const p = parsePolicyArn(arn);
      return p ? qualifiedName(p) : arn;
    });
    lines.push(
      `${s.notFound.length} governed polic${s.notFound.length === 1 ? 'y was' : 'ies were'} no longer found when ` +
        `listed (skipped): ${names.join(', ')}`,
    );
  }
  for (const p of c.problems) lines.push(`problem: ${p}`);
  return lines.join('\n');
}

/** Shows which policy is being listed, when stderr is a terminal; the line is cleared before each output line. */
function startProgress(stderr: Io['stderr'], stats: ScanStats) {
  const line = progressLine(stderr);
  return {
    update: (policyArn: string, index: number, total: number): void => {
      const arn = parsePolicyArn(policyArn);
      line.show(
        `[${index + 1}/${total}] ${arn ? qualifiedName(arn) : policyArn}… ${stats.attachments} attachments so far`,
      );
    },
    clear: line.clear,
    stop: line.clear,
  };
}
