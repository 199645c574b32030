// CloudTrail Lake: the SQL parses as Trino (Lake's dialect), and the result reader gives the same attach events as
// the records themselves, for every fixture, from rows written in GetQueryResults' documented shape.
import { Parser } from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { readAttachEvent } from '../../functions/core/cloudtrail.js';
import { buildLakeQuery, LAKE_COLUMNS, lakeRowToRecord, type LakeRow } from '../../functions/core/lake-query.js';
import { attachRecords } from '../support/athena.js';

type Json = Record<string, unknown>;
const object = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

/** A record as Lake returns it: one-column maps in the query's order, strings only, NULL columns left out. */
function lakeRow(record: Json): LakeRow {
  const identity = object(record.userIdentity);
  const request = object(record.requestParameters);
  const time =
    typeof record.eventTime === 'string' ? record.eventTime.replace('T', ' ').replace(/Z$/, '.000') : record.eventTime;
  const values: Record<string, unknown> = {
    eventID: record.eventID,
    eventTime: time,
    eventSource: record.eventSource,
    eventName: record.eventName,
    awsRegion: record.awsRegion,
    recipientAccountId: record.recipientAccountId,
    sourceIPAddress: record.sourceIPAddress,
    userAgent: record.userAgent,
    errorCode: record.errorCode,
    errorMessage: record.errorMessage,
    ...Object.fromEntries(Object.entries(request).map(([key, value]) => [`rp_${key}`, value])),
    identity_type: identity.type,
    identity_arn: identity.arn,
    identity_invokedby: identity.invokedBy,
    session_issuer_arn: object(object(identity.sessionContext).sessionIssuer).arn,
  };
  return LAKE_COLUMNS.flatMap(([, alias]) => {
    const value = values[alias];
    return value === undefined || value === null
      ? []
      : [{ [alias]: typeof value === 'string' ? value : JSON.stringify(value) }];
  });
}

describe('CloudTrail Lake', () => {
  it('selects only the attach-policy calls, bounded by time, in SQL that parses as Trino', () => {
    const [since, until] = [new Date('2024-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z')];
    const sql = buildLakeQuery('0a1b2c3d-4e5f-6789-abcd-ef0123456789', since, until);
    // Lake takes the event data store's id after FROM as it is, which no SQL grammar models: parse with a plain name.
    expect(buildLakeQuery('edsExample', since, until)).toBe(
      sql.replace('FROM 0a1b2c3d-4e5f-6789-abcd-ef0123456789 ', 'FROM edsExample '),
    );
    expect(() => new Parser().astify(buildLakeQuery('edsExample', since, until), { database: 'trino' })).not.toThrow();
    expect(sql).toContain("eventName IN ('AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy')");
    expect(sql).toContain("eventName = 'AttachManagedPolicyToPermissionSet'");
    expect(sql).toContain("eventTime >= '2024-01-01 00:00:00' AND eventTime < '2025-01-01 00:00:00'");
    expect(() => buildLakeQuery('eds; DROP TABLE x')).toThrow(/not an event data store id/);
  });

  it(
    'reads every attach call of the fixtures and samples ' + 'back from its Lake row as the same attach event',
    async () => {
      const records = await attachRecords(['test/fixtures/events', 'test/fixtures/samples']);
      expect(records.length).toBeGreaterThan(25);
      for (const record of records) {
        expect(readAttachEvent(lakeRowToRecord(lakeRow(record))), String(record.eventID)).toEqual(
          readAttachEvent(record),
        );
      }
    },
  );

  it('reads a failed call without request parameters as a failed attempt', () => {
    const record = lakeRowToRecord([
      { eventID: 'e1' },
      { eventSource: 'iam.amazonaws.com' },
      { eventName: 'AttachRolePolicy' },
      { errorCode: 'AccessDenied' },
    ]);
    expect(readAttachEvent(record)).toMatchObject({
      kind: 'attach',
      event: { errorCode: 'AccessDenied', principal: null, policyArn: null },
    });
  });
});
