import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import nodeSqlParser from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { awsManagedPolicyArn, PARTITIONS } from '../../functions/core/arn.js';
import {
  buildAthenaQuery,
  estimateAthenaCostUsd,
  governedArnPattern,
  parseAthenaTable,
  partitionRange,
  PARTITION_LAYOUTS,
  sqlString,
  type AthenaQueryOptions,
} from '../../functions/core/athena-query.js';
import { CATALOG, governedArns, isGoverned } from '../../functions/core/catalog.js';
import { SCOPES } from '../../functions/core/types.js';

const { Parser } = nodeSqlParser;
const parser = new Parser();
const TABLE = { database: 'cloudtrail', table: 'cloudtrail_logs_pp' };
const SINCE = new Date('2024-01-01T00:00:00Z');
const UNTIL = new Date('2025-01-01T00:00:00Z');

type Ast = { type: string; from: { db: string; table: string }[]; where: unknown };
const parse = (sql: string, database: string): Ast => parser.astify(sql, { database }) as unknown as Ast;

// Every combination of the options that change the SQL.
const COMBINATIONS: AthenaQueryOptions[] = PARTITION_LAYOUTS.flatMap((layout) =>
  SCOPES.flatMap((scope) =>
    [true, false].flatMap((governedOnly) =>
      [{}, { since: SINCE }, { until: UNTIL }, { since: SINCE, until: UNTIL }].map((range) => ({
        table: TABLE,
        scope,
        layout,
        governedOnly,
        ...range,
      })),
    ),
  ),
);

describe('buildAthenaQuery', () => {
  it.each(['athena', 'trino'])(
    'every combination of options parses with the %s grammar as one SELECT on the table',
    (database) => {
      expect(COMBINATIONS).toHaveLength(48);
      for (const options of COMBINATIONS) {
        const sql = buildAthenaQuery(options);
        const ast = parse(sql, database);
        expect(ast.type, sql).toBe('select');
        expect(ast.from).toEqual([expect.objectContaining({ db: 'cloudtrail', table: 'cloudtrail_logs_pp' })]);
      }
    },
  );

  it('the grammar rejects what unescaped text would make of a quote, and accepts it escaped', () => {
    expect(() => parse(`SELECT eventid FROM t WHERE eventname = 'it's'`, 'athena')).toThrow();
    expect(parse(`SELECT eventid FROM t WHERE eventname = ${sqlString("it's")}`, 'athena').type).toBe('select');
  });

  it('is exactly this for a year of a projected table, governed calls only (the text docs/athena.md shows)', () => {
    const sql = buildAthenaQuery({
      table: TABLE,
      scope: 'seed',
      layout: 'timestamp',
      governedOnly: true,
      since: SINCE,
      until: UNTIL,
    });
    expect(readFileSync('docs/athena.md', 'utf8')).toContain(`\`\`\`sql\n${sql}\n\`\`\``);
    expect(sql).toBe(
      [
        'SELECT eventid, eventtime, eventsource, eventname, awsregion, recipientaccountid, ' +
          'sourceipaddress, useragent, errorcode, errormessage, requestparameters, ' +
          'useridentity.type AS identity_type, useridentity.arn AS identity_arn, useridentity.invokedby ' +
          'AS identity_invokedby, useridentity.sessioncontext.sessionissuer.arn AS session_issuer_arn',
        'FROM "cloudtrail"."cloudtrail_logs_pp"',
        "WHERE ((eventsource = 'iam.amazonaws.com' AND eventname IN ('AttachUserPolicy', " +
          "'AttachRolePolicy', 'AttachGroupPolicy')) OR (eventsource = 'sso.amazonaws.com' AND eventname = " +
          "'AttachManagedPolicyToPermissionSet'))",
        `  AND "timestamp" >= '2024/01/01'`,
        `  AND "timestamp" <= '2025/01/01'`,
        "  AND eventtime >= '2024-01-01T00:00:00Z'",
        "  AND eventtime < '2025-01-01T00:00:00Z'",
        '  AND (errorcode IS NOT NULL OR ' +
          "regexp_like(lower(coalesce(json_extract_scalar(requestparameters, '$.policyArn'), " +
          "json_extract_scalar(requestparameters, '$.managedPolicyArn'))), " +
          "'^arn:[a-z-]+:iam::aws:policy/(.+/)?(awsiotconfigaccess|awsiotconfigreadonlyaccess|awsiotdataaccess|" +
          'awsioteventsfullaccess|awsioteventsreadonlyaccess|awsiotfullaccess|awsiotlogging|awsiototaupdate|' +
          "awsiotruleactions|awsiotthingsregistration)$'))",
        'ORDER BY eventtime, eventid',
      ].join('\n'),
    );
  });

  it(
    'restricts the partitions of each layout to the days asked ' +
      'for, and reads everything without --since and --until',
    () => {
      const where = (layout: AthenaQueryOptions['layout'], range: object): string =>
        buildAthenaQuery({ table: TABLE, scope: 'aws-iot', layout, governedOnly: false, ...range });
      expect(where('year-month-day', { since: SINCE, until: UNTIL })).toContain(
        "AND year >= '2024'\n  AND concat(year, '/', month, '/', day) >= '2024/01/01'\n  AND year <= " +
          "'2025'\n  AND concat(year, '/', month, '/', day) <= '2025/01/01'",
      );
      expect(where('none', { since: SINCE, until: UNTIL })).not.toMatch(/timestamp|year/);
      expect(where('timestamp', {})).not.toMatch(/timestamp|eventtime >|eventtime </);
      expect(where('timestamp', { since: SINCE })).not.toContain('"timestamp" <=');
    },
  );
});

describe('partitionRange', () => {
  it.each([
    ['2024-03-05T10:00:00Z', '2024-03-06T00:00:00Z', '2024/03/05', '2024/03/06'],
    // A call at 23:59 may be delivered after midnight: the next day's partition is read too.
    ['2024-03-05T00:00:00Z', '2024-03-05T23:59:59Z', '2024/03/05', '2024/03/06'],
    ['2024-12-31T23:00:00Z', '2025-01-01T00:00:01Z', '2024/12/31', '2025/01/02'],
    ['2024-02-28T00:00:00Z', '2024-03-01T00:00:00Z', '2024/02/28', '2024/03/01'],
  ])('[%s, %s) reads %s to %s', (since, until, from, to) => {
    expect(partitionRange(new Date(since), new Date(until))).toEqual({ from, to });
  });
});

describe('parseAthenaTable', () => {
  it.each(['default.cloudtrail_logs', 'CloudTrail.logs_pp', 'db-1.t_2'])('accepts %s', (text) => {
    expect(parseAthenaTable(text)).not.toBeNull();
  });
  it.each(['cloudtrail_logs', 'a.b.c', 'a.', '.b', 'db.t"; DROP TABLE x; --', "db.t'", 'db.t x', 'db.-t'])(
    'rejects %j',
    (text) => {
      expect(parseAthenaTable(text)).toBeNull();
    },
  );
});

describe('governedArnPattern', () => {
  const matches = (scope: 'seed' | 'aws-iot', arn: string): boolean =>
    new RegExp(governedArnPattern(scope)).test(arn.toLowerCase());

  it('matches every policy the scope names, in every partition', () => {
    for (const scope of SCOPES) {
      for (const partition of PARTITIONS)
        for (const arn of governedArns(scope, partition)) expect(matches(scope, arn), `${scope} ${arn}`).toBe(true);
    }
  });

  it('never drops a governed policy (any name, path, partition and letter case)', () => {
    const name = fc.oneof(
      fc.constantFrom(...CATALOG.map((p) => p.name)),
      fc.stringMatching(/^(AWSIoT|awsiot|AwsIot)?[\w+=,.@-]{1,20}$/),
    );
    const path = fc.constantFrom('/', '/service-role/', '/aws-service-role/', '/a/b/');
    const arn = fc
      .tuple(fc.constantFrom(...PARTITIONS), fc.constantFrom('aws', '123456789012'), path, name)
      .map(([p, account, pa, n]) => `arn:${p}:iam::${account}:policy${pa}${n}`);
    fc.assert(
      fc.property(arn, fc.constantFrom(...SCOPES), (policyArn, scope) => {
        if (isGoverned(policyArn, scope)) expect(matches(scope, policyArn)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('lets through neither other AWS managed policies nor customer managed ones', () => {
    expect(matches('aws-iot', awsManagedPolicyArn('/', 'AmazonS3ReadOnlyAccess'))).toBe(false);
    expect(matches('aws-iot', 'arn:aws:iam::123456789012:policy/AWSIoTFullAccess')).toBe(false);
    expect(matches('seed', awsManagedPolicyArn('/', 'AWSGreengrassFullAccess'))).toBe(false);
    expect(matches('aws-iot', awsManagedPolicyArn('/', 'AWSGreengrassFullAccess'))).toBe(true);
  });
});

describe('estimateAthenaCostUsd', () => {
  it.each([
    [0, (10 / 1024 ** 2) * 5],
    [1, (10 / 1024 ** 2) * 5],
    [1024 ** 4, 5],
    [3 * 1024 ** 4 + 1, ((3 * 1024 ** 2 + 1) / 1024 ** 2) * 5],
  ])('%d bytes cost $%f', (bytes, usd) => {
    expect(estimateAthenaCostUsd(bytes)).toBeCloseTo(usd, 10);
  });
});
