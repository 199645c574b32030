/**
 * What attach-guard accepts as input: one EventBridge delivery of a CloudTrail event, and nothing else. The CLI reads
 * CloudTrail in every form people have it (cloudtrail.ts); the function is stricter, because whatever invokes it can
 * make it detach: a bare record, a log file, an event put on the bus by anyone but AWS, an archive replay, or an
 * envelope whose account is not the record's is refused, never acted on.
 *
 * Forwarded events: the member template's rule forwards a member account's events to the central bus, and EventBridge
 * keeps the source account in `account` across buses, so a forwarded event passes the same check (its `account` and
 * `recipientAccountId` are both the member's) and is acted on in that account (guard/remediate.ts).
 */
import { SSO_EVENT_SOURCE } from './identity-center.js';

export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** EventBridge `source` of AWS's own CloudTrail events, by the CloudTrail `eventSource` it must carry. */
const EVENT_SOURCE_OF: Readonly<Record<string, string>> = {
  'aws.iam': 'iam.amazonaws.com',
  'aws.sso': SSO_EVENT_SOURCE,
};
const ACCOUNT = /^\d{12}$/;

export type Delivery =
  | {
      readonly kind: 'delivery';
      /** The envelope's `id`. */
      readonly id: string;
      /** The CloudTrail record (`detail`). */
      readonly record: Readonly<Record<string, unknown>>;
      /** The envelope's `account`, equal to the record's `recipientAccountId`. */
      readonly account: string;
      /** The envelope's `time`, ms since the epoch. */
      readonly time: number;
    }
  | { readonly kind: 'rejected'; readonly id: string | null; readonly problem: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads one attach-guard invocation; `rejected` (with the first problem found) for anything but a real delivery. */
export function readDelivery(event: unknown): Delivery {
  const id = isObject(event) && typeof event.id === 'string' ? event.id.slice(0, 128) : null;
  const reject = (problem: string): Delivery => ({ kind: 'rejected', id, problem });
  if (!isObject(event)) return reject('not an EventBridge event (not a JSON object)');
  if ('Records' in event) return reject('a CloudTrail log file ({"Records": [...]}), not an EventBridge delivery');
  if (!('detail-type' in event) && ('eventName' in event || 'eventSource' in event))
    return reject('a bare CloudTrail record, not an EventBridge delivery');
  if (event['detail-type'] !== CLOUDTRAIL_DETAIL_TYPE) return reject(`detail-type is not "${CLOUDTRAIL_DETAIL_TYPE}"`);
  if (id === null) return reject('the envelope has no id');
  const source = typeof event.source === 'string' ? event.source : null;
  const eventSource = source === null ? undefined : EVENT_SOURCE_OF[source];
  if (eventSource === undefined) return reject('source is not aws.iam or aws.sso: not an event AWS delivered');
  // An archive replay (or a dead-letter redrive through one) re-delivers old facts: never acted on.
  if ('replay-name' in event) return reject('a replayed event (replay-name is set)');
  const record = event.detail;
  if (!isObject(record)) return reject('the envelope has no detail object');
  if (record.eventSource !== eventSource) return reject(`source ${source} does not carry a ${eventSource} record`);
  const account = event.account;
  if (typeof account !== 'string' || !ACCOUNT.test(account)) return reject('account is not a 12-digit account id');
  if (record.recipientAccountId !== account) return reject('account differs from detail.recipientAccountId');
  const time = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  if (Number.isNaN(time)) return reject('time is not a timestamp');
  return { kind: 'delivery', id, record, account, time };
}
