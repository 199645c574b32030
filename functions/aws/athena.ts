/** Runs one Athena query and streams its result pages: the only Athena calls `evaluate --athena` makes. */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type AthenaClient,
  type QueryExecutionState,
} from '@aws-sdk/client-athena';
import type { ResultRow } from '../core/athena-rows.js';
import { errorCode } from './failure.js';

/** Athena refused the query, or it failed or was cancelled; `code` is the API error or the final state. */
export class AthenaQueryError extends Error {
  override readonly name = 'AthenaQueryError';
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface StartQueryOptions {
  readonly sql: string;
  readonly workgroup?: string;
  /** s3://bucket/prefix/ for the result files; without it, the workgroup's. */
  readonly outputLocation?: string;
}

export interface QueryStatus {
  readonly state: QueryExecutionState | string;
  readonly bytesScanned: number;
}

export interface WaitOptions {
  readonly onStatus?: (status: QueryStatus) => void;
  /** Waits between polls; tests pass a faster one. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function call<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const code = errorCode(error);
    throw new AthenaQueryError(
      `${operation} failed: ${code}: ${String((error as Error).message).split('\n')[0]}`,
      code,
      { cause: error },
    );
  }
}

/** Starts the query and returns its QueryExecutionId. */
export async function startQuery(athena: AthenaClient, options: StartQueryOptions): Promise<string> {
  const { QueryExecutionId: id } = await call('StartQueryExecution', () =>
    athena.send(
      new StartQueryExecutionCommand({
        QueryString: options.sql,
        ...(options.workgroup === undefined ? {} : { WorkGroup: options.workgroup }),
        ...(options.outputLocation === undefined
          ? {}
          : { ResultConfiguration: { OutputLocation: options.outputLocation } }),
      }),
    ),
  );
  if (!id) throw new AthenaQueryError('StartQueryExecution returned no QueryExecutionId', 'NoQueryExecutionId');
  return id;
}

/**
 * Polls until the query ends (every 0.5 s, slowing to every 5 s) and returns its final status; throws unless it
 * SUCCEEDED, with Athena's reason.
 */
export async function waitForQuery(athena: AthenaClient, id: string, options: WaitOptions = {}): Promise<QueryStatus> {
  const sleep = options.sleep ?? sleepFor;
  for (let delay = 500; ; delay = Math.min(delay * 1.5, 5000)) {
    const { QueryExecution: execution } = await call('GetQueryExecution', () =>
      athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
    );
    const status = {
      state: execution?.Status?.State ?? 'UNKNOWN',
      bytesScanned: execution?.Statistics?.DataScannedInBytes ?? 0,
    };
    options.onStatus?.(status);
    if (status.state === 'SUCCEEDED') return status;
    if (TERMINAL.has(status.state)) {
      const reason =
        execution?.Status?.AthenaError?.ErrorMessage ?? execution?.Status?.StateChangeReason ?? 'no reason given';
      throw new AthenaQueryError(`query ${id} ${status.state}: ${reason}`, status.state);
    }
    await sleep(delay);
  }
}

/**
 * The query's result rows, a page (GetQueryResults call, up to 1,000 rows) at a time, following NextToken. The first
 * row of the first page is the header Athena puts before the rows of a SELECT.
 */
export async function* resultPages(athena: AthenaClient, id: string): AsyncGenerator<ResultRow[]> {
  let token: string | undefined;
  do {
    const page = await call('GetQueryResults', () =>
      athena.send(
        new GetQueryResultsCommand({
          QueryExecutionId: id,
          MaxResults: 1000,
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      ),
    );
    yield (page.ResultSet?.Rows ?? []).map((row) => (row.Data ?? []).map((cell) => cell.VarCharValue ?? null));
    token = page.NextToken;
  } while (token);
}
