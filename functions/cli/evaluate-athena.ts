/**
 * `evaluate --athena DATABASE.TABLE`: one query on a CloudTrail table in Athena instead of files. Its rows become
 * CloudTrail records again and flow into evaluate's reader and decision like the documents of files do.
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import { estimateAthenaCostUsd, partitionRange, sqlIdentifier } from '../core/athena-query.js';
import { checkHeader, rowToRecord } from '../core/athena-rows.js';
import { AthenaQueryError, resultPages, startQuery, waitForQuery, type WaitOptions } from '../aws/athena.js';
import type { AthenaRequest } from './athena-flags.js';
import { formatBytes } from './format.js';
import type { SourceItem } from './json-stream.js';

/** One line saying what the query reads: which table, which days, which calls. */
export function describeRequest({ query }: AthenaRequest): string {
  const { from, to } = partitionRange(query.since, query.until);
  const days =
    query.layout === 'none'
      ? 'no partitions: every query reads the whole table'
      : `partitions ${query.layout}, days ${from ?? '(first)'} to ${to ?? '(last)'}`;
  const calls = query.governedOnly
    ? `calls of policies governed under scope ${query.scope}, and failed calls`
    : 'every attach-policy call';
  return (
    `athena: querying ${sqlIdentifier(query.table.database)}.${sqlIdentifier(query.table.table)} (${days}; ` +
    `${calls})`
  );
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
    say(
      `athena: ${usd < 0.01 ? 'under $0.01' : `about $${usd.toFixed(2)}`} for ${formatBytes(bytesScanned)} scanned ` +
        `(at $5 per TB, 10 MB minimum)`,
    );
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
        yield 'problem' in result
          ? { kind: 'error', source, message: result.problem }
          : { kind: 'document', source, doc: result.record };
      }
      say(`athena: result page ${pages}, ${rows} rows so far`);
    }
  } catch (error) {
    if (!(error instanceof AthenaQueryError)) throw error;
    yield { kind: 'error', source: `athena query ${id}`, message: `${error.message}${hintFor(error)}` };
  }
  if (rows === 0 && bytesScanned === 0 && pages > 0) {
    // A trail writes every day; reading nothing at all means the table does not reach the logs (LOCATION, projection
    // range).
    yield {
      kind: 'error',
      source: `athena query ${id}`,
      message: "the query scanned no data: check the table's LOCATION and partition range (docs/athena.md)",
    };
  }
  yield { kind: 'query', source: `athena query ${id}`, queryExecutionId: id, bytesScanned, pages };
}

// What to do about the failures a first run meets most.
function hintFor(error: AthenaQueryError): string {
  if (/Region is missing/.test(error.message)) return " (set AWS_REGION to the Region of the table's Glue catalog)";
  if (error.code === 'CredentialsProviderError')
    return ' (configure AWS credentials, e.g. AWS_PROFILE or `aws sso login`)';
  if (error.code === 'AccessDenied') return ' (the permissions evaluate --athena needs are listed in docs/athena.md)';
  return '';
}
