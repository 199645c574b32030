/**
 * Acting on a decision: detach when asked and allowed to, then alert, then (optionally) put a finding event.
 * attach-guard and the sweep both go through here, so detach and alert have one implementation.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SNSClient } from '@aws-sdk/client-sns';
import { actionSourceOf, buildAlert, type Alert, type AlertInput, type Outcome } from '../core/alert.js';
import { parsePolicyArn } from '../core/arn.js';
import { isGoverned } from '../core/catalog.js';
import { renderChatAlert } from '../core/chat.js';
import { modeOverrideFor } from '../core/decide.js';
import type { Decision } from '../core/types.js';
import type { AccountAccess } from '../aws/accounts.js';
import { RemediationError } from '../aws/iam.js';
import { publishAlert, publishChat, putFinding, type AlertKeeper } from '../aws/notify.js';
import type { IdentityCenterAccess } from '../aws/sso.js';
import type { GuardConfig } from '../config/guard-config.js';
import { remediate } from './remediate.js';

type LogFields = Record<string, unknown>;

/** The slice of Powertools' Logger the guard uses; tests pass a recorder. */
export interface GuardLogger {
  debug(message: string, fields: LogFields): void;
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  error(message: string, fields: LogFields): void;
}

export interface GuardMetrics {
  addMetric(name: string, unit: 'Count', value: number): void;
}

export interface GuardDeps {
  readonly config: GuardConfig;
  /** IAM in the function's own account. */
  readonly iam: IAMClient;
  /** IAM in other accounts (organization deployments); without it, only the function's own account is acted in. */
  readonly accounts?: AccountAccess;
  /** IAM Identity Center, per Region: permission sets are detached (and their names looked up) there. */
  readonly identityCenter?: IdentityCenterAccess;
  readonly sns: SNSClient;
  /** The findings bus's client, built on first use (null: no findings bus). */
  readonly events: (() => Promise<EventBridgeClient>) | null;
  /** Where an alert SNS refused is kept (ALERT_FALLBACK_QUEUE_URL); without it, only the error log line says so. */
  readonly undelivered?: AlertKeeper | null;
  readonly logger: GuardLogger;
  readonly metrics: GuardMetrics;
  readonly now: () => Date;
}

export type Subject = Pick<AlertInput, 'source' | 'event' | 'provisioning'>;

export interface Response {
  readonly outcome: Outcome | null;
  readonly alert: Alert | null;
}

export interface RespondOptions {
  /**
   * `all` (default): every acted-on attachment gets its own alert. `remediations`: only detaches that changed something
   * or failed do; `alert-only`, `dry-run` and `not-remediable` are left to the caller, so that the hourly sweep reports
   * standing violations once per run in its digest instead of re-alerting each of them every hour.
   */
  readonly alerts?: 'all' | 'remediations';
  /** The event is older than STALE_AFTER: a violation is alerted as `stale`, never acted on. */
  readonly stale?: boolean;
}

/**
 * Responds to one decided attachment. Throws (after alerting) when a detach failed, so that the platform retries and
 * the event ends in the dead-letter queue rather than being reported as handled.
 */
export async function respond(subject: Subject, decision: Decision, deps: GuardDeps, options: RespondOptions = {}): Promise<Response> {
  const { config, logger } = deps;
  const fields = {
    eventId: subject.event.eventId,
    principal: subject.event.principal ? `${subject.event.principal.type}/${subject.event.principal.name}` : null,
    policyArn: subject.event.policyArn,
    verdict: decision.verdict,
    action: decision.action,
  };

  if (decision.verdict === 'allowed') {
    logger.info('decision', { ...fields, rule: decision.rule, outcome: null, reason: decision.reason });
    return { outcome: null, alert: null };
  }
  if (decision.verdict === 'not-governed') {
    logger.debug('decision', { ...fields, outcome: null, reason: decision.reason });
    return { outcome: null, alert: null };
  }
  if (decision.verdict === 'unresolved') {
    // The guard looks permission set names up: this is a permission set deleted since (nothing is attached any more),
    // or, without a name looked up at all, a guard that cannot reach Identity Center: that one is an error.
    if (subject.event.permissionSetName === null) {
      logger.warn('decision', { ...fields, outcome: null, reason: decision.reason });
      return { outcome: null, alert: null };
    }
    // Undecided is not handled: fail, so that the event is retried and, in the end, the dead-letter alarm tells people.
    logger.error('decision', { ...fields, outcome: null, reason: decision.reason });
    throw new Error(`permission set ${subject.event.principal?.name ?? '?'}: ${decision.reason}`);
  }
  if (decision.verdict === 'failed-attempt') {
    const alertable = config.alertOnFailedAttempts && isGoverned(subject.event.policyArn, config.scope) && subject.event.principal !== null;
    logger.info('decision', { ...fields, outcome: alertable ? 'alert-only' : null, reason: decision.reason });
    return alertable ? notify(subject, decision, 'alert-only', deps) : { outcome: null, alert: null };
  }

  deps.metrics.addMetric('Violations', 'Count', 1);
  const action = config.mode === 'alert' ? 'alert' : decision.action;
  const effective: Decision = { ...decision, action };
  // The sweep reports standing violations (left in place, or that IAM will not change) in its digest, not every run.
  const quiet = (outcome: Outcome): boolean => options.alerts === 'remediations' && STANDING.has(outcome);
  if (options.stale) {
    deps.metrics.addMetric('StaleEvents', 'Count', 1);
    return finish(subject, effective, 'stale', deps, fields);
  }
  if (config.mode === 'dry-run') return finish(subject, effective, 'dry-run', deps, fields, undefined, quiet('dry-run'));
  if (action !== 'remediate') return finish(subject, effective, 'alert-only', deps, fields, undefined, quiet('alert-only'));

  try {
    const { result, error, provisioning } = await remediate(subject.event, { ...deps, identityCenterRegion: config.identityCenterRegion ?? undefined });
    if (result === 'reverted') deps.metrics.addMetric('Reverted', 'Count', 1);
    const done = provisioning ? { ...subject, provisioning } : subject;
    const logged = provisioning ? { ...fields, provisioning: provisioning.status } : fields;
    return await finish(done, effective, result, deps, logged, error, quiet(result));
  } catch (error) {
    if (!(error instanceof RemediationError)) throw error;
    deps.metrics.addMetric('RemediationFailures', 'Count', 1);
    await finish(subject, effective, 'remediation-failed', deps, fields, { name: error.code, message: error.message });
    throw error;
  }
}

/**
 * Alerts on an attach call that cannot be read safely (core/cloudtrail.ts `malformed`): never decided, never acted on,
 * never dropped. The verdict says `violation` because it may be one, with no action.
 */
export async function alertUnreadable(subject: Subject, problem: string, deps: GuardDeps): Promise<Response> {
  deps.metrics.addMetric('UnreadableEvents', 'Count', 1);
  const decision: Decision = { verdict: 'violation', action: null, rule: null, reason: `the event cannot be read safely: ${problem}` };
  const fields = { eventId: subject.event.eventId, principal: null, policyArn: null, verdict: decision.verdict, problem };
  return finish(subject, decision, 'unreadable', deps, fields);
}

const STANDING: ReadonlySet<Outcome> = new Set<Outcome>(['alert-only', 'dry-run', 'not-remediable']);

const ERROR_OUTCOMES: ReadonlySet<Outcome> = new Set<Outcome>(['remediation-failed', 'not-remediable', 'unreadable']);

async function finish(
  subject: Subject,
  decision: Decision,
  outcome: Outcome,
  deps: GuardDeps,
  fields: Record<string, unknown>,
  error?: { name: string; message: string },
  quiet = false,
): Promise<Response> {
  const log = ERROR_OUTCOMES.has(outcome) ? deps.logger.error : deps.logger.warn;
  log.call(deps.logger, outcome === 'unreadable' ? 'unreadable event' : 'decision', { ...fields, action: decision.action, outcome, reason: decision.reason, ...(error ? { error } : {}) });
  if (quiet) return { outcome, alert: null };
  return notify(subject, decision, outcome, deps, error);
}

async function notify(
  subject: Subject,
  decision: Decision,
  outcome: Outcome,
  deps: GuardDeps,
  error?: { name: string; message: string },
): Promise<Response> {
  const { config } = deps;
  const policy = parsePolicyArn(subject.event.policyArn);
  const actionSource = actionSourceOf(config.mode, config.modeSource ?? 'deploy', policy !== null && modeOverrideFor(policy, config.allowlist) !== null);
  const alert = buildAlert({ ...subject, decision, outcome, mode: config.mode, actionSource, handledAt: deps.now(), ...(error ? { error } : {}) });
  try {
    await publishAlert(deps.sns, config.alertTopicArn, alert);
  } catch (failure) {
    // The retry will find the policy already detached and say so: record here what this attempt really did.
    const refused = describe(failure);
    deps.metrics.addMetric('UndeliveredAlerts', 'Count', 1);
    deps.logger.error('alert not delivered', { eventId: subject.event.eventId, outcome, error: refused });
    await keepAlert(alert, refused, deps);
    throw failure;
  }
  if (deps.events && config.findingsBusName) {
    try {
      await putFinding(await deps.events(), config.findingsBusName, alert);
    } catch (failure) {
      // The alert is out: failing now would make the retry send it again. The error line, the metric and its alarm say so.
      deps.metrics.addMetric('FindingFailures', 'Count', 1);
      deps.logger.error('finding not put', { eventId: subject.event.eventId, outcome, error: describe(failure) });
    }
  }
  if (config.chatTopicArn) await notifyChat(alert, config.chatTopicArn, deps);
  return { outcome, alert };
}

// Likewise for the chat copy: the alert is out, so a refused chat message is logged and counted (ChatFailures), not
// retried; a retry would repeat the alert and the chat message.
async function notifyChat(alert: Alert, chatTopicArn: string, deps: GuardDeps): Promise<void> {
  try {
    await publishChat(deps.sns, chatTopicArn, renderChatAlert(alert));
  } catch (failure) {
    deps.metrics.addMetric('ChatFailures', 'Count', 1);
    deps.logger.error('chat not delivered', { eventId: alert.eventId, outcome: alert.outcome, error: describe(failure) });
  }
}

/** Keeps an alert SNS refused in the fallback queue; when that fails too, the alert itself goes to the error log. */
async function keepAlert(alert: Alert, refused: { name: string; message: string }, deps: GuardDeps): Promise<void> {
  if (!deps.undelivered) {
    deps.logger.error('alert not kept', { reason: 'no fallback queue (ALERT_FALLBACK_QUEUE_URL)', alert });
    return;
  }
  try {
    await deps.undelivered.keep(alert, refused);
    deps.logger.warn('alert kept in the fallback queue', { eventId: alert.eventId, outcome: alert.outcome });
  } catch (failure) {
    deps.logger.error('alert not kept', { error: describe(failure), alert });
  }
}

const describe = (error: unknown): { name: string; message: string } => ({ name: (error as Error).name, message: (error as Error).message });
