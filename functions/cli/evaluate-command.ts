/** `iot-policy-guard evaluate`: replays CloudTrail files, stdin or an Athena table against an allowlist. */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { PARTITION_LAYOUTS } from '../core/athena-query.js';
import { toReportRecord } from '../core/report.js';
import { SCOPES, type Scope } from '../core/types.js';
import {
  DEFAULT_ALLOWLIST,
  exitStatus,
  parseIsoTime,
  progressLine,
  parseNow,
  resolveAllowlist,
  UsageError,
  type Io,
} from './common.js';
import { emptySummary, evaluateSources, type Summary } from './evaluate.js';
import { athenaRequest, type AthenaFlags } from './athena-flags.js';
import { formatSummary, tableHeader, tableRow } from './format.js';
import { startScanPool } from './scan-pool.js';
import { inlineReader, readSources, type FileReader } from './sources.js';

export interface EvaluateContext {
  readonly io: Io;
  readonly say: (line: string) => void;
  readonly setStatus: (status: number) => void;
  /** The worker script (dist/scan-worker.js beside dist/cli.js); null: files are read in the main thread. */
  readonly scanWorker?: URL | null;
}

type EvaluateFlags = {
  allowlist?: string;
  scope?: Scope;
  now?: string;
  json?: boolean;
  violationsOnly?: boolean;
  printQuery?: boolean;
  workers?: string;
  parseAll?: boolean;
} & AthenaFlags;

const MAX_WORKERS = 8;

/** dist/scan-worker.js, beside the bundled CLI; null when the CLI runs from its sources (tests), which read inline. */
function bundledWorker(): URL | null {
  const url = new URL('./scan-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
}

function fileReader(opts: EvaluateFlags, worker: URL | null): { reader: FileReader; close: () => Promise<void> } {
  const options = { quick: !opts.parseAll };
  let workers = Math.min(availableParallelism(), MAX_WORKERS);
  if (opts.workers !== undefined) {
    if (!/^\d{1,2}$/.test(opts.workers) || Number(opts.workers) > 64)
      throw new UsageError(`--workers "${opts.workers}" is not a number from 0 to 64`);
    workers = Number(opts.workers);
  }
  if (workers === 0 || worker === null) return { reader: inlineReader(options), close: async () => undefined };
  const pool = startScanPool(worker, workers, options);
  return { reader: pool, close: () => pool.close() };
}

export function registerEvaluate(program: Command, context: EvaluateContext): void {
  const { io, say } = context;
  program
    .command('evaluate')
    .description(
      'Replay CloudTrail history (files, directories, - for stdin, or a CloudTrail table in Athena) against an ' +
        'allowlist.',
    )
    .argument(
      '[paths...]',
      'CloudTrail files or directories: log files (.json, .json.gz), EventBridge events, lookup-events output, ' +
        'NDJSON; - for stdin (the default without --athena)',
    )
    .option(
      '--allowlist <file>',
      `allowlist file (default: ${DEFAULT_ALLOWLIST} if it exists, else an empty allowlist)`,
    )
    .addOption(new Option('--scope <scope>', "governed policies (default: the allowlist's scope)").choices(SCOPES))
    .option('--now <iso-time>', 'evaluate expiries as of this time (default: now)')
    .option('--json', 'one JSON object per attach event on stdout, with the file it came from; summary on stderr')
    .option('--violations-only', 'list only violations (the summary still counts every verdict)')
    .option(
      '--athena <database.table>',
      'query this CloudTrail table in Athena instead of reading files (docs/athena.md)',
    )
    .option('--workgroup <name>', 'with --athena: the Athena workgroup (default: primary)')
    .option('--output <s3-url>', "with --athena: where Athena writes the result (default: the workgroup's location)")
    .option(
      '--since <iso-time>',
      'with --athena: calls at or after this time; only the partitions from that day on are read',
    )
    .option(
      '--until <iso-time>',
      'with --athena: calls before this time; only the partitions up to the next day are read',
    )
    .addOption(
      new Option(
        '--partitions <layout>',
        "with --athena: the table's partitions: timestamp (AWS's partition projection DDL), year-month-day (AWS's " +
          'manual partitioning DDL), none (default: timestamp)',
      ).choices(PARTITION_LAYOUTS),
    )
    .option(
      '--governed-only',
      'with --athena: return only calls of policies the scope may govern, and failed calls (fewer rows; the same ' +
        'bytes scanned)',
    )
    .option('--print-query', 'with --athena: print the SQL and exit without running it')
    .option(
      '--workers <n>',
      `worker threads reading files (default: the number of CPUs, at most ${MAX_WORKERS}; 0: read in the main thread)`,
    )
    .option(
      '--parse-all',
      'parse every record in full; by default only records that can be attach calls are parsed, the rest counted ' +
        '(docs/cli.md)',
    )
    .action(async (given: string[], opts: EvaluateFlags) => {
      const allowlist = resolveAllowlist(opts.allowlist, say);
      const now = parseNow(opts.now);
      const scope = opts.scope ?? allowlist.scope;
      const athenaQuery = athenaRequest(opts, scope, parseIsoTime);
      if (athenaQuery && given.length > 0)
        throw new UsageError(`give CloudTrail paths or --athena, not both (got ${given.join(' ')})`);
      if (opts.printQuery) {
        if (!athenaQuery) throw new UsageError('--print-query works only with --athena DATABASE.TABLE');
        io.stdout.write(`${athenaQuery.sql};\n`);
        return;
      }
      const paths = given.length > 0 ? given : ['-'];
      const summary = emptySummary();
      if (!athenaQuery && paths.includes('-') && (io.stdin as { isTTY?: boolean }).isTTY)
        say('reading CloudTrail JSON from stdin (end with Ctrl-D; give files or directories as arguments)');
      // Loaded only for --athena: a run over files never loads the AWS SDK.
      const athenaRun = athenaQuery ? await startAthena() : null;
      const athena = athenaRun?.client ?? null;
      const reader =
        athena || paths.every((p) => p === '-')
          ? null
          : fileReader(opts, context.scanWorker === undefined ? bundledWorker() : context.scanWorker);
      const sources =
        athena && athenaQuery
          ? athenaRun!.readAthena(athena, athenaQuery, say)
          : readSources(paths, io.stdin, reader?.reader);
      // The Athena run says what it does line by line; the file counter would overwrite those lines.
      const progress = athena ? { stop: () => undefined } : startProgress(io.stderr, summary);
      // Attach calls are a tiny share of CloudTrail: held until the end, they are printed in time order, and no table
      // is printed for a run that found none.
      const rows: { record: ReturnType<typeof toReportRecord>; file: string }[] = [];
      try {
        for await (const result of evaluateSources(sources, { allowlist, scope, now }, summary)) {
          if (opts.violationsOnly && result.decision.verdict !== 'violation') continue;
          rows.push({ record: toReportRecord(result.event, result.decision), file: result.source });
        }
      } finally {
        progress.stop();
        athena?.destroy();
        await reader?.close();
      }
      rows.sort((a, b) => (a.record.eventTime ?? '').localeCompare(b.record.eventTime ?? ''));
      if (opts.json) for (const { record, file } of rows) io.stdout.write(`${JSON.stringify({ ...record, file })}\n`);
      else if (rows.length > 0)
        io.stdout.write(`${[tableHeader(), ...rows.map(({ record }) => tableRow(record))].join('\n')}\n`);
      if (!athenaQuery && summary.records === 0 && summary.problems.length === 0) {
        // An empty pipe (`aws ... | evaluate -` after aws failed) must not pass as "no violation".
        summary.problems.push({ source: paths.join(' '), message: 'no CloudTrail records found in the input' });
      }
      const text = formatSummary(summary);
      if (opts.json) say(text);
      else io.stdout.write(rows.length > 0 ? `\n${text}\n` : `${text}\n`);
      context.setStatus(exitStatus(summary.problems.length, summary.verdicts));
    });
}

async function startAthena() {
  const [{ AthenaClient }, { readAthena }] = await Promise.all([
    import('@aws-sdk/client-athena'),
    import('./evaluate-athena.js'),
  ]);
  return { client: new AthenaClient({ maxAttempts: 5, retryMode: 'adaptive' }), readAthena };
}

/** Shows the counts once a second while a long run goes on, when stderr is a terminal. */
function startProgress(stderr: Io['stderr'], summary: Summary): { stop: () => void } {
  const line = progressLine(stderr);
  const timer = setInterval(
    () => line.show(`${summary.records} records, ${summary.files} files, ${summary.attachEvents} attach events…`),
    1000,
  );
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      line.clear();
    },
  };
}
