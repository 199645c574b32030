import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { PassThrough } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../functions/cli/main.js';
import { buildAthenaQuery } from '../../functions/core/athena-query.js';
import { athenaRow, attachRecords, HEADER, resultRow } from '../support/athena.js';
import { cli, jsonLines } from '../support/cli.js';

const SAMPLES = 'test/fixtures/samples';
const EXAMPLE = 'infra/allowlist.example.yml';
const athena = mockClient(AthenaClient);
const GB = 1024 ** 3;

const succeeded = (bytes: number) => ({
  QueryExecution: { Status: { State: 'SUCCEEDED' as const }, Statistics: { DataScannedInBytes: bytes } },
});
const run = (...extra: string[]) => cli(['evaluate', '--allowlist', EXAMPLE, '--athena', 'cloudtrail.logs', ...extra]);

beforeAll(() => {
  vi.stubEnv('AWS_REGION', 'eu-west-1');
});
afterAll(() => {
  vi.unstubAllEnvs();
  athena.restore();
});
beforeEach(() => {
  athena.reset();
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
  athena.on(GetQueryExecutionCommand).resolves(succeeded(2 * GB));
});

describe('evaluate --athena', () => {
  it('reads every result page (NextToken); each row gets the verdict its record gets from files', async () => {
    const rows = (await attachRecords([SAMPLES])).map((r) => resultRow(athenaRow(r)));
    expect(rows).toHaveLength(9);
    athena.on(GetQueryExecutionCommand).resolves(succeeded(300 * GB));
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({ ResultSet: { Rows: [resultRow(HEADER), ...rows.slice(0, 4)] }, NextToken: 't1' })
      .resolvesOnce({ ResultSet: { Rows: rows.slice(4, 7) }, NextToken: 't2' })
      .resolvesOnce({ ResultSet: { Rows: rows.slice(7) } });

    const result = await run('--json');
    const fromFiles = await cli(['evaluate', '--allowlist', EXAMPLE, '--json', SAMPLES]);

    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      't1',
      't2',
    ]);
    // Each record names where it came from: the query's row instead of the file.
    const byId = (text: string) => new Map(jsonLines(text).map(({ file, ...r }) => [r.eventId, r]));
    expect(byId(result.stdout)).toEqual(byId(fromFiles.stdout));
    expect(jsonLines(result.stdout).map((r) => r.file)).toEqual(
      expect.arrayContaining(['athena query q-1 row 1', 'athena query q-1 row 8']),
    );
    expect(result.status).toBe(fromFiles.status);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('athena: result page 3, 9 rows so far');
    expect(result.stderr).toContain(
      '9 records read from Athena query q-1 (3 result pages, 300.0 GB scanned), 9 attach events, 0 other records ' +
        'skipped',
    );
    expect(result.stderr).toContain('verdicts: 3 violation, 3 allowed, 2 not-governed, 1 failed-attempt');
    expect(result.stderr).toContain('athena: about $1.46 for 300.0 GB scanned (at $5 per TB, 10 MB minimum)');
  });

  it('sends the generated query, workgroup and output location, and prints the same table as for files', async () => {
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [resultRow(HEADER)] } });
    const result = await run(
      '--workgroup',
      'audits',
      '--output',
      's3://results-bucket/ipg/',
      '--since',
      '2024-01-01',
      '--until',
      '2025-01-01T00:00:00Z',
      '--scope',
      'seed',
      '--governed-only',
    );
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(input).toEqual({
      QueryString: buildAthenaQuery({
        table: { database: 'cloudtrail', table: 'logs' },
        scope: 'seed',
        layout: 'timestamp',
        governedOnly: true,
        since: new Date('2024-01-01T00:00:00Z'),
        until: new Date('2025-01-01T00:00:00Z'),
      }),
      WorkGroup: 'audits',
      ResultConfiguration: { OutputLocation: 's3://results-bucket/ipg/' },
    });
    // No attach call came back: the summary alone, no empty table.
    expect(result.stdout).toMatch(/^0 records read from Athena query q-1 \(1 result page, /);
    expect(result.stderr).toContain(
      'athena: querying "cloudtrail"."logs" (partitions timestamp, days 2024/01/01 to 2025/01/01; calls of policies ' +
        'governed under scope seed, and failed calls)',
    );
  });

  it('no rows after scanning data: 0 attach events, exit 0', async () => {
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [resultRow(HEADER)] } });
    const result = await run('--since', '2026-11-01');
    expect(result.stdout).toContain(
      '0 records read from Athena query q-1 (1 result page, 2.0 GB scanned), 0 attach events',
    );
    expect(result.stderr).toContain('athena: under $0.01 for 2.0 GB scanned');
    expect(result.status).toBe(0);
  });

  it('no rows and nothing scanned: the table does not reach the logs, exit 2', async () => {
    athena.on(GetQueryExecutionCommand).resolves(succeeded(0));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [resultRow(HEADER)] } });
    const result = await run('--since', '2026-11-01');
    expect(result.stdout).toContain('0 attach events');
    expect(result.stdout).toContain(
      "athena query q-1: the query scanned no data: check the table's LOCATION and partition range",
    );
    expect(result.status).toBe(2);
  });

  it('waits while the query is queued and running, saying so on stderr', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' }, Statistics: { DataScannedInBytes: 1024 } } })
      .resolves(succeeded(2048));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [resultRow(HEADER)] } });
    const result = await run('--since', '2026-11-01');
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(2);
    expect(result.stderr).toContain(
      'athena: query q-1 RUNNING, 1.0 KB scanned\nathena: query q-1 SUCCEEDED, 2.0 KB scanned',
    );
    expect(result.status).toBe(0);
  });

  it.each([
    [
      'a failed query',
      () =>
        athena.on(GetQueryExecutionCommand).resolves({
          QueryExecution: {
            Status: {
              State: 'FAILED',
              AthenaError: { ErrorMessage: "TABLE_NOT_FOUND: Table 'cloudtrail.logs' does not exist" },
            },
          },
        }),
      /athena query q-1: query q-1 FAILED: TABLE_NOT_FOUND: Table 'cloudtrail.logs' does not exist/,
    ],
    [
      'a refused query',
      () =>
        athena
          .on(StartQueryExecutionCommand)
          .rejects(Object.assign(new Error('No output location provided.'), { name: 'InvalidRequestException' })),
      /StartQueryExecution failed: InvalidRequest: No output location provided\./,
    ],
    [
      'no Region',
      () => athena.on(StartQueryExecutionCommand).rejects(new Error('Region is missing')),
      /Region is missing \(set AWS_REGION to the Region of the table's Glue catalog\)/,
    ],
    [
      'access denied',
      () =>
        athena
          .on(StartQueryExecutionCommand)
          .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' })),
      /AccessDenied: not authorized \(the permissions evaluate --athena needs are listed in docs\/athena\.md\)/,
    ],
    [
      'a result with other columns',
      () => athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [resultRow(['eventid'])] } }),
      /the result's columns \(eventid\) are not the query's/,
    ],
  ])("%s: exit 2 with Athena's reason and no stack trace", async (_case, arrange, message) => {
    arrange();
    const result = await run('--since', '2026-11-01');
    expect(result.status).toBe(2);
    expect(result.stdout).toMatch(message);
    expect(result.stdout).toContain('0 attach events');
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/\n\s+at /);
  });

  it('on a terminal, keeps its progress lines clear of the file counter', async () => {
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [resultRow(HEADER)] } });
    const stderr = Object.assign(new PassThrough(), { isTTY: true });
    const err: string[] = [];
    stderr.on('data', (c: Buffer) => err.push(c.toString()));
    const status = await runCli(
      ['evaluate', '--allowlist', EXAMPLE, '--athena', 'cloudtrail.logs', '--since', '2026-11-01'],
      { stdout: new PassThrough(), stderr, stdin: new PassThrough() },
    );
    expect(status).toBe(0);
    expect(err.join('')).toContain('athena: result page 1, 0 rows so far');
    expect(err.join('')).not.toContain('\r');
  });

  it('prints the query with --print-query and runs nothing', async () => {
    const result = await run('--partitions', 'year-month-day', '--since', '2025-06-01', '--print-query');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("AND concat(year, '/', month, '/', day) >= '2025/06/01'");
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('warns that a query without --since reads every day', async () => {
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [resultRow(HEADER)] } });
    expect((await run()).stderr).toContain('athena: no --since: the query reads every day the table holds');
  });

  it.each([
    [['--athena', 'logs'], /--athena "logs" is not DATABASE\.TABLE/],
    [['--athena', 'db.t"x'], /--athena "db\.t"x" is not DATABASE\.TABLE/],
    [['--athena', 'db.t', '--workgroup', 'a b'], /--workgroup "a b" is not an Athena workgroup name/],
    [['--athena', 'db.t', '--output', 'results-bucket'], /--output "results-bucket" is not an S3 location/],
    [['--athena', 'db.t', '--since', 'last year'], /--since "last year" is not an ISO date or time/],
    [
      ['--athena', 'db.t', '--since', '2025-01-01', '--until', '2024-01-01'],
      /--since 2025-01-01 is not before --until 2024-01-01/,
    ],
    [['--athena', 'db.t', '--since', '2025-01-01T00:00:00.5Z'], /--since must be a whole second/],
    [['--athena', 'db.t', '--partitions', 'daily'], /option '--partitions <layout>' argument 'daily' is invalid/],
    [['--athena', 'db.t', SAMPLES], /give CloudTrail paths or --athena, not both/],
    [['--since', '2025-01-01', SAMPLES], /--since works only with --athena DATABASE\.TABLE/],
    [['--print-query', SAMPLES], /--print-query works only with --athena/],
  ])('usage error, exit 2, nothing run: %j', async (args, message) => {
    const result = await cli(['evaluate', '--allowlist', EXAMPLE, ...args]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});
