/**
 * Turns the rows of the `evaluate --athena` query back into CloudTrail records, so that they go through the same
 * reader (cloudtrail.ts) and decision as records read from files. Pure.
 */
import { RESULT_COLUMNS, type ResultColumn } from './athena-query.js';

/** One result row as Athena returns it: text, or null for SQL NULL, in the query's column order. */
export type ResultRow = readonly (string | null)[];

export type RowResult = { readonly record: Record<string, unknown> } | { readonly problem: string };

const EXPECTED = RESULT_COLUMNS.map(([, alias]) => alias);

/** Null when the header row names exactly the query's columns, else what is wrong with it. */
export function checkHeader(header: ResultRow): string | null {
  const got = header.map((h) => (h ?? '').toLowerCase());
  if (got.length === EXPECTED.length && got.every((name, i) => name === EXPECTED[i])) return null;
  return `the result's columns (${got.join(', ')}) are not the query's (${EXPECTED.join(', ')})`;
}

/** The CloudTrail record a row stands for; a problem when `requestparameters` is not JSON. */
export function rowToRecord(row: ResultRow): RowResult {
  const value = (name: ResultColumn): string | null => row[EXPECTED.indexOf(name)] ?? null;
  const raw = value('requestparameters');
  let requestParameters: unknown = null;
  if (raw !== null) {
    try {
      requestParameters = JSON.parse(raw) as unknown;
    } catch {
      return { problem: `event ${value('eventid') ?? '(no eventid)'}: requestparameters is not JSON` };
    }
  }
  const issuer = value('session_issuer_arn');
  return {
    record: {
      eventID: value('eventid'),
      eventTime: value('eventtime'),
      eventSource: value('eventsource'),
      eventName: value('eventname'),
      awsRegion: value('awsregion'),
      recipientAccountId: value('recipientaccountid'),
      sourceIPAddress: value('sourceipaddress'),
      userAgent: value('useragent'),
      errorCode: value('errorcode'),
      errorMessage: value('errormessage'),
      requestParameters,
      userIdentity: {
        type: value('identity_type'),
        arn: value('identity_arn'),
        invokedBy: value('identity_invokedby'),
        ...(issuer === null ? {} : { sessionContext: { sessionIssuer: { arn: issuer } } }),
      },
    },
  };
}
