/**
 * The scheduled sweep: find the attachments the events missed (lost deliveries, downtime, expired exceptions,
 * attachments older than the guard) and act on them exactly as attach-guard does, through respond(). Standing
 * violations that are not detached are reported once per run in a digest rather than alerted one by one every hour.
 */
import { buildDigest, needsDigest, type Digest, type DigestInput, type DigestViolationInput } from '../core/digest.js';
import { PARTITIONS, type Partition } from '../core/arn.js';
import type { Outcome } from '../core/alert.js';
import type { SelfCheckSummary } from '../core/self-check.js';
import { ConfigError } from '../config/guard-config.js';
import { RemediationError } from '../aws/failure.js';
import { renderChatDigest } from '../core/chat.js';
import { ListHoldersError } from '../aws/list-entities.js';
import { publishChat, publishDigest } from '../aws/notify.js';
import { respond, type GuardDeps } from './respond.js';
import { scanPermissionSets } from './sweep-identity-center.js';
import { emptyScanStats, scanAttachments, type Found, type ScanStats } from './sweep-scan.js';

/** Where the sweep runs: the account is what allowlist entries with `account` are checked against. */
export interface SweepTarget {
  readonly account: string | null;
  readonly partition: Partition;
}

export interface SweepOptions {
  /** ListEntitiesForPolicy page size (default: IAM's maximum); tests use small pages to exercise paging. */
  readonly pageSize?: number;
  /** ListPolicies page size (default: IAM's maximum). */
  readonly policiesPageSize?: number;
  /** Page size of the Identity Center listings (default: their maximum, 100). */
  readonly identityCenterPageSize?: number;
  /** The run's self-check (guard/self-check.ts), reported in the digest of the function's own account only. */
  readonly selfCheck?: SelfCheckSummary;
}

export interface SweepResult {
  readonly stats: ScanStats;
  /** Built for every run; published only when it reports something (see `published`). */
  readonly digest: Digest;
  readonly published: boolean;
}

/** Some responses failed, or the sweep stopped early; the digest (if any) has been sent. */
export class SweepError extends Error {
  override readonly name = 'SweepError';
}

const FUNCTION_ARN = /^arn:([a-z-]+):lambda:[a-z0-9-]+:(\d{12}):function:/;

/** The partition and account a Lambda function runs in, from its invoked ARN (`context.invokedFunctionArn`). */
export function targetOfFunction(invokedFunctionArn: string): SweepTarget {
  const m = FUNCTION_ARN.exec(invokedFunctionArn);
  const partition = m?.[1];
  if (!m || !partition || !(PARTITIONS as readonly string[]).includes(partition)) {
    throw new ConfigError(`cannot tell the partition and account from the function ARN "${invokedFunctionArn}"`);
  }
  return { partition: partition as Partition, account: m[2] ?? null };
}

/**
 * Sweeps the account once. Every attachment goes through respond() (one decision log line each); a failed response
 * does not stop the others. Throws SweepError at the end when anything failed, after logging the summary and
 * publishing the digest, so that the invocation is counted as an error.
 */
export async function runSweep(target: SweepTarget, deps: GuardDeps, options: SweepOptions = {}): Promise<SweepResult> {
  const { config, logger } = deps;
  const startedAt = deps.now();
  const stats = emptyScanStats();
  const violations: DigestViolationInput[] = [];
  const failures: unknown[] = [];
  let stoppedBy: unknown;

  const iamFound = scanAttachments(
    deps.iam,
    {
      allowlist: config.allowlist,
      scope: config.scope,
      ...target,
      now: startedAt,
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
      ...(options.policiesPageSize === undefined ? {} : { policiesPageSize: options.policiesPageSize }),
      onNotFound: (policyArn) => logger.info('policy not found', { policyArn, partition: target.partition }),
    },
    stats,
  );
  const found = thenPermissionSets(iamFound, target, deps, startedAt, stats, options);
  try {
    for await (const { attachment, decision } of found) {
      let outcome: Outcome | null = null;
      let error: { name: string; message: string } | undefined;
      try {
        ({ outcome } = await respond(attachment, decision, deps, { alerts: 'remediations' }));
      } catch (caught) {
        failures.push(caught);
        if (caught instanceof RemediationError) {
          // respond() has logged and alerted it.
          outcome = 'remediation-failed';
          error = { name: caught.code, message: caught.message };
        } else {
          error = { name: (caught as Error).name, message: (caught as Error).message };
          logger.error('response failed', {
            principal: `${attachment.principal?.type}/${attachment.principal?.name}`,
            policyArn: attachment.policyArn,
            error: caught,
          });
        }
      }
      const { principal, policyArn } = attachment;
      if (decision.verdict === 'violation' && principal && policyArn) {
        const permissionSetName =
          principal.type === 'permission-set' ? { permissionSetName: attachment.permissionSetName ?? null } : {};
        violations.push({
          principal,
          policyArn,
          outcome,
          reason: decision.reason,
          ...permissionSetName,
          ...(error ? { error } : {}),
        });
      }
    }
  } catch (caught) {
    stoppedBy = caught;
    logger.error('sweep stopped', { listed: stats.listed, governedPolicies: stats.governedPolicies, error: caught });
  }

  const input: DigestInput = {
    account: target.account,
    partition: target.partition,
    scope: config.scope,
    mode: config.mode,
    startedAt,
    finishedAt: deps.now(),
    counts: {
      governedPolicies: stats.governedPolicies,
      policiesNotFound: stats.notFound.length,
      listCalls: stats.listCalls,
      attachments: stats.attachments,
      allowed: stats.verdicts.allowed,
    },
    violations,
    ...(stoppedBy === undefined
      ? {}
      : { error: { name: (stoppedBy as Error).name, message: (stoppedBy as Error).message } }),
    ...(stats.identityCenter ? { identityCenter: { ...stats.identityCenter } } : {}),
    ...(options.selfCheck ? { selfCheck: options.selfCheck } : {}),
  };
  const digest = buildDigest(input);
  const published = needsDigest(input);
  const { counts } = digest;
  logger.info('sweep summary', {
    account: target.account,
    partition: target.partition,
    scope: config.scope,
    mode: config.mode,
    attachedPolicies: stats.attachedPolicies,
    governedPolicies: counts.governedPolicies,
    policiesNotFound: counts.policiesNotFound,
    listCalls: counts.listCalls,
    listPoliciesCalls: stats.listPoliciesCalls,
    attachments: counts.attachments,
    allowed: counts.allowed,
    violations: counts.violations,
    outcomes: counts.outcomes,
    failures: counts.failures,
    complete: digest.complete,
    identityCenter: stats.identityCenter,
    selfCheckDrift: options.selfCheck?.drift.length ?? null,
    digest: published,
    durationMs: new Date(digest.finishedAt).getTime() - startedAt.getTime(),
  });
  deps.metrics.addMetric('SweepListCalls', 'Count', counts.listCalls);
  deps.metrics.addMetric('SweepAttachments', 'Count', counts.attachments);
  if (stats.identityCenter) deps.metrics.addMetric('SweepIdentityCenterCalls', 'Count', stats.identityCenter.calls);
  if (published) {
    await publishDigest(deps.sns, config.alertTopicArn, digest);
    if (config.chatTopicArn) {
      // As for an alert (respond.ts): the digest is out; a failed chat copy is logged and counted, not retried.
      await publishChat(deps.sns, config.chatTopicArn, renderChatDigest(digest)).catch((failure: Error) => {
        deps.metrics.addMetric('ChatFailures', 'Count', 1);
        logger.error('chat not delivered', {
          kind: 'sweep-digest',
          account: target.account,
          error: { name: failure.name, message: failure.message },
        });
      });
    }
  }

  if (stoppedBy !== undefined) {
    const where = stats.identityCenter
      ? `while listing the IAM Identity Center permission sets in ${stats.identityCenter.region}`
      : stoppedBy instanceof ListHoldersError && stoppedBy.policyArn === null
        ? 'while listing the attached AWS managed policies'
        : `after ${stats.listed} of ${stats.governedPolicies} policies`;
    throw new SweepError(`the sweep stopped ${where}`, { cause: stoppedBy });
  }
  if (failures.length > 0) {
    throw new SweepError(`${failures.length} of ${counts.violations} responses failed`, {
      cause: failures.length === 1 ? failures[0] : new AggregateError(failures),
    });
  }
  return { stats, digest, published };
}

/**
 * The IAM scan, then the permission sets of IAM Identity Center in IDENTITY_CENTER_REGION. Without a Region configured,
 * Identity Center is skipped with a log line; without an Identity Center client (member accounts: Identity Center is
 * swept once, from the function's own account), silently.
 */
async function* thenPermissionSets(
  iamFound: AsyncGenerator<Found>,
  target: SweepTarget,
  deps: GuardDeps,
  now: Date,
  stats: ScanStats,
  options: SweepOptions,
): AsyncGenerator<Found> {
  yield* iamFound;
  const { config, identityCenter } = deps;
  if (!identityCenter) return;
  if (!config.identityCenterRegion) {
    deps.logger.info('identity center not swept', { reason: 'IDENTITY_CENTER_REGION is not set' });
    return;
  }
  const pageSize = options.identityCenterPageSize === undefined ? {} : { pageSize: options.identityCenterPageSize };
  yield* scanPermissionSets(
    identityCenter,
    {
      allowlist: config.allowlist,
      scope: config.scope,
      account: target.account,
      now,
      region: config.identityCenterRegion,
      ...pageSize,
    },
    stats,
  );
}

/** How long one account's sweep may take at most, kept free before the function's timeout. */
export const ACCOUNT_BUDGET_MS = 60_000;

export interface AccountsOptions extends SweepOptions {
  /** Milliseconds left in the invocation (`context.getRemainingTimeInMillis`); unlimited when absent. */
  readonly remainingMs?: () => number;
  /**
   * Where in the member list this run starts (e.g. the hour), so that a list too long for one run is covered in turn.
   */
  readonly rotation?: number;
}

/**
 * Sweeps the function's own account, then the member accounts of SWEEP_ACCOUNTS through their read-only role,
 * starting at `rotation` in the list. One account's failure (a missing role, a failed detach) does not stop the others.
 * Accounts that no longer fit in the invocation's time are left for the next run and named in a log line; a
 * SweepError at the end names the accounts that failed.
 */
export async function sweepAccounts(
  home: SweepTarget,
  deps: GuardDeps,
  options: AccountsOptions = {},
): Promise<(SweepResult & { account: string | null })[]> {
  const results: (SweepResult & { account: string | null })[] = [];
  const failed: string[] = [];
  const { selfCheck, ...memberOptions } = options;
  const members = deps.config.sweepAccounts.filter((account) => account !== home.account);
  const start = members.length === 0 ? 0 : (options.rotation ?? 0) % members.length;
  const ordered = [home.account, ...members.slice(start), ...members.slice(0, start)];
  for (const [i, account] of ordered.entries()) {
    if (i > 0 && options.remainingMs && options.remainingMs() < ACCOUNT_BUDGET_MS) {
      const left = ordered.slice(i);
      deps.logger.warn('sweep out of time', { notSwept: left, nextRunStartsAt: left[0] });
      break;
    }
    const target: SweepTarget = { account, partition: home.partition };
    try {
      if (account !== home.account && !deps.accounts)
        throw new ConfigError(`no way to act in account ${account}: member accounts need MEMBER_ROLE_NAME`);
      // Listing needs only the member's read-only role (every mode); a detach assumes the remediation role
      // (remediate.ts).
      const iam = account === home.account ? deps.iam : await deps.accounts!.readIamFor(account);
      // Identity Center is organization-wide: the home account's sweep covers it, the members' do not repeat it.
      const inAccount = account === home.account ? { iam } : { iam, identityCenter: undefined };
      results.push({
        account,
        ...(await runSweep(target, { ...deps, ...inAccount }, account === home.account ? options : memberOptions)),
      });
    } catch (error) {
      failed.push(`${account ?? 'this account'}: ${(error as Error).message}`);
      deps.logger.error('sweep of an account failed', {
        account,
        error: { name: (error as Error).name, message: (error as Error).message },
      });
    }
  }
  if (failed.length > 0)
    throw new SweepError(
      `the sweep failed in ${failed.length} account${failed.length === 1 ? '' : 's'}: ${failed.join('; ')}`,
    );
  return results;
}
