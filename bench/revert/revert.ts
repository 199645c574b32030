/**
 * Benchmark 3, time to revert: against moto, the bundled attach-guard handler (the deployed code, with its logger and
 * metrics) against the same two SDK calls made directly. Measured in one child process (bench/revert/child.ts), the two
 * alternating, each on its own freshly attached role; medians of the per-iteration times.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXAMPLE_ALLOWLIST } from '../cold-start/cold-start.js';
import { shippedAllowlist } from '../lib/bundle.js';
import { bundleChild, motoAnswers, motoEndpoint, motoEnv } from '../lib/moto.js';
import { run } from '../lib/proc.js';
import { check, row, type Row } from '../lib/report.js';
import { fmt, median } from '../lib/stats.js';

export interface RevertOptions {
  readonly outDir: string;
  readonly iterations: number;
  readonly handlerBundle: string;
  readonly log: (line: string) => void;
}

interface Sample {
  readonly toDetachMs: number;
  readonly toPublishMs: number;
  readonly totalMs: number;
}

interface ChildResult {
  readonly samples: { readonly handler: Sample[]; readonly direct: Sample[] };
  readonly outcomes: Record<string, number>;
  readonly stillAttached: number;
}

export async function timeToRevert(options: RevertOptions): Promise<{ rows: Row[]; details: Record<string, unknown> }> {
  const { log } = options;
  if (!(await motoAnswers())) {
    log(`revert: no moto at ${motoEndpoint()}: skipped`);
    const note = `not measured: no moto at ${motoEndpoint()}`;
    return {
      rows: [row('3 revert', 'time to revert', note, '-', '-', '≤ 1.15×', '-')],
      details: { skipped: true },
    };
  }
  const child = await bundleChild('bench/revert/child.ts', join(options.outDir, 'revert-child.mjs'));
  const outFile = join(options.outDir, 'revert-result.json');
  rmSync(outFile, { force: true });
  log(
    `revert: ${options.iterations} invocations and ${options.iterations} direct Detach+Publish pairs ` +
      `against ${motoEndpoint()}…`,
  );
  await run(process.execPath, [child, outFile, String(options.iterations), resolve(options.handlerBundle)], {
    env: motoEnv({
      // As deployed: the example allowlist compiled to JSON.
      ALLOWLIST_PATH: shippedAllowlist(EXAMPLE_ALLOWLIST),
      GUARD_MODE: 'remediate',
      // As in Lambda: an INFO log line per decision and the EMF metrics, written to stdout (discarded here).
      LOG_LEVEL: 'INFO',
    }),
  });
  const result = JSON.parse(readFileSync(outFile, 'utf8')) as ChildResult;
  const h = result.samples.handler;
  const d = result.samples.direct;
  const totalH = median(h.map((s) => s.totalMs));
  const totalD = median(d.map((s) => s.totalMs));
  const detachH = median(h.map((s) => s.toDetachMs));
  const detachD = median(d.map((s) => s.toDetachMs));
  // Between the two calls: the detach's round trip plus, in the handler, building and rendering the alert.
  const gapH = median(h.map((s) => s.toPublishMs - s.toDetachMs));
  const gapD = median(d.map((s) => s.toPublishMs - s.toDetachMs));
  // After the publish was issued: its round trip plus, in the handler, logging and the metrics flush.
  const tailH = median(h.map((s) => s.totalMs - s.toPublishMs));
  const tailD = median(d.map((s) => s.totalMs - s.toPublishMs));
  // Medians of the two arms (not per-pair ratios): moto's own latency varies call to call far more than our overhead.
  const ratio = totalH / totalD;
  const reverted = result.outcomes.reverted ?? 0;
  const allReverted = reverted === h.length + 3 && result.stillAttached === 0;
  log(
    `revert: handler ${fmt.ms(totalH)} vs direct ${fmt.ms(totalD)}; outcomes ` +
      `${JSON.stringify(result.outcomes)}, still attached ${result.stillAttached}`,
  );
  return {
    rows: [
      row(
        '3 revert',
        `event received → detach issued (median of ${h.length})`,
        `handler: ${fmt.ms(detachH)}`,
        `direct: ${fmt.ms(detachD)}`,
        `+${fmt.ms(detachH - detachD)}`,
        '-',
        '-',
      ),
      row(
        '3 revert',
        'detach issued → publish issued',
        `handler: ${fmt.ms(gapH)}`,
        `direct: ${fmt.ms(gapD)}`,
        `+${fmt.ms(gapH - gapD)}`,
        '-',
        '-',
      ),
      row(
        '3 revert',
        'publish issued → done',
        `handler: ${fmt.ms(tailH)}`,
        `direct: ${fmt.ms(tailD)}`,
        `+${fmt.ms(tailH - tailD)}`,
        '-',
        '-',
      ),
      row(
        '3 revert',
        `whole invocation vs Detach+Publish (median of ${h.length})`,
        `handler: ${fmt.ms(totalH)}`,
        `direct: ${fmt.ms(totalD)}`,
        fmt.ratio(ratio),
        '≤ 1.15×',
        check(ratio <= 1.15),
      ),
      row(
        '3 revert',
        'every handler invocation reverted',
        `${reverted} reverted, ${result.stillAttached} still attached`,
        `${h.length + 3} invoked (3 warm-up)`,
        '-',
        'all reverted',
        check(allReverted),
      ),
    ],
    details: { ...result, medians: { totalH, totalD, detachH, detachD, gapH, gapD, tailH, tailD }, ratio },
  };
}
