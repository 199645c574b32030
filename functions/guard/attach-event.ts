/** attach-guard's work for one EventBridge delivery: read the CloudTrail event, decide, respond. */
import { readAttachEvent, recordsIn } from '../core/cloudtrail.js';
import { decide } from '../core/decide.js';
import { respond, type GuardDeps, type Response } from './respond.js';

const NOTHING: Response = { outcome: null, alert: null };

/**
 * Handles one `AWS API Call via CloudTrail` event. An event that cannot be read is logged with its id and dropped:
 * retrying would fail the same way, and acting on doubt is worse than not acting.
 */
export async function handleAttachEvent(event: unknown, deps: GuardDeps): Promise<Response> {
  const envelopeId = typeof (event as { id?: unknown })?.id === 'string' ? (event as { id: string }).id : null;
  const [found, ...extra] = [...recordsIn(event)];
  if (!found || 'problem' in found || extra.length > 0) {
    deps.logger.error('unreadable event', { envelopeId, problem: found && 'problem' in found ? found.problem : 'not one CloudTrail event' });
    return NOTHING;
  }
  const result = readAttachEvent(found.record, found.envelopeAccount);
  if (result.kind === 'other') {
    deps.logger.warn('not an attach-policy event', { envelopeId });
    return NOTHING;
  }
  if (result.kind === 'malformed') {
    deps.logger.error('unreadable event', { envelopeId, eventId: result.eventId, problem: result.problem });
    return NOTHING;
  }
  const decision = decide(result.event, deps.config.allowlist, { scope: deps.config.scope, now: deps.now() });
  return respond({ source: 'event', event: result.event }, decision, deps);
}
