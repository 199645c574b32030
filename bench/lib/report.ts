/** The one table `npm run bench` prints, and the machine it ran on. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export type Verdict = 'met' | 'MISSED' | '-';

export interface Row {
  /** Which benchmark: `1 backtest`, `2 cold start`, … */
  readonly bench: string;
  readonly measure: string;
  readonly ours: string;
  readonly reference: string;
  readonly ratio: string;
  readonly target: string;
  readonly verdict: Verdict;
}

export const row = (
  bench: string,
  measure: string,
  ours: string,
  reference: string,
  ratio: string,
  target: string,
  verdict: Verdict,
): Row => ({
  bench,
  measure,
  ours,
  reference,
  ratio,
  target,
  verdict,
});

export const check = (ok: boolean): Verdict => (ok ? 'met' : 'MISSED');

const HEADERS = ['#', 'measure', 'ours', 'reference (same run)', 'ratio', 'target', 'result'] as const;

/** A Markdown table, padded so that it also reads well in a terminal. */
export function renderTable(rows: readonly Row[]): string {
  const cells = rows.map((r) =>
    [r.bench, r.measure, r.ours, r.reference, r.ratio, r.target, r.verdict].map((c) => c.replaceAll('|', '\\|')),
  );
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (values: readonly string[]) => `| ${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(HEADERS), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export interface Machine {
  readonly node: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly loadAverage: string;
  readonly date: string;
}

/**
 * The machine, as the issue asks: node version, CPU model from /proc/cpuinfo, cores, date (and the load, since it is
 * shared).
 */
export function machine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: keep what os.cpus() says.
  }
  return {
    node: process.version,
    cpuModel,
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    date: new Date().toISOString(),
  };
}
