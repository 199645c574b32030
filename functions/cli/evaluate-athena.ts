/**
 * `evaluate --athena DATABASE.TABLE`: one query on a CloudTrail table in Athena instead of files. Its rows become
 * CloudTrail records again and flow into evaluate's reader and decision like the documents of files do.
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import {
  buildAthenaQuery,
  estimateAthenaCostUsd,
  parseAthenaTable,
  partitionRange,
  sqlIdentifier,
  type AthenaQueryOptions,
  type PartitionLayout,
} from '../core/athena-query.js';
import { checkHeader, rowToRecord } from '../core/athena-rows.js';
import type { Scope } from '../core/types.js';
import { AthenaQueryError, resultPages, startQuery, waitForQuery, type WaitOptions } from '../aws/athena.js';
import { formatBytes } from './format.js';
import { UsageError } from './main.js';
import type { SourceItem } from './sources.js';

export interface AthenaFlags {
  athena?: string;
  workgroup?: string;
  output?: string;
  since?: string;
  until?: string;
  partitions?: PartitionLayout;
  governedOnly?: boolean;
}

export interface AthenaRequest {
  readonly query: AthenaQueryOptions;
  readonly sql: string;
  readonly workgroup?: string;
  readonly outputLocation?: string;
}

const WORKGROUP = /^[A-Za-z0-9._-]{1,128}$/;
const S3_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/;
const ATHENA_ONLY = ['workgroup', 'output', 'since', 'until', 'partitions', 'governedOnly'] as const;
const FLAG: Record<(typeof ATHENA_ONLY)[number], string> = {
  workgroup: '--workgroup',
  output: '--output',
  since: '--since',
  until: '--until',
  partitions: '--partitions',
  governedOnly: '--governed-only',
};

/** Checks the Athena flags and builds the query; throws UsageError naming the flag at fault. */
export function athenaRequest(flags: AthenaFlags, scope: Scope, parseTime: (flag: string, value: string) => Date): AthenaRequest | null {
  if (flags.athena === undefined) {
    const stray = ATHENA_ONLY.find((k) => flags[k] !== undefined);
    if (stray) throw new UsageError(`${FLAG[stray]} works only with --athena DATABASE.TABLE`);
    return null;
  }
  const table = parseAthenaTable(flags.athena);
  if (!table) {
    throw new UsageError(`--athena "${flags.athena}" is not DATABASE.TABLE (letters, digits, _ and -, e.g. default.cloudtrail_logs)`);
  }
  if (flags.workgroup !== undefined && !WORKGROUP.test(flags.workgroup)) {
    throw new UsageError(`--workgroup "${flags.workgroup}" is not an Athena workgroup name (letters, digits, . _ and -)`);
  }
  if (flags.output !== undefined && !S3_URL.test(flags.output)) {
    throw new UsageError(`--output "${flags.output}" is not an S3 location such as s3://my-athena-results/iot-policy-guard/`);
  }
  const since = flags.since === undefined ? undefined : parseTime('--since', flags.since);
  const until = flags.until === undefined ? undefined : parseTime('--until', flags.until);
  for (const [flag, date] of [['--since', since], ['--until', until]] as const) {
    if (date && date.getUTCMilliseconds() !== 0) throw new UsageError(`${flag} must be a whole second (CloudTrail records times to the second)`);
  }
  if (since && until && since >= until) throw new UsageError(`--since ${flags.since} is not before --until ${flags.until}`);
  const query: AthenaQueryOptions = {
    table,
    scope,
    layout: flags.partitions ?? 'timestamp',
    governedOnly: flags.governedOnly === true,
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
  return {
    query,
    sql: buildAthenaQuery(query),
    ...(flags.workgroup === undefined ? {} : { workgroup: flags.workgroup }),
    ...(flags.output === undefined ? {} : { outputLocation: flags.output }),
  };
}

/** One line saying what the query reads: which table, which days, which calls. */
export function describeRequest({ query }: AthenaRequest): string {
  const { from, to } = partitionRange(query.since, query.until);
  const days =
    query.layout === 'none'
      ? 'no partitions: every query reads the whole table'
      : `partitions ${query.layout}, days ${from ?? '(first)'} to ${to ?? '(last)'}`;
  const calls = query.governedOnly ? `calls of policies governed under scope ${query.scope}, and failed calls` : 'every attach-policy call';
  return `athena: querying ${sqlIdentifier(query.table.database)}.${sqlIdentifier(query.table.table)} (${days}; ${calls})`;
}

/**
 * Runs the query and yields its rows as CloudTrail documents, then a `query` item with what Athena scanned. Failures
 * are yielded as `error` items: the run reports them and exits 2, after whatever rows came before.
 */
export async function* readAthena(
  athena: AthenaClient,
  request: AthenaRequest,
  say: (line: string) => void,
  wait: Pick<WaitOptions, 'sleep'> = {},
): AsyncGenerator<SourceItem> {
  say(describeRequest(request));
  if (request.query.since === undefined && request.query.layout !== 'none') {
    say('athena: no --since: the query reads every day the table holds, and Athena bills every byte it reads');
  }
  let id = '(not started)';
  let bytesScanned = 0;
  let pages = 0;
  let rows = 0;
  try {
    id = await startQuery(athena, request);
    say(`athena: started query ${id}`);
    let last = '';
    const status = await waitForQuery(athena, id, {
      ...wait,
      onStatus: ({ state, bytesScanned: bytes }) => {
        const line = `athena: query ${id} ${state}, ${formatBytes(bytes)} scanned`;
        if (line !== last) say(line);
        last = line;
      },
    });
    bytesScanned = status.bytesScanned;
    const usd = estimateAthenaCostUsd(bytesScanned);
    say(`athena: ${usd < 0.01 ? 'under $0.01' : `about $${usd.toFixed(2)}`} for ${formatBytes(bytesScanned)} scanned (at $5 per TB, 10 MB minimum)`);
    let header = true;
    for await (const page of resultPages(athena, id)) {
      pages++;
      for (const row of page) {
        if (header) {
          header = false;
          const wrong = checkHeader(row);
          if (wrong) throw new AthenaQueryError(wrong, 'UnexpectedColumns');
          continue;
        }
        rows++;
        const result = rowToRecord(row);
        const source = `athena query ${id} row ${rows}`;
        yield 'problem' in result ? { kind: 'error', source, message: result.problem } : { kind: 'document', source, doc: result.record };
      }
      say(`athena: result page ${pages}, ${rows} rows so far`);
    }
  } catch (error) {
    if (!(error instanceof AthenaQueryError)) throw error;
    yield { kind: 'error', source: `athena query ${id}`, message: `${error.message}${hintFor(error)}` };
  }
  if (rows === 0 && bytesScanned === 0 && pages > 0) {
    // A trail writes every day; reading nothing at all means the table does not reach the logs (LOCATION, projection range).
    yield { kind: 'error', source: `athena query ${id}`, message: "the query scanned no data: check the table's LOCATION and partition range (docs/athena.md)" };
  }
  yield { kind: 'query', source: `athena query ${id}`, queryExecutionId: id, bytesScanned, pages };
}

// What to do about the failures a first run meets most.
function hintFor(error: AthenaQueryError): string {
  if (/Region is missing/.test(error.message)) return " (set AWS_REGION to the Region of the table's Glue catalog)";
  if (error.code === 'CredentialsProviderError') return ' (configure AWS credentials, e.g. AWS_PROFILE or `aws sso login`)';
  if (error.code === 'AccessDenied') return ' (the permissions evaluate --athena needs are listed in docs/athena.md)';
  return '';
}
