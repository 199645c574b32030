/**
 * Benchmark 4, sweep cost: IAM calls and time of the bundled sweep handler in moto accounts of 100, 1,000 and 5,000
 * principals holding the same attachments. The calls must not grow with the principals. One child process per size
 * (bench/sweep/child.ts), each in an account of its own.
 *
 * Until functions/sweep/handler.ts exists this benchmark reports that and measures nothing; it needs no change to run
 * once the sweep lands, as long as the sweep handler reads ALERT_TOPIC_ARN, ALLOWLIST_PATH and GUARD_MODE as
 * attach-guard does.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundle, deployedBundleStyle, shippedAllowlist } from '../lib/bundle.js';
import { bundleChild, motoAnswers, motoEndpoint, motoEnv } from '../lib/moto.js';
import { run } from '../lib/proc.js';
import { check, row, type Row } from '../lib/report.js';
import { fmt, median } from '../lib/stats.js';
import { SWEEP_ATTACHMENTS, sweepAllowlist } from './layout.js';

export const SWEEP_HANDLER = 'functions/sweep/handler.ts';
const RUNS = 3;

export interface SweepOptions {
  readonly outDir: string;
  readonly sizes: readonly number[];
  readonly log: (line: string) => void;
}

interface ChildResult {
  readonly size: number;
  readonly account: string;
  readonly created: number;
  readonly setupSeconds: number;
  readonly runs: { ms: number; iamCalls: number; otherCalls: string[]; byAction: Record<string, number>; result: string }[];
}

/** One account per size, fixed so that a later run reuses the principals an earlier one created. */
const accountFor = (size: number): string => `8${String(size).padStart(11, '0')}`;

export async function sweepCost(options: SweepOptions): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const { log } = options;
  if (!existsSync(SWEEP_HANDLER)) {
    log(`sweep: ${SWEEP_HANDLER} does not exist yet: not measured`);
    return { rows: [row('4 sweep', 'IAM calls by principals', `not measured: ${SWEEP_HANDLER} not there yet (bench/sweep runs it once it is)`, '-', '-', 'calls flat', '-')], details: { skipped: 'no sweep handler' } };
  }
  if (!(await motoAnswers())) {
    log(`sweep: no moto at ${motoEndpoint()}: skipped`);
    return { rows: [row('4 sweep', 'IAM calls by principals', `not measured: no moto at ${motoEndpoint()}`, '-', '-', 'calls flat', '-')], details: { skipped: 'no moto' } };
  }
  const handler = await bundle(SWEEP_HANDLER, options.outDir, 'sweep', deployedBundleStyle());
  const child = await bundleChild('bench/sweep/child.ts', join(options.outDir, 'sweep-child.mjs'));
  writeFileSync(resolve(options.outDir, 'sweep-allowlist.yml'), sweepAllowlist());
  // As deployed: compiled to JSON (under outDir/.build/).
  const allowlist = shippedAllowlist('sweep-allowlist.yml', options.outDir);

  const results: ChildResult[] = [];
  for (const size of options.sizes) {
    const outFile = join(options.outDir, `sweep-${size}.json`);
    rmSync(outFile, { force: true });
    log(`sweep: account ${accountFor(size)} with ${size} principals (built once, then reused)…`);
    await run(process.execPath, [child, outFile, String(size), accountFor(size), resolve(handler.path), String(RUNS), allowlist], {
      // alert mode: the sweep reads and reports but detaches nothing, so every run (and every later bench run) sees the
      // same attachments. Detaching adds one call per forbidden attachment, the same in every account.
      env: motoEnv({ GUARD_MODE: 'alert', LOG_LEVEL: 'INFO' }),
    });
    const result = JSON.parse(readFileSync(outFile, 'utf8')) as ChildResult;
    results.push(result);
    log(`sweep: ${size} principals: ${result.runs.map((r) => `${r.iamCalls} IAM calls in ${fmt.ms(r.ms)}`).join(', ')} (set-up ${result.setupSeconds.toFixed(0)} s, ${result.created} created)`);
  }

  const base = results[0];
  if (!base) return { rows: [], details: {} };
  const calls = (r: ChildResult) => median(r.runs.map((x) => x.iamCalls));
  const ms = (r: ChildResult) => median(r.runs.map((x) => x.ms));
  const rows = results.map((r) =>
    row(
      '4 sweep',
      `${fmt.int(r.size)} principals, ${SWEEP_ATTACHMENTS.length} attachments (median of ${RUNS})`,
      `${calls(r)} IAM calls, ${fmt.ms(ms(r))}`,
      r === base ? '-' : `${fmt.int(base.size)} principals: ${calls(base)} calls, ${fmt.ms(ms(base))}`,
      r === base ? '-' : `calls ${fmt.ratio(calls(r) / calls(base))}, time ${fmt.ratio(ms(r) / ms(base))}`,
      'calls flat',
      r === base ? '-' : check(calls(r) === calls(base)),
    ),
  );
  // Every run in every account must find the same thing: the governed attachments, and the forbidden or expired ones.
  const expected = {
    attachments: SWEEP_ATTACHMENTS.filter((a) => a.expect !== 'not-governed').length,
    violations: SWEEP_ATTACHMENTS.filter((a) => a.expect === 'violation' || a.expect === 'expired').length,
  };
  const found = results.flatMap((r) => r.runs.map((x) => findings(x.result)));
  const same = found.every((f) => f.attachments === expected.attachments && f.violations === expected.violations);
  rows.push(
    row(
      '4 sweep',
      'findings, every run of every size',
      [...new Set(found.map((f) => `${f.attachments} attachments, ${f.violations} violations`))].join(' / '),
      `expected: ${expected.attachments} attachments, ${expected.violations} violations`,
      '-',
      'equal',
      check(same),
    ),
  );
  return { rows, details: { bundleBytes: handler.bytes, expected, results } };
}

/** The sweep handler's summary of its (one) account: what it found. */
function findings(result: string): { attachments: number; violations: number } {
  try {
    const [first] = JSON.parse(result) as { attachments?: number; violations?: number }[];
    return { attachments: first?.attachments ?? Number.NaN, violations: first?.violations ?? Number.NaN };
  } catch {
    return { attachments: Number.NaN, violations: Number.NaN };
  }
}
