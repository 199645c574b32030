import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanFile, type FileScan } from '../../functions/cli/scan-file.js';
import { quickScan } from '../../functions/core/quick-scan.js';
import { fixture, fixtureNames } from '../support/fixtures.js';

type Json = Record<string, unknown>;

/** Every CloudTrail record of the fixtures: attach calls of every kind, look-alikes, reads, other services. */
function fixtureRecords(): Json[] {
  return fixtureNames().flatMap((name) => {
    const doc = fixture<Json>(name);
    if (Array.isArray(doc.Records)) return doc.Records as Json[];
    if (Array.isArray(doc.Events))
      return (doc.Events as Json[]).map((e) => JSON.parse(e.CloudTrailEvent as string) as Json);
    return 'detail-type' in doc ? [doc.detail as Json] : [doc];
  });
}

const RECORDS = fixtureRecords();
const ATTACH = RECORDS.filter((r) => typeof r.eventName === 'string' && r.eventName.startsWith('Attach'));
const OTHER = RECORDS.filter((r) => !ATTACH.includes(r));
const scan = (text: string) => quickScan(Buffer.from(text));
const log = (records: readonly unknown[]): string => `{"Records":[${records.map((r) => JSON.stringify(r)).join(',')}]}`;

describe('quickScan', () => {
  it('names no record in a file of other records, and counts them', () => {
    expect(OTHER.length).toBeGreaterThan(5);
    expect(scan(log(OTHER))).toEqual({ kind: 'records', records: OTHER.length, candidates: [] });
  });

  it('names exactly the records that are attach calls, by their byte ranges', () => {
    const records = [OTHER[0], ATTACH[0], OTHER[1], OTHER[2], ATTACH[1]];
    const text = log(records);
    const result = scan(text);
    expect(result.kind).toBe('records');
    if (result.kind !== 'records') return;
    expect(result.records).toBe(5);
    expect(result.candidates.map(([s, e]) => JSON.parse(text.slice(s, e)))).toEqual([ATTACH[0], ATTACH[1]]);
  });

  it('does not take ListAttachedRolePolicies or DetachRolePolicy for an attach call', () => {
    const reads = [
      { eventName: 'ListAttachedRolePolicies' },
      { eventName: 'DetachRolePolicy' },
      { eventName: 'AttachedThing' },
    ];
    expect(scan(log(reads))).toEqual({ kind: 'records', records: 3, candidates: [] });
  });

  it.each([
    ['an attach name spelt with a \\u escape', '{"eventName":"\\u0041ttachUserPolicy"}'],
    ['a key spelt with a \\u escape', '{"event\\u004eame":"x"}'],
    ['an attach call inside a string (lookup-events)', JSON.stringify({ CloudTrailEvent: JSON.stringify(ATTACH[0]) })],
    ['the permission-set attach call', '{"eventName":"AttachManagedPolicyToPermissionSet"}'],
  ])('names a record holding %s', (_case, record) => {
    const text = `{"Records":[{"eventName":"A"},${record}]}`;
    const result = scan(text);
    expect(result.kind === 'records' && result.candidates.map(([s, e]) => text.slice(s, e))).toEqual([record]);
  });

  it.each([
    ['{"Records":[]}', 0],
    ['{"Records":[ ]}\n', 0],
    ['{"Records":[1,"a",null,[],{}]}', 5],
    ['{"Records":[{"a":"},{\\"b\\":[\\\\"}]}', 1],
    ['{"Records":[{"a":[1,{"b":"]"}]} , {}] }\r\n', 2],
  ])('counts the elements of %s', (text, records) => {
    expect(scan(text)).toEqual({ kind: 'records', records, candidates: [] });
  });

  it('sends a big file with an escape in every record to the full parse, which is cheaper then', () => {
    // `\u00e9` (é) as JSON writes it, in every record's userAgent.
    const escaped = (n: number) =>
      log(Array.from({ length: n }, (_, i) => OTHER[i % OTHER.length])).replaceAll(
        '"userAgent":"',
        '"userAgent":"\\u00e9',
      );
    expect(escaped(400).length).toBeGreaterThan(256 * 1024);
    expect(scan(escaped(400))).toEqual({ kind: 'parse', reason: 'dense' });
    expect(scan(escaped(10))).toMatchObject({ kind: 'records', records: 10 });
  });

  it.each([
    ['a pretty-printed file', '{\n  "Records": []\n}', 'not-a-log-file'],
    ['an EventBridge event', JSON.stringify({ 'detail-type': 'x', detail: {} }), 'not-a-log-file'],
    ['NDJSON of log files', '{"Records":[{}]}\n{"Records":[{}]}', 'irregular'],
    ['another key after Records', '{"Records":[{}],"Records":[]}', 'irregular'],
    ['a trailing comma', '{"Records":[{},]}', 'irregular'],
    ['an empty element', '{"Records":[{},,{}]}', 'irregular'],
    ['a leading comma', '{"Records":[,{}]}', 'irregular'],
    ['an unterminated string', '{"Records":[{"a":"b}]}', 'irregular'],
    ['a truncated file', '{"Records":[{"a":"b"},{"c":', 'irregular'],
    ['a list closed by }', '{"Records":[{}}}', 'irregular'],
    ['text after the object', '{"Records":[{}]} x', 'irregular'],
  ])('sends %s to the full parse', (_case, text, reason) => {
    expect(scan(text)).toEqual({ kind: 'parse', reason });
  });
});

describe('scanFile: the fast path reads what the full parse reads', () => {
  let dir: string;
  let n = 0;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ipg-quick-'));
  });
  const both = async (body: string, gzip: boolean): Promise<[FileScan, FileScan]> => {
    const path = join(dir, `f${n++}.json${gzip ? '.gz' : ''}`);
    writeFileSync(path, gzip ? gzipSync(body) : body);
    return [await scanFile(path, { quick: true }), await scanFile(path, { quick: false })];
  };
  const withoutQuick = (s: FileScan) => ({ ...s, file: s.file && { bytes: s.file.bytes } });

  // Records of every fixture, some re-spelt: escapes in names and keys, attach calls as strings, odd elements.
  const element = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...OTHER) },
    { weight: 3, arbitrary: fc.constantFrom(...ATTACH) },
    { weight: 1, arbitrary: fc.constantFrom(...ATTACH).map((r) => JSON.stringify(r)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
  const respell = (text: string, how: number): string => {
    switch (how) {
      case 1:
        return text.replace('"eventName":"Attach', '"eventName":"\\u0041ttach');
      case 2:
        return text.replace('"eventName"', '"event\\u004eame"');
      case 3:
        return text.replace(/,"/g, ', "');
      default:
        return text;
    }
  };

  it('on 300 random log files: the same counts, problems and attach calls', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(element, { maxLength: 30 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        async (records, how, gzip) => {
          const [quick, full] = await both(respell(log(records), how), gzip);
          expect(withoutQuick(quick)).toEqual(withoutQuick(full));
          expect(full.file?.quick).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('takes the fast path for a log file, and reports a malformed attach call as the full parse does', async () => {
    const malformed = { ...ATTACH[0], requestParameters: null, errorCode: undefined };
    const [quick, full] = await both(log([OTHER[0], malformed, ATTACH[1]]), true);
    expect(quick.file).toEqual({ bytes: full.file!.bytes, quick: true });
    expect(quick.tally).toEqual(full.tally);
    expect(quick.tally.problems).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/cannot be evaluated: requestParameters missing/) }),
    ]);
    expect(quick.attach).toEqual(full.attach);
  });

  it('falls back to the full parse for a named record that does not parse, with the same error', async () => {
    const [quick, full] = await both('{"Records":[{"eventName":"AttachUserPolicy",}]}', false);
    expect(quick).toEqual(full);
    expect(full.tally.problems).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/not valid JSON/) }),
    ]);
  });
});
