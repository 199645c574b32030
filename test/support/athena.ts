/**
 * CloudTrail records as the rows Athena returns for `evaluate --athena`'s query on the `cloudtrail_logs` table: every
 * value text (the JSON SerDe turns a number or an object in a string column into its text), a missing one NULL.
 */
import { sourceItems } from './documents.js';
import { readAttachEvent, recordsIn } from '../../functions/core/cloudtrail.js';

type Json = Record<string, unknown>;
export type AthenaRow = (string | null)[];

/** The query's header row, as Athena puts it before the rows of a SELECT (column names in lower case). */
export const HEADER: AthenaRow = [
  'eventid',
  'eventtime',
  'eventsource',
  'eventname',
  'awsregion',
  'recipientaccountid',
  'sourceipaddress',
  'useragent',
  'errorcode',
  'errormessage',
  'requestparameters',
  'identity_type',
  'identity_arn',
  'identity_invokedby',
  'session_issuer_arn',
];

const asText = (v: unknown): string | null =>
  v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v);
const object = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

/** One CloudTrail record as its Athena result row, in HEADER's order. */
export function athenaRow(record: Json): AthenaRow {
  const identity = object(record.userIdentity);
  const issuer = object(object(identity.sessionContext).sessionIssuer);
  return [
    record.eventID,
    record.eventTime,
    record.eventSource,
    record.eventName,
    record.awsRegion,
    record.recipientAccountId,
    record.sourceIPAddress,
    record.userAgent,
    record.errorCode,
    record.errorMessage,
    record.requestParameters,
    identity.type,
    identity.arn,
    identity.invokedBy,
    issuer.arn,
  ].map(asText);
}

/** GetQueryResults' shape of a row: a missing VarCharValue is NULL. */
export const resultRow = (row: AthenaRow): { Data: { VarCharValue?: string }[] } => ({
  Data: row.map((v) => (v === null ? {} : { VarCharValue: v })),
});

/** Every attach-policy call in the files under `paths`, in reading order: what the Athena query would select. */
export async function attachRecords(paths: string[]): Promise<Json[]> {
  const records: Json[] = [];
  for (const item of await sourceItems(paths)) {
    if (item.kind !== 'document') continue;
    for (const found of recordsIn(item.doc)) {
      if ('record' in found && readAttachEvent(found.record).kind !== 'other') records.push(found.record as Json);
    }
  }
  return records;
}
