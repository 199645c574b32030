/**
 * Bundling functions the way the deploy does (serverless-esbuild), so that sizes and load times are the deployed ones.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { parseDocument } from 'yaml';
import { writeShippedAllowlist } from '../../infra/stage-params.js';

// What scripts/build-cli.mjs gives the CLI: bundled CommonJS dependencies may call require() inside an ESM bundle.
const REQUIRE_BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

export interface BundleStyle {
  readonly format: 'esm' | 'cjs';
  readonly banner: string | undefined;
  /** serverless-esbuild passes mainFields through; `module` first picks packages' ESM builds (better tree shaking). */
  readonly mainFields: string[] | undefined;
  /** `custom.esbuild.splitting`: each dynamic import() a chunk of its own, loaded on first use (ESM only). */
  readonly splitting: boolean;
  /** `custom.esbuild.sourcemap`: a .map beside every file. */
  readonly sourcemap: boolean;
  /** `custom.esbuild.plugins`: the plugins file's list (serverless-esbuild requires the file). */
  readonly plugins: Plugin[];
  /** attach-guard's NODE_OPTIONS in serverless.yml (`--enable-source-maps`: Node reads the maps as modules load). */
  readonly nodeOptions: string | undefined;
  /** Where the style came from, for the report. */
  readonly source: string;
}

/**
 * The bundle format serverless.yml asks serverless-esbuild for (`custom.esbuild.format`, `banner.js`), or
 * serverless-esbuild's default (CommonJS: esbuild's default for platform node) when there is no serverless.yml yet.
 */
export function deployedBundleStyle(): BundleStyle {
  if (!existsSync('serverless.yml'))
    return {
      format: 'cjs',
      banner: undefined,
      mainFields: undefined,
      splitting: false,
      sourcemap: false,
      plugins: [],
      nodeOptions: undefined,
      source: 'serverless-esbuild default (no serverless.yml yet)',
    };
  // CloudFormation tags (!Sub, !Ref, ...) are unknown to a plain YAML reader: they only warn, and we read
  // custom.esbuild.
  const doc = parseDocument(readFileSync('serverless.yml', 'utf8'), { logLevel: 'silent' });
  const yml = doc.toJS({ maxAliasCount: -1 }) as {
    custom?: {
      esbuild?: {
        format?: unknown;
        banner?: { js?: unknown };
        mainFields?: unknown;
        splitting?: unknown;
        sourcemap?: unknown;
        plugins?: unknown;
      };
    };
    functions?: { attachGuard?: { environment?: { NODE_OPTIONS?: unknown } } };
  } | null;
  const esbuild = yml?.custom?.esbuild;
  const nodeOptions = yml?.functions?.attachGuard?.environment?.NODE_OPTIONS;
  const format = esbuild?.format === 'esm' ? 'esm' : 'cjs';
  const banner =
    typeof esbuild?.banner?.js === 'string' ? esbuild.banner.js : format === 'esm' ? REQUIRE_BANNER : undefined;
  const mainFields = Array.isArray(esbuild?.mainFields) ? esbuild.mainFields.map(String) : undefined;
  const splitting = format === 'esm' && esbuild?.splitting === true;
  const plugins =
    typeof esbuild?.plugins === 'string' ? (createRequire(import.meta.url)(resolve(esbuild.plugins)) as Plugin[]) : [];
  return {
    format,
    banner,
    mainFields,
    splitting,
    sourcemap: esbuild?.sourcemap === true,
    plugins,
    nodeOptions: typeof nodeOptions === 'string' ? nodeOptions : undefined,
    source:
      'serverless.yml custom.esbuild (format ' +
      `${format}${mainFields ? `, mainFields ${mainFields.join(',')}` : ''}${splitting ? ', splitting' : ''}` +
      `${plugins.length > 0 ? `, plugins ${plugins.map((p) => p.name).join(',')}` : ''})`,
  };
}

export interface Bundle {
  /** The entry file (with splitting, its chunks are next to it). */
  readonly path: string;
  /** What a cold start reads: the entry file and the chunks it imports statically. */
  readonly bytes: number;
  /** Every file of the bundle, the chunks loaded on first use included (= bytes without splitting). */
  readonly totalBytes: number;
  readonly metafile: Metafile;
}

/** Bundles one entry point: minified, platform node, target node20, the SDK bundled in (as the deploy pins it). */
export async function bundle(
  entry: string,
  outDir: string,
  name: string,
  style: BundleStyle,
  options: { readonly sourcemap?: boolean } = {},
): Promise<Bundle> {
  const ext = style.format === 'esm' ? 'mjs' : 'cjs';
  // With splitting, the entry and its chunks get a directory of their own, as in the function's zip.
  const path = style.splitting ? join(outDir, name, `${name}.${ext}`) : join(outDir, `${name}.${ext}`);
  if (style.splitting) rmSync(dirname(path), { recursive: true, force: true });
  const result = await build({
    entryPoints: [entry],
    ...(style.splitting
      ? { outdir: dirname(path), splitting: true, entryNames: name, outExtension: { '.js': `.${ext}` } }
      : { outfile: path }),
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: style.format,
    legalComments: 'none',
    logLevel: 'error',
    metafile: true,
    // As the deploy writes them (sourcesContent: false); sizes are counted without the .map files.
    ...(options.sourcemap ? { sourcemap: true, sourcesContent: false } : {}),
    ...(style.banner ? { banner: { js: style.banner } } : {}),
    ...(style.mainFields ? { mainFields: style.mainFields } : {}),
    plugins: style.plugins,
  });
  const outputs = result.metafile.outputs;
  const key = Object.keys(outputs).find((file) => resolve(file) === resolve(path)) ?? path;
  return {
    path,
    bytes: sum(loadedAtStart(outputs, key), outputs),
    totalBytes: sum(
      Object.keys(outputs).filter((file) => !file.endsWith('.map')),
      outputs,
    ),
    metafile: result.metafile,
  };
}

const sum = (files: Iterable<string>, outputs: Metafile['outputs']): number =>
  [...files].reduce((n, f) => n + (f.endsWith('.map') ? 0 : (outputs[f]?.bytes ?? 0)), 0);

/** The output files a cold start evaluates: `entry` and, transitively, what it imports statically (not import()). */
export function loadedAtStart(outputs: Metafile['outputs'], entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file) || !outputs[file]) return;
    seen.add(file);
    for (const i of outputs[file].imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  return seen;
}

/**
 * An allowlist as the deploy ships it to the functions: checked and compiled to JSON by the same package-time code
 * (infra/stage-params.ts writeShippedAllowlist), written under serviceDir's `.build/`. Returns its absolute path, for
 * ALLOWLIST_PATH: the handlers then read JSON at cold start, as deployed, and never load the yaml package.
 */
export function shippedAllowlist(allowlist: string, serviceDir = '.'): string {
  return resolve(serviceDir, writeShippedAllowlist(allowlist, resolve(serviceDir)));
}

/**
 * Bytes per npm package (or `functions/` for our own code), largest first, in the files `files` picks (default: all
 * of the bundle's output files).
 */
export function composition(
  meta: Metafile,
  top = 12,
  files: Iterable<string> = Object.keys(meta.outputs),
): [string, number][] {
  const by = new Map<string, number>();
  const inputs = [...files].flatMap((f) => Object.entries(meta.outputs[f]?.inputs ?? {}));
  for (const [file, info] of inputs) {
    const key = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
    by.set(key, (by.get(key) ?? 0) + info.bytesInOutput);
  }
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, top);
}
