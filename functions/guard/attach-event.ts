/** attach-guard's work for one EventBridge delivery: read the CloudTrail event, decide, respond. */
import { attachmentOf } from '../core/attachment.js';
import { readAttachEvent } from '../core/cloudtrail.js';
import { readDelivery } from '../core/delivery.js';
import { decide } from '../core/decide.js';
import type { AttachEvent, Decision } from '../core/types.js';
import { errorCode } from '../aws/failure.js';
import { DEFAULT_STALE_AFTER_MS } from '../config/guard-config.js';
import { alertUnreadable, respond, type GuardDeps, type Response } from './respond.js';

const NOTHING: Response = { outcome: null, alert: null };

/**
 * Handles one EventBridge delivery of an `AWS API Call via CloudTrail` event. Anything else (core/delivery.ts) is
 * logged as an error, counted as `RejectedDeliveries` and never acted on; it returns normally, because a retry would
 * be refused the same way. An attach call that cannot be read safely is alerted as `unreadable`; a violation older
 * than STALE_AFTER as `stale`. Neither is acted on.
 */
export async function handleAttachEvent(event: unknown, deps: GuardDeps): Promise<Response> {
  const delivery = readDelivery(event);
  if (delivery.kind === 'rejected') {
    deps.metrics.addMetric('RejectedDeliveries', 'Count', 1);
    deps.logger.error('rejected delivery', { envelopeId: delivery.id, problem: delivery.problem });
    return NOTHING;
  }
  const envelopeId = delivery.id;
  const result = readAttachEvent(delivery.record, delivery.account);
  if (result.kind === 'other') {
    deps.logger.warn('not an attach-policy event', { envelopeId });
    return NOTHING;
  }
  // Never acted on, never dropped: people are told what could not be read.
  if (result.kind === 'malformed') return alertUnreadable(attachmentOf(result.event), result.problem, deps);
  const { event: named, decision } = await decideNamingPermissionSet(result.event, deps);
  // Lambda retries for up to six hours, and dead-letter redrives come later still: an old fact is reported, not acted
  // on.
  const recorded = Date.parse(named.eventTime ?? '');
  const age = deps.now().getTime() - (Number.isNaN(recorded) ? delivery.time : recorded);
  return respond(attachmentOf(named), decision, deps, {
    stale: age > (deps.config.staleAfterMs ?? DEFAULT_STALE_AFTER_MS),
  });
}

/**
 * Decides the event. A permission set's name is not in CloudTrail: it is looked up (DescribePermissionSet in the
 * event's Region, cached) when the decision depends on it, and then a failed look-up throws so that the platform
 * retries; and for the alert of a violation, where a failed look-up only costs the alert the name.
 */
async function decideNamingPermissionSet(
  event: AttachEvent,
  deps: GuardDeps,
): Promise<{ event: AttachEvent; decision: Decision }> {
  const options = { scope: deps.config.scope, now: deps.now() };
  const decision = decide(event, deps.config.allowlist, options);
  const access = deps.identityCenter;
  const { principal, region, instanceArn } = event;
  if (principal?.type !== 'permission-set' || !access || !region || !instanceArn) return { event, decision };
  if (decision.verdict !== 'unresolved' && decision.verdict !== 'violation') return { event, decision };
  try {
    const { name } = await access.permissionSetName(region, instanceArn, principal.name);
    const named: AttachEvent = { ...event, permissionSetName: name };
    // A violation stays one whatever the name: an entry matching by name would have made it unresolved.
    return {
      event: named,
      decision: decision.verdict === 'unresolved' ? decide(named, deps.config.allowlist, options) : decision,
    };
  } catch (error) {
    if (decision.verdict === 'unresolved') throw error;
    deps.logger.warn('permission set name not looked up', {
      eventId: event.eventId,
      permissionSetArn: principal.name,
      error: { name: errorCode(error), message: (error as Error).message },
    });
    return { event, decision };
  }
}
