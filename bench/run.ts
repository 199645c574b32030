/**
 * `npm run bench`: builds the CLI, runs the four benchmarks, prints one table and records it with the machine in
 * bench/RESULTS.md (raw numbers in bench/out/results.json). Benchmarks print numbers; they assert nothing, and the
 * exit status is 0 whatever the numbers (non-zero only when a benchmark could not run).
 *
 *   tsx bench/run.ts [--only backtest,cold-start,revert,sweep] [--size-mb 1024] [--seed N] [--rounds 3]
 *                    [--pairs 30] [--iterations 100] [--sweep-sizes 100,1000,5000] [--no-record]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_ARCHIVE } from './archive/generate.js';
import { backtest } from './backtest/backtest.js';
import { coldStart } from './cold-start/cold-start.js';
import { ensureMoto, type MotoServer } from './lib/moto.js';
import { run } from './lib/proc.js';
import { machine, renderTable, row, type Row } from './lib/report.js';
import { writeResults } from './lib/results.js';
import { timeToRevert } from './revert/revert.js';
import { sweepCost } from './sweep/sweep.js';

const OUT = 'bench/out';
const BENCHES = ['backtest', 'cold-start', 'revert', 'sweep'] as const;
type Bench = (typeof BENCHES)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'size-mb': { type: 'string', default: String(DEFAULT_ARCHIVE.sizeMb) },
    seed: { type: 'string', default: String(DEFAULT_ARCHIVE.seed) },
    rounds: { type: 'string', default: '3' },
    pairs: { type: 'string', default: '30' },
    iterations: { type: 'string', default: '100' },
    'sweep-sizes': { type: 'string', default: '100,1000,5000' },
    'no-record': { type: 'boolean', default: false },
  },
});

const positive = (name: string, value: string | undefined): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
};
const only = new Set<Bench>(
  (values.only ?? BENCHES.join(','))
    .split(',')
    .map((s) => s.trim())
    .map((s) => {
      if (!(BENCHES as readonly string[]).includes(s))
        throw new Error(`--only: unknown benchmark "${s}" (one of ${BENCHES.join(', ')})`);
      return s as Bench;
    }),
);

const started = Date.now();
const log = (line: string): void =>
  void process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

mkdirSync(OUT, { recursive: true });
const host = machine();
log(`node ${host.node}, ${host.cpuModel}, ${host.cores} cores, load ${host.loadAverage}`);
log('building the CLI (scripts/build-cli.mjs)…');
await run(process.execPath, ['scripts/build-cli.mjs']);

const rows: Row[] = [];
const details: Record<string, unknown> = {};
let failed = false;
const section = async (
  name: Bench,
  enabled: boolean,
  fn: () => Promise<{ rows: Row[]; details: Record<string, unknown> }>,
  key: string = name,
): Promise<void> => {
  if (!enabled) return;
  try {
    const result = await fn();
    rows.push(...result.rows);
    details[key] = result.details;
  } catch (error) {
    failed = true;
    log(`${name} failed: ${(error as Error).stack ?? String(error)}`);
    rows.push(row(name, 'could not run', (error as Error).message.split('\n')[0] ?? '', '-', '-', '-', '-'));
  }
};

// The archive of the issue, then the fast path's worst case: every file holds attach calls, so none is skipped whole.
const backtestOn = (everyFileAttach: boolean) => () =>
  backtest({
    outDir: OUT,
    archive: {
      ...DEFAULT_ARCHIVE,
      sizeMb: positive('size-mb', values['size-mb']),
      seed: positive('seed', values.seed),
      ...(everyFileAttach ? { everyFileAttach } : {}),
    },
    rounds: positive('rounds', values.rounds),
    jq: !everyFileAttach,
    label: everyFileAttach ? '1 backtest (worst case)' : '1 backtest',
    log,
  });
await section('backtest', only.has('backtest'), backtestOn(false));
await section('backtest', only.has('backtest'), backtestOn(true), 'backtest-worst-case');
// The revert benchmark invokes the bundle that cold start builds, so it is built whenever either runs.
let handlerBundle: string | null = null;
await section('cold-start', only.has('cold-start') || only.has('revert'), async () => {
  const result = await coldStart({
    outDir: OUT,
    pairs: only.has('cold-start') ? positive('pairs', values.pairs) : 0,
    log,
  });
  handlerBundle = result.handlerBundle.path;
  return only.has('cold-start') ? result : { rows: [], details: {} };
});
const moto: MotoServer | null = only.has('revert') || only.has('sweep') ? await ensureMoto(log) : null;
await section('revert', only.has('revert'), async () => {
  if (handlerBundle === null) throw new Error('the attach-guard bundle was not built');
  return timeToRevert({ outDir: OUT, iterations: positive('iterations', values.iterations), handlerBundle, log });
});
await section('sweep', only.has('sweep'), () =>
  sweepCost({
    outDir: OUT,
    sizes: values['sweep-sizes'].split(',').map((s) => positive('sweep-sizes', s.trim())),
    log,
  }),
);

moto?.stop();

const table = renderTable(rows);
process.stdout.write(`\n${table}\n\n`);
const elapsed = (Date.now() - started) / 1000;
log(`done in ${elapsed.toFixed(0)} s`);
writeFileSync(
  `${OUT}/results.json`,
  `${JSON.stringify({ machine: host, elapsedSeconds: elapsed, rows, details }, null, 2)}\n`,
);
if (!values['no-record']) {
  writeResults('bench/RESULTS.md', {
    machine: host,
    elapsedSeconds: elapsed,
    table,
    details,
    argv: process.argv.slice(2),
  });
  log('recorded in bench/RESULTS.md');
}
process.exitCode = failed ? 1 : 0;
