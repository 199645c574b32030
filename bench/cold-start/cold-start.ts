/**
 * Benchmark 2, cold start: the size of each function's bundle, and the time a fresh Node process takes to load the
 * attach-guard bundle (module code, configuration, allowlist, clients: everything Lambda's init phase runs) against a
 * bundle of only the bare IAM and SNS clients. The two load in alternating fresh processes; the reported ratio is the
 * median of the per-pair ratios.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import {
  bundle,
  composition,
  deployedBundleStyle,
  loadedAtStart,
  shippedAllowlist,
  type Bundle,
  type BundleStyle,
} from '../lib/bundle.js';
import { run } from '../lib/proc.js';
import { firstUse } from './first-use.js';
import { check, row, type Row } from '../lib/report.js';
import { fmt, median, pairedRatio } from '../lib/stats.js';

export interface ColdStartOptions {
  readonly outDir: string;
  /** Pairs of loads (one of each bundle per pair, in alternating order). */
  readonly pairs: number;
  readonly log: (line: string) => void;
}

export interface ColdStartResult {
  readonly rows: Row[];
  readonly details: Record<string, unknown>;
  /** The attach-guard bundle, reused by the time-to-revert benchmark. */
  readonly handlerBundle: Bundle;
}

/** The example allowlist as the deploy ships it (compiled to JSON); the handlers under test read this one. */
export const EXAMPLE_ALLOWLIST = 'infra/allowlist.example.yml';

/** What attach-guard needs to start: a topic, the example allowlist as deployed (JSON), no logs. */
export function handlerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:iot-policy-guard-alerts',
    ALLOWLIST_PATH: shippedAllowlist(EXAMPLE_ALLOWLIST),
    LOG_LEVEL: 'SILENT',
    // Lambda runs nodejs22.x, where the SDK's "Node 20 is ending" warning does not exist: keep it out of both timings.
    NODE_NO_WARNINGS: '1',
    ...extra,
  };
}

interface Load {
  readonly importMs: number;
  readonly readyMs: number;
  readonly cpuMs: number;
}

async function load(path: string, env: NodeJS.ProcessEnv): Promise<Load> {
  const out = await run(process.execPath, ['bench/cold-start/load.mjs', resolve(path)], { env });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Load;
}

/**
 * The same pairs, with both bundles as the deploy ships them: source maps beside the code and attach-guard's
 * NODE_OPTIONS (`--enable-source-maps` makes Node read every map as its module loads). The bare bundle gets the same,
 * so the ratio compares like with like; the absolute times show what source maps cost a cold start.
 */
async function asDeployed(
  style: BundleStyle,
  outDir: string,
  pairs: number,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<{ rows: Row[]; ratio: number | null }> {
  if (!style.sourcemap || !style.nodeOptions) return { rows: [], ratio: null };
  const handler = await bundle('functions/attach-guard/handler.ts', outDir, 'attach-guard-maps', style, {
    sourcemap: true,
  });
  const bare = await bundle('bench/cold-start/bare-clients.ts', outDir, 'bare-iam-sns-maps', style, {
    sourcemap: true,
  });
  const withOptions = { ...env, NODE_OPTIONS: style.nodeOptions };
  await load(bare.path, withOptions);
  await load(handler.path, withOptions);
  const h: Load[] = [];
  const b: Load[] = [];
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? [b, h] : [h, b];
    for (const list of order) list.push(await load(list === h ? handler.path : bare.path, withOptions));
  }
  const ratio = pairedRatio(
    h.map((x) => x.importMs),
    b.map((x) => x.importMs),
  );
  log(`cold start as deployed (${style.nodeOptions}): attach-guard ${fmt.ms(median(h.map((x) => x.importMs)))}`);
  const deployedRow = row(
    '2 cold start',
    `load as deployed: source maps, NODE_OPTIONS=${style.nodeOptions} (median of ${pairs})`,
    `attach-guard: ${fmt.ms(median(h.map((x) => x.importMs)))}`,
    `bare IAM+SNS, same: ${fmt.ms(median(b.map((x) => x.importMs)))}`,
    fmt.ratio(ratio),
    '-',
    '-',
  );
  return { rows: [deployedRow], ratio };
}

export async function coldStart(options: ColdStartOptions): Promise<ColdStartResult> {
  const { log, outDir } = options;
  const style = deployedBundleStyle();
  log(`cold start: bundling (${style.source})…`);
  const handler = await bundle('functions/attach-guard/handler.ts', outDir, 'attach-guard', style);
  const bare = await bundle('bench/cold-start/bare-clients.ts', outDir, 'bare-iam-sns', style);
  const sweep = existsSync('functions/sweep/handler.ts')
    ? await bundle('functions/sweep/handler.ts', outDir, 'sweep', style).catch((e: unknown) => e as Error)
    : null;

  if (options.pairs === 0) return { rows: [], handlerBundle: handler, details: {} };
  const env = handlerEnv();
  log(`cold start: allowlist ${env.ALLOWLIST_PATH} (${EXAMPLE_ALLOWLIST} compiled as the deploy does)`);
  // One untimed load of each warms the file cache.
  const sweepPath = sweep instanceof Error || !sweep ? null : sweep.path;
  await load(bare.path, env);
  await load(handler.path, env);
  if (sweepPath) await load(sweepPath, env);
  const h: Load[] = [];
  const b: Load[] = [];
  // The sweep loads in the same rounds, for its own row (its target is attach-guard's only by analogy).
  const w: Load[] = [];
  for (let i = 0; i < options.pairs; i++) {
    if (i % 2 === 0) {
      b.push(await load(bare.path, env));
      h.push(await load(handler.path, env));
      if (sweepPath) w.push(await load(sweepPath, env));
    } else {
      if (sweepPath) w.push(await load(sweepPath, env));
      h.push(await load(handler.path, env));
      b.push(await load(bare.path, env));
    }
  }
  const deployed = await asDeployed(style, outDir, options.pairs, env, log);
  log('cold start: first use of each lazy import…');
  const firstUseRows = await firstUse(handler, env, Math.min(options.pairs, 9));
  const hImport = h.map((x) => x.importMs);
  const bImport = b.map((x) => x.importMs);
  const ratio = pairedRatio(hImport, bImport);
  const readyRatio = pairedRatio(
    h.map((x) => x.readyMs),
    b.map((x) => x.readyMs),
  );
  const cpuRatio = pairedRatio(
    h.map((x) => x.cpuMs),
    b.map((x) => x.cpuMs),
  );
  log(
    `cold start: attach-guard ${fmt.ms(median(hImport))}, bare clients ${fmt.ms(median(bImport))} ` +
      `(${options.pairs} pairs)`,
  );

  const sizeMeasure =
    'bundle loaded at cold start (minified, ' +
    `${style.format}${style.splitting ? '; + chunks loaded on first use' : ''})`;
  const size = (name: string, b: Bundle): string =>
    `${name}: ${fmt.kb(b.bytes)}${b.totalBytes > b.bytes ? ` + ${fmt.kb(b.totalBytes - b.bytes)} on first use` : ''}`;
  const rows: Row[] = [
    row(
      '2 cold start',
      sizeMeasure,
      size('attach-guard', handler),
      size('bare IAM+SNS', bare),
      fmt.ratio(handler.bytes / bare.bytes),
      '-',
      '-',
    ),
  ];
  if (sweep instanceof Error)
    rows.push(
      row(
        '2 cold start',
        'bundle size',
        `sweep: does not bundle (${sweep.message.split('\n')[0]})`,
        '-',
        '-',
        '-',
        '-',
      ),
    );
  else if (sweep)
    rows.push(
      row(
        '2 cold start',
        sizeMeasure,
        size('sweep', sweep),
        size('bare IAM+SNS', bare),
        fmt.ratio(sweep.bytes / bare.bytes),
        '-',
        '-',
      ),
    );
  else
    rows.push(
      row('2 cold start', 'bundle size', 'sweep: not there yet (functions/sweep/handler.ts)', '-', '-', '-', '-'),
    );
  rows.push(
    row(
      '2 cold start',
      `load in a fresh process (median of ${options.pairs})`,
      `attach-guard: ${fmt.ms(median(hImport))}`,
      `bare IAM+SNS: ${fmt.ms(median(bImport))}`,
      fmt.ratio(ratio),
      '≤ 1.25×',
      check(ratio <= 1.25),
    ),
    ...deployed.rows,
    ...firstUseRows,
    row(
      '2 cold start',
      'CPU time of that load (user+sys)',
      `attach-guard: ${fmt.ms(median(h.map((x) => x.cpuMs)))}`,
      `bare IAM+SNS: ${fmt.ms(median(b.map((x) => x.cpuMs)))}`,
      fmt.ratio(cpuRatio),
      '-',
      '-',
    ),
    ...(w.length === b.length
      ? [
          row(
            '2 cold start',
            `sweep: load in a fresh process (median of ${options.pairs})`,
            `sweep: ${fmt.ms(median(w.map((x) => x.importMs)))}`,
            `bare IAM+SNS: ${fmt.ms(median(bImport))}`,
            fmt.ratio(
              pairedRatio(
                w.map((x) => x.importMs),
                bImport,
              ),
            ),
            '-',
            '-',
          ),
          row(
            '2 cold start',
            'sweep: CPU time of that load (user+sys)',
            `sweep: ${fmt.ms(median(w.map((x) => x.cpuMs)))}`,
            `bare IAM+SNS: ${fmt.ms(median(b.map((x) => x.cpuMs)))}`,
            fmt.ratio(
              pairedRatio(
                w.map((x) => x.cpuMs),
                b.map((x) => x.cpuMs),
              ),
            ),
            '-',
            '-',
          ),
        ]
      : []),
    row(
      '2 cold start',
      'process start to handler ready',
      `attach-guard: ${fmt.ms(median(h.map((x) => x.readyMs)))}`,
      `bare IAM+SNS: ${fmt.ms(median(b.map((x) => x.readyMs)))}`,
      fmt.ratio(readyRatio),
      '-',
      '-',
    ),
  );
  return {
    rows,
    handlerBundle: handler,
    details: {
      style,
      bytes: {
        attachGuard: handler.bytes,
        bare: bare.bytes,
        sweep: sweep instanceof Error ? sweep.message : (sweep?.bytes ?? null),
      },
      totalBytes: {
        attachGuard: handler.totalBytes,
        bare: bare.totalBytes,
        sweep: sweep instanceof Error || !sweep ? null : sweep.totalBytes,
      },
      attachGuardComposition: composition(
        handler.metafile,
        12,
        loadedAtStart(handler.metafile.outputs, relative(process.cwd(), handler.path)),
      ),
      attachGuardOnFirstUse: lazyComposition(handler),
      bareComposition: composition(bare.metafile, 6),
      importMs: { attachGuard: hImport, bare: bImport },
      readyMs: { attachGuard: h.map((x) => x.readyMs), bare: b.map((x) => x.readyMs) },
      cpuMs: { attachGuard: h.map((x) => x.cpuMs), bare: b.map((x) => x.cpuMs), sweep: w.map((x) => x.cpuMs) },
      sweepImportMs: w.map((x) => x.importMs),
      ratios: { import: ratio, ready: readyRatio, cpu: cpuRatio },
    },
  };
}

/** Bytes per package in the chunks a cold start does not load (with splitting): what loads on first use. */
function lazyComposition(b: Bundle): [string, number][] {
  const atStart = loadedAtStart(b.metafile.outputs, relative(process.cwd(), b.path));
  return composition(
    b.metafile,
    12,
    Object.keys(b.metafile.outputs).filter((f) => !atStart.has(f)),
  );
}
