/**
 * Benchmark 2, first use: what the first call that needs a lazily loaded module adds, once per container. The lazy
 * imports are bundled apart from the cold start (infra/esbuild/plugins.cjs isolate-lazy-imports), each with its own
 * copy of the SDK core it needs, so their first use costs more than a chunk sharing the cold start's modules would:
 * this row says how much. Each is timed in a fresh process, right after the handler loaded.
 */
import { resolve } from 'node:path';
import type { Bundle } from '../lib/bundle.js';
import { run } from '../lib/proc.js';
import { row, type Row } from '../lib/report.js';
import { fmt, median } from '../lib/stats.js';

/** The lazy imports reported, by the entry point esbuild names their chunk after. */
const LAZY: readonly [label: string, entry: RegExp][] = [
  ['STS', /@aws-sdk\/client-sts\//],
  ['EventBridge', /@aws-sdk\/client-eventbridge\//],
  ['SQS', /@aws-sdk\/client-sqs\//],
  ['SSO admin', /@aws-sdk\/client-sso-admin\//],
  ['chat', /functions\/core\/chat\.ts$/],
];

/** One row: the median first-use time of each lazy import of `handler` that its bundle has. */
export async function firstUse(handler: Bundle, env: NodeJS.ProcessEnv, runs: number): Promise<Row[]> {
  const outputs = handler.metafile.outputs;
  const chunks = LAZY.flatMap(([label, entry]) => {
    const file = Object.keys(outputs).find((f) => entry.test(outputs[f]?.entryPoint ?? ''));
    return file ? [{ label, file: resolve(file) }] : [];
  });
  if (chunks.length === 0 || runs === 0) return [];
  const times = new Map<string, number[]>(chunks.map((c) => [c.label, []]));
  for (let i = 0; i < runs; i++) {
    for (const { label, file } of chunks) {
      const out = await run(process.execPath, ['bench/cold-start/load.mjs', resolve(handler.path), file], { env });
      const { firstUseMs } = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { firstUseMs?: number };
      times.get(label)?.push(firstUseMs ?? Number.NaN);
    }
  }
  return [
    row(
      '2 cold start',
      `attach-guard: first use of a lazy import, once per container (median of ${runs})`,
      chunks.map(({ label }) => `${label} ${fmt.ms(median(times.get(label) ?? []))}`).join(', '),
      '-',
      '-',
      '-',
      '-',
    ),
  ];
}
