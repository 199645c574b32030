/**
 * `iot-policy-guard`: the command line. Exit status: 0 no violation, 1 at least one violation, 2 usage or input error
 * (an input error wins over violations, because the run did not see everything it was asked to), 3 no violation but
 * at least one unresolved attachment (a permission set an entry matches by name, whose name CloudTrail does not record):
 * neither "compliant" nor "violation" would be true.
 */
import { existsSync } from 'node:fs';
import { AthenaClient } from '@aws-sdk/client-athena';
import { Command, CommanderError, Option } from 'commander';
import { AllowlistError, emptyAllowlist, type Allowlist } from '../core/allowlist.js';
import { PARTITION_LAYOUTS } from '../core/athena-query.js';
import { CATALOG_COMPILED } from '../core/catalog.js';
import { toReportRecord } from '../core/report.js';
import { SCOPES, type Scope } from '../core/types.js';
import { YamlUnavailableError } from '../core/yaml-library.js';
import { loadAllowlistFile } from '../config/allowlist-file.js';
import packageJson from '../../package.json' with { type: 'json' };
import { registerAudit } from './audit.js';
import { emptySummary, evaluateSources, type Summary } from './evaluate.js';
import { athenaRequest, readAthena, type AthenaFlags } from './evaluate-athena.js';
import { count, formatSummary, tableHeader, tableRow } from './format.js';
import { readSources } from './sources.js';

export const EXIT = { ok: 0, violation: 1, error: 2, unresolved: 3 } as const;
export const DEFAULT_ALLOWLIST = 'infra/allowlist.yml';

/** A user error: printed as one message, never as a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
}

const defaultIo: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };

/** Runs the CLI with argv (without `node` and the script) and resolves to the exit status. */
export async function runCli(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  let status: number = EXIT.ok;
  const program = new Command('iot-policy-guard')
    .description('Checks AWS IoT managed policy attachments against an allowlist.')
    .version(packageJson.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('evaluate')
    .description('Replay CloudTrail history (files, directories, - for stdin, or a CloudTrail table in Athena) against an allowlist.')
    .argument('[paths...]', 'CloudTrail files or directories: log files (.json, .json.gz), EventBridge events, lookup-events output, NDJSON; - for stdin (the default without --athena)')
    .option('--allowlist <file>', `allowlist file (default: ${DEFAULT_ALLOWLIST} if it exists, else an empty allowlist)`)
    .addOption(new Option('--scope <scope>', 'governed policies (default: the allowlist\'s scope)').choices(SCOPES))
    .option('--now <iso-time>', 'evaluate expiries as of this time (default: now)')
    .option('--json', 'one JSON object per attach event on stdout, with the file it came from; summary on stderr')
    .option('--violations-only', 'list only violations (the summary still counts every verdict)')
    .option('--athena <database.table>', 'query this CloudTrail table in Athena instead of reading files (docs/athena.md)')
    .option('--workgroup <name>', 'with --athena: the Athena workgroup (default: primary)')
    .option('--output <s3-url>', "with --athena: where Athena writes the result (default: the workgroup's location)")
    .option('--since <iso-time>', 'with --athena: calls at or after this time; only the partitions from that day on are read')
    .option('--until <iso-time>', 'with --athena: calls before this time; only the partitions up to the next day are read')
    .addOption(new Option('--partitions <layout>', "with --athena: the table's partitions: timestamp (AWS's partition projection DDL), year-month-day (AWS's manual partitioning DDL), none (default: timestamp)").choices(PARTITION_LAYOUTS))
    .option('--governed-only', 'with --athena: return only calls of policies the scope may govern, and failed calls (fewer rows; the same bytes scanned)')
    .option('--print-query', 'with --athena: print the SQL and exit without running it')
    .action(async (given: string[], opts: { allowlist?: string; scope?: Scope; now?: string; json?: boolean; violationsOnly?: boolean; printQuery?: boolean } & AthenaFlags) => {
      const allowlist = resolveAllowlist(opts.allowlist, say);
      const now = parseNow(opts.now);
      const scope = opts.scope ?? allowlist.scope;
      const athenaQuery = athenaRequest(opts, scope, parseIsoTime);
      if (athenaQuery && given.length > 0) throw new UsageError(`give CloudTrail paths or --athena, not both (got ${given.join(' ')})`);
      if (opts.printQuery) {
        if (!athenaQuery) throw new UsageError('--print-query works only with --athena DATABASE.TABLE');
        io.stdout.write(`${athenaQuery.sql};\n`);
        return;
      }
      const paths = given.length > 0 ? given : ['-'];
      const summary = emptySummary();
      if (!athenaQuery && paths.includes('-') && (io.stdin as { isTTY?: boolean }).isTTY) say('reading CloudTrail JSON from stdin (end with Ctrl-D; give files or directories as arguments)');
      const athena = athenaQuery ? new AthenaClient({ maxAttempts: 5, retryMode: 'adaptive' }) : null;
      const sources = athena && athenaQuery ? readAthena(athena, athenaQuery, say) : readSources(paths, io.stdin);
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
      }
      rows.sort((a, b) => (a.record.eventTime ?? '').localeCompare(b.record.eventTime ?? ''));
      if (opts.json) for (const { record, file } of rows) io.stdout.write(`${JSON.stringify({ ...record, file })}\n`);
      else if (rows.length > 0) io.stdout.write(`${[tableHeader(), ...rows.map(({ record }) => tableRow(record))].join('\n')}\n`);
      if (!athenaQuery && summary.records === 0 && summary.problems.length === 0) {
        // An empty pipe (`aws ... | evaluate -` after aws failed) must not pass as "no violation".
        summary.problems.push({ source: paths.join(' '), message: 'no CloudTrail records found in the input' });
      }
      const text = formatSummary(summary);
      if (opts.json) say(text);
      else io.stdout.write(rows.length > 0 ? `\n${text}\n` : `${text}\n`);
      status = statusOf(summary);
    });

  program
    .command('validate-allowlist')
    .description('Check an allowlist file and list its entries; exit 2 if it is invalid.')
    .argument('<file>', 'allowlist file (YAML or JSON)')
    .option('--now <iso-time>', 'report expiries as of this time (default: now)')
    .action((file: string, opts: { now?: string }) => {
      const allowlist = loadAllowlistFile(file);
      const now = parseNow(opts.now).getTime();
      const expired = allowlist.allow.filter((e) => e.expiresAt !== null && e.expiresAt <= now);
      io.stdout.write(
        `${file}: valid (mode ${allowlist.mode}, scope ${allowlist.scope}, ${count(allowlist.allow.length, 'entry', 'entries')}, ` +
          `${count(allowlist.modes.length, 'mode override')}; policy catalog compiled ${CATALOG_COMPILED})\n`,
      );
      for (const e of expired) say(`warning: allow[${e.index}] (${e.principal}) expired on ${e.expires}: it no longer allows anything`);
    });

  registerAudit(program, { io, resolveAllowlist: (path) => resolveAllowlist(path, say), setStatus: (s) => void (status = s) });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    if (error instanceof AllowlistError || error instanceof UsageError || error instanceof YamlUnavailableError) {
      say(`iot-policy-guard: ${error.message}`);
      return EXIT.error;
    }
    throw error;
  }
}

function statusOf(summary: Summary): number {
  if (summary.problems.length > 0) return EXIT.error;
  if (summary.verdicts.violation > 0) return EXIT.violation;
  return summary.verdicts.unresolved > 0 ? EXIT.unresolved : EXIT.ok;
}

function resolveAllowlist(path: string | undefined, say: (line: string) => void): Allowlist {
  if (path !== undefined) {
    const allowlist = loadAllowlistFile(path);
    say(`allowlist: ${path} (${count(allowlist.allow.length, 'entry', 'entries')})`);
    return allowlist;
  }
  if (existsSync(DEFAULT_ALLOWLIST)) {
    const allowlist = loadAllowlistFile(DEFAULT_ALLOWLIST);
    say(`allowlist: ${DEFAULT_ALLOWLIST} (${count(allowlist.allow.length, 'entry', 'entries')}; default)`);
    return allowlist;
  }
  say(`allowlist: none (no --allowlist and no ${DEFAULT_ALLOWLIST}): every governed attachment is a violation`);
  return emptyAllowlist();
}

// A date, or a date and time with an explicit offset: a time without one would depend on the machine's time zone.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

function parseNow(value: string | undefined): Date {
  return value === undefined ? new Date() : parseIsoTime('--now', value);
}

function parseIsoTime(flag: string, value: string): Date {
  const m = ISO_TIME.exec(value);
  const ms = m ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value) : Number.NaN;
  const [, y, mo, d] = m ?? [];
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const real = m !== null && day.getUTCFullYear() === Number(y) && day.getUTCMonth() === Number(mo) - 1 && day.getUTCDate() === Number(d);
  if (Number.isNaN(ms) || !real) {
    throw new UsageError(`${flag} "${value}" is not an ISO date or time with an offset, such as 2026-11-26 or 2026-11-26T12:00:00Z`);
  }
  return new Date(ms);
}

/** Prints a progress line once a second while a long run goes on, when stderr is a terminal. */
function startProgress(stderr: Io['stderr'], summary: Summary): { stop: () => void } {
  if (!stderr.isTTY) return { stop: () => undefined };
  const timer = setInterval(() => {
    stderr.write(`\r${summary.records} records, ${summary.files} files, ${summary.attachEvents} attach events…`);
  }, 1000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      stderr.write('\r\x1b[K');
    },
  };
}
