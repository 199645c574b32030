// `evaluate --athena` against moto's Athena, through runCli as the command line runs it. moto does not execute SQL:
// it hands each new query execution the next result seeded through its moto-api (per account and Region), records
// the query text, and reports 0 bytes scanned; serve.py's mend pages the results as AWS does. Its own file, because
// it sets process.env.
import { AthenaClient, CreateWorkGroupCommand, GetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildAthenaQuery } from '../../functions/core/athena-query.js';
import { athenaRow, attachRecords, HEADER, resultRow, type AthenaRow } from '../support/athena.js';
import { cli, jsonLines } from '../support/cli.js';
import { describeWithEmulator, uniqueName } from './helpers/emulator.js';
import { accountEnv, isolatedAccount, type IsolatedAccount } from './sweep-account.js';

const SAMPLES = 'test/fixtures/samples';
const EXAMPLE = 'infra/allowlist.example.yml';

describeWithEmulator('evaluate --athena against moto', () => {
  let account: IsolatedAccount;
  let athena: AthenaClient;
  let workgroup: string;

  /** Queues one result for the next query execution in the test's account and Region. */
  async function seed(rows: AthenaRow[]): Promise<void> {
    const response = await fetch(`${account.config.endpoint}/moto-api/static/athena/query-results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        account_id: account.accountId,
        region: 'us-east-1',
        results: [{ rows: rows.map(resultRow), column_info: [] }],
      }),
    });
    expect(response.status).toBe(201);
  }

  const queryId = (stderr: string): string => {
    const id = /athena: started query (\S+)/.exec(stderr)?.[1];
    if (!id) throw new Error(`no query id in: ${stderr}`);
    return id;
  };

  beforeAll(async () => {
    account = await isolatedAccount();
    athena = new AthenaClient(account.config);
    workgroup = uniqueName('wg');
    await athena.send(new CreateWorkGroupCommand({ Name: workgroup }));
    Object.assign(process.env, accountEnv(account));
  }, 60_000);

  afterAll(() => athena?.destroy());

  it(
    'gives the seeded rows the verdicts their records get ' +
      'from the sample files; moto recorded the generated query',
    async () => {
      const records = await attachRecords([SAMPLES]);
      await seed([HEADER, ...records.map(athenaRow)]);
      const args = [
        '--athena',
        'cloudtrail.cloudtrail_logs_pp',
        '--workgroup',
        workgroup,
        '--output',
        's3://ipg-athena-results/backtest/',
        '--since',
        '2026-11-20',
        '--until',
        '2026-11-21',
      ];

      const run = await cli(['evaluate', '--allowlist', EXAMPLE, '--json', ...args]);
      const fromFiles = await cli(['evaluate', '--allowlist', EXAMPLE, '--json', SAMPLES]);

      const byId = (text: string) => new Map(jsonLines(text).map(({ file, ...r }) => [r.eventId, r]));
      expect(byId(run.stdout).size).toBe(9);
      expect(byId(run.stdout)).toEqual(byId(fromFiles.stdout));
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        /9 records read from Athena query \S+ \(1 result page, 0 B scanned\), 9 attach events/,
      );
      expect(run.stderr).toContain('verdicts: 3 violation, 3 allowed, 2 not-governed, 1 failed-attempt');

      const { QueryExecution: execution } = await athena.send(
        new GetQueryExecutionCommand({ QueryExecutionId: queryId(run.stderr) }),
      );
      expect(execution?.Query).toBe(
        buildAthenaQuery({
          table: { database: 'cloudtrail', table: 'cloudtrail_logs_pp' },
          scope: 'aws-iot',
          layout: 'timestamp',
          governedOnly: false,
          since: new Date('2026-11-20T00:00:00Z'),
          until: new Date('2026-11-21T00:00:00Z'),
        }),
      );
      expect(execution?.WorkGroup).toBe(workgroup);
      expect(execution?.ResultConfiguration?.OutputLocation).toMatch(/^s3:\/\/ipg-athena-results\/backtest\//);
    },
  );

  it(
    'a query without rows says "0 attach events"; as moto ' + 'scanned nothing, it is an input problem (exit 2)',
    async () => {
      await seed([HEADER]);
      const run = await cli([
        'evaluate',
        '--allowlist',
        EXAMPLE,
        '--athena',
        'cloudtrail.cloudtrail_logs_pp',
        '--workgroup',
        workgroup,
        '--since',
        '2026-11-01',
      ]);
      expect(run.stdout).toMatch(
        /0 records read from Athena query \S+ \(1 result page, 0 B scanned\), 0 attach events/,
      );
      expect(run.stdout).toContain('the query scanned no data');
      expect(run.status).toBe(2);
    },
  );

  it('reads every page of a result larger than one (GetQueryResults pages of 1,000 rows, NextToken)', async () => {
    const [record] = await attachRecords([`${SAMPLES}/eventbridge-attach-role-policy.json`]);
    const rows = Array.from({ length: 2500 }, (_, i) => athenaRow({ ...record!, eventID: `copy-${i}` }));
    await seed([HEADER, ...rows]);
    const run = await cli([
      'evaluate',
      '--allowlist',
      EXAMPLE,
      '--json',
      '--athena',
      'cloudtrail.cloudtrail_logs_pp',
      '--workgroup',
      workgroup,
      '--since',
      '2026-11-20',
    ]);
    expect(new Set(jsonLines(run.stdout).map((r) => r.eventId)).size).toBe(2500);
    // The header and 2,500 rows: 1,000 + 1,000 + 501.
    expect(run.stderr).toContain(
      'athena: result page 1, 999 rows so far\nathena: result page 2, 1999 rows so far\nathena: result ' +
        'page 3, 2500 rows so far',
    );
    expect(run.stderr).toMatch(/2500 records read from Athena query \S+ \(3 result pages, 0 B scanned\)/);
    expect(run.stderr).toContain('verdicts: 2500 violation');
    expect(run.status).toBe(1);
  });

  it('a workgroup Athena does not know: exit 2 with its message, no stack trace', async () => {
    const run = await cli([
      'evaluate',
      '--allowlist',
      EXAMPLE,
      '--athena',
      'cloudtrail.cloudtrail_logs_pp',
      '--workgroup',
      uniqueName('missing'),
      '--since',
      '2026-11-01',
    ]);
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/StartQueryExecution failed: .*WorkGroup does not exist/);
    expect(run.stdout).not.toMatch(/\n\s+at /);
  });
});
