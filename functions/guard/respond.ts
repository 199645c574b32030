/**
 * Acting on a decision: carry out the plan of core/action.ts (detach when it says so, then alert, then optionally put a
 * finding event). attach-guard and the sweep both go through here, so detach and alert have one implementation.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SNSClient } from '@aws-sdk/client-sns';
import {
  alertsAfterDetach,
  planResponse,
  type ResponseCircumstances,
  type ResponsePlan,
  type ResponseSettings,
} from '../core/action.js';
import { buildAlert, type ActionSource, type Alert, type AlertInput, type Outcome } from '../core/alert.js';
import type { Attachment, Decision } from '../core/types.js';
import type { AccountAccess } from '../aws/accounts.js';
import { RemediationError } from '../aws/failure.js';
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

// The attachment, and (after a permission set's detach) what provisioning answered.
type Subject = Pick<AlertInput, 'attachment' | 'provisioning'>;

export interface Response {
  readonly outcome: Outcome | null;
  readonly alert: Alert | null;
}

export type RespondOptions = Pick<ResponseCircumstances, 'alerts' | 'stale'>;

/**
 * Responds to one decided attachment: carries out the plan of core/action.ts. Throws (after alerting) when a detach
 * failed, so that the platform retries and the event ends in the dead-letter queue rather than being reported as
 * handled.
 */
export async function respond(
  attachment: Attachment,
  decision: Decision,
  deps: GuardDeps,
  options: RespondOptions = {},
): Promise<Response> {
  const { config, logger } = deps;
  const subject: Subject = { attachment };
  const fields = {
    eventId: eventIdOf(attachment),
    principal: attachment.principal ? `${attachment.principal.type}/${attachment.principal.name}` : null,
    policyArn: attachment.policyArn,
    verdict: decision.verdict,
    action: decision.action,
  };
  const plan = planResponse(attachment, decision, settingsOf(config), options);
  switch (plan.kind) {
    case 'ignore':
      logger[IGNORED_LEVEL[plan.why]]('decision', {
        ...fields,
        ...(plan.why === 'allowed' ? { rule: decision.rule } : {}),
        outcome: null,
        reason: decision.reason,
      });
      return NOTHING;
    case 'retry':
      // Undecided is not handled: fail, so that the event is retried and, in the end, the dead-letter alarm tells
      // people.
      logger.error('decision', { ...fields, outcome: null, reason: decision.reason });
      throw new Error(`permission set ${attachment.principal?.name ?? '?'}: ${decision.reason}`);
    case 'report':
      if (decision.verdict === 'failed-attempt') {
        logger.info('decision', { ...fields, outcome: plan.outcome, reason: decision.reason });
        return notify(subject, decision, plan.outcome, null, deps);
      }
      deps.metrics.addMetric('Violations', 'Count', 1);
      if (plan.outcome === 'stale') deps.metrics.addMetric('StaleEvents', 'Count', 1);
      return finish(
        subject,
        { ...decision, action: plan.action },
        plan.outcome,
        plan.actionSource,
        deps,
        fields,
        undefined,
        !plan.alert,
      );
    case 'detach':
      deps.metrics.addMetric('Violations', 'Count', 1);
      return detach(subject, { ...decision, action: plan.action }, plan, deps, fields);
  }
}

async function detach(
  subject: Subject,
  decision: Decision,
  plan: Extract<ResponsePlan, { kind: 'detach' }>,
  deps: GuardDeps,
  fields: LogFields,
): Promise<Response> {
  try {
    const { result, error, provisioning } = await remediate(subject.attachment, {
      ...deps,
      identityCenterRegion: deps.config.identityCenterRegion ?? undefined,
    });
    if (result === 'reverted') deps.metrics.addMetric('Reverted', 'Count', 1);
    const done = provisioning ? { ...subject, provisioning } : subject;
    const logged = provisioning ? { ...fields, provisioning: provisioning.status } : fields;
    const refused = error ? { name: error.name, message: error.message, kind: error.kind } : undefined;
    return await finish(
      done,
      decision,
      result,
      plan.actionSource,
      deps,
      logged,
      refused,
      !alertsAfterDetach(plan, result),
    );
  } catch (error) {
    if (!(error instanceof RemediationError)) throw error;
    deps.metrics.addMetric('RemediationFailures', 'Count', 1);
    await finish(subject, decision, 'remediation-failed', plan.actionSource, deps, fields, {
      name: error.code,
      message: error.message,
    });
    throw error;
  }
}

/**
 * Alerts on an attach call that cannot be read safely (core/cloudtrail.ts `malformed`): never decided, never acted on,
 * never dropped. The verdict says `violation` because it may be one, with no action.
 */
export async function alertUnreadable(attachment: Attachment, problem: string, deps: GuardDeps): Promise<Response> {
  deps.metrics.addMetric('UnreadableEvents', 'Count', 1);
  const decision: Decision = {
    verdict: 'violation',
    action: null,
    rule: null,
    reason: `the event cannot be read safely: ${problem}`,
  };
  const plan = planResponse(attachment, decision, settingsOf(deps.config), { unreadable: true });
  if (plan.kind !== 'report') throw new Error(`unreachable: an unreadable event planned as ${plan.kind}`);
  const fields = {
    eventId: eventIdOf(attachment),
    principal: null,
    policyArn: null,
    verdict: decision.verdict,
    problem,
  };
  return finish({ attachment }, decision, plan.outcome, plan.actionSource, deps, fields);
}

const NOTHING: Response = { outcome: null, alert: null };

const eventIdOf = (attachment: Attachment): string | null =>
  attachment.source.kind === 'event' ? attachment.source.eventId : null;

// How loud a decision that needs nothing done is logged; a permission set deleted since is worth a warning.
const IGNORED_LEVEL: Record<Extract<ResponsePlan, { kind: 'ignore' }>['why'], 'debug' | 'info' | 'warn'> = {
  allowed: 'info',
  'not-governed': 'debug',
  gone: 'warn',
  'failed-attempt': 'info',
};

const settingsOf = (config: GuardConfig): ResponseSettings => ({
  ...config,
  modeSource: config.modeSource ?? 'deploy',
});

const ERROR_OUTCOMES: ReadonlySet<Outcome> = new Set<Outcome>(['remediation-failed', 'not-remediable', 'unreadable']);

async function finish(
  subject: Subject,
  decision: Decision,
  outcome: Outcome,
  actionSource: ActionSource | null,
  deps: GuardDeps,
  fields: Record<string, unknown>,
  error?: { name: string; message: string; kind?: 'refused' | 'out-of-reach' },
  quiet = false,
): Promise<Response> {
  const log = ERROR_OUTCOMES.has(outcome) ? deps.logger.error : deps.logger.warn;
  log.call(deps.logger, outcome === 'unreadable' ? 'unreadable event' : 'decision', {
    ...fields,
    action: decision.action,
    outcome,
    reason: decision.reason,
    ...(error ? { error } : {}),
  });
  if (quiet) return { outcome, alert: null };
  return notify(subject, decision, outcome, actionSource, deps, error);
}

async function notify(
  subject: Subject,
  decision: Decision,
  outcome: Outcome,
  actionSource: ActionSource | null,
  deps: GuardDeps,
  error?: { name: string; message: string; kind?: 'refused' | 'out-of-reach' },
): Promise<Response> {
  const { config } = deps;
  const alert = buildAlert({
    ...subject,
    decision,
    outcome,
    mode: config.mode,
    actionSource,
    handledAt: deps.now(),
    ...(error ? { error } : {}),
  });
  try {
    await publishAlert(deps.sns, config.alertTopicArn, alert);
  } catch (failure) {
    // The retry will find the policy already detached and say so: record here what this attempt really did.
    const refused = describe(failure);
    deps.metrics.addMetric('UndeliveredAlerts', 'Count', 1);
    deps.logger.error('alert not delivered', { eventId: eventIdOf(subject.attachment), outcome, error: refused });
    await keepAlert(alert, refused, deps);
    throw failure;
  }
  if (deps.events && config.findingsBusName) {
    try {
      await putFinding(await deps.events(), config.findingsBusName, alert);
    } catch (failure) {
      // The alert is out: failing now would make the retry send it again. The error line, the metric and its alarm say
      // so.
      deps.metrics.addMetric('FindingFailures', 'Count', 1);
      deps.logger.error('finding not put', {
        eventId: eventIdOf(subject.attachment),
        outcome,
        error: describe(failure),
      });
    }
  }
  if (config.chatTopicArn) await notifyChat(alert, config.chatTopicArn, deps);
  return { outcome, alert };
}

// Likewise for the chat copy: the alert is out, so a refused chat message is logged and counted (ChatFailures), not
// retried; a retry would repeat the alert and the chat message. The chat rendering is loaded on first use: a stack
// without a chat topic never needs it (docs/cold-start.md).
async function notifyChat(alert: Alert, chatTopicArn: string, deps: GuardDeps): Promise<void> {
  try {
    const { renderChatAlert } = await import('../core/chat.js');
    await publishChat(deps.sns, chatTopicArn, renderChatAlert(alert));
  } catch (failure) {
    deps.metrics.addMetric('ChatFailures', 'Count', 1);
    deps.logger.error('chat not delivered', {
      eventId: alert.eventId,
      outcome: alert.outcome,
      error: describe(failure),
    });
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

const describe = (error: unknown): { name: string; message: string } => ({
  name: (error as Error).name,
  message: (error as Error).message,
});
