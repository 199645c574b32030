import { describe, expect, it } from 'vitest';
import { checkHeader, rowToRecord } from '../../functions/core/athena-rows.js';
import { readAttachEvent } from '../../functions/core/cloudtrail.js';
import { athenaRow, attachRecords, HEADER } from '../support/athena.js';

describe('rowToRecord', () => {
  it(
    'gives the reader the same attach event from an Athena row ' +
      'as from the record itself, for every fixture and sample',
    async () => {
      const records = await attachRecords(['test/fixtures/events', 'test/fixtures/samples']);
      expect(records.length).toBeGreaterThan(25);
      for (const record of records) {
        const row = rowToRecord(athenaRow(record));
        if (!('record' in row)) throw new Error(`${String(record.eventID)}: ${row.problem}`);
        expect(readAttachEvent(row.record), String(record.eventID)).toEqual(readAttachEvent(record));
      }
    },
  );

  it('reads NULLs as absent fields: a failed call without requestParameters is still a failed attempt', () => {
    const row = athenaRow({
      eventID: 'e1',
      eventSource: 'iam.amazonaws.com',
      eventName: 'AttachRolePolicy',
      errorCode: 'AccessDenied',
    });
    const result = rowToRecord(row);
    expect('record' in result && readAttachEvent(result.record)).toMatchObject({
      kind: 'attach',
      event: { errorCode: 'AccessDenied', principal: null, policyArn: null },
    });
  });

  it('reports requestparameters that are not JSON, naming the event', () => {
    const row = athenaRow({ eventID: 'e2', eventSource: 'iam.amazonaws.com', eventName: 'AttachRolePolicy' });
    row[HEADER.indexOf('requestparameters')] = '{roleName=x, policyArn=y}';
    expect(rowToRecord(row)).toEqual({ problem: 'event e2: requestparameters is not JSON' });
  });
});

describe('checkHeader', () => {
  it("accepts the query's columns (whatever their case) and names a mismatch", () => {
    expect(checkHeader(HEADER)).toBeNull();
    expect(checkHeader(HEADER.map((h) => h!.toUpperCase()))).toBeNull();
    expect(checkHeader(HEADER.slice(1))).toMatch(
      /^the result's columns \(eventtime, .*\) are not the query's \(eventid, eventtime/,
    );
  });
});
