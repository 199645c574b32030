/** Bundling functions the way the deploy does (serverless-esbuild), so that sizes and load times are the deployed ones. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { parseDocument } from 'yaml';
import { writeShippedAllowlist } from '../../infra/stage-params.js';

// What scripts/build-cli.mjs gives the CLI: bundled CommonJS dependencies may call require() inside an ESM bundle.
const REQUIRE_BANNER = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

export interface BundleStyle {
  readonly format: 'esm' | 'cjs';
  readonly banner: string | undefined;
  /** serverless-esbuild passes mainFields through; `module` first picks packages' ESM builds (better tree shaking). */
  readonly mainFields: string[] | undefined;
  /** Where the style came from, for the report. */
  readonly source: string;
}

/**
 * The bundle format serverless.yml asks serverless-esbuild for (`custom.esbuild.format`, `banner.js`), or
 * serverless-esbuild's default (CommonJS: esbuild's default for platform node) when there is no serverless.yml yet.
 */
export function deployedBundleStyle(): BundleStyle {
  if (!existsSync('serverless.yml')) return { format: 'cjs', banner: undefined, mainFields: undefined, source: 'serverless-esbuild default (no serverless.yml yet)' };
  // CloudFormation tags (!Sub, !Ref, ...) are unknown to a plain YAML reader: they only warn, and we read custom.esbuild.
  const doc = parseDocument(readFileSync('serverless.yml', 'utf8'), { logLevel: 'silent' });
  const esbuild = (doc.toJS({ maxAliasCount: -1 }) as { custom?: { esbuild?: { format?: unknown; banner?: { js?: unknown }; mainFields?: unknown } } } | null)?.custom?.esbuild;
  const format = esbuild?.format === 'esm' ? 'esm' : 'cjs';
  const banner = typeof esbuild?.banner?.js === 'string' ? esbuild.banner.js : format === 'esm' ? REQUIRE_BANNER : undefined;
  const mainFields = Array.isArray(esbuild?.mainFields) ? esbuild.mainFields.map(String) : undefined;
  return { format, banner, mainFields, source: `serverless.yml custom.esbuild (format ${format}${mainFields ? `, mainFields ${mainFields.join(',')}` : ''})` };
}

export interface Bundle {
  readonly path: string;
  readonly bytes: number;
  readonly metafile: Metafile;
}

/** Bundles one entry point: minified, platform node, target node20, the SDK bundled in (as the deploy pins it). */
export async function bundle(entry: string, outDir: string, name: string, style: BundleStyle): Promise<Bundle> {
  const path = join(outDir, `${name}.${style.format === 'esm' ? 'mjs' : 'cjs'}`);
  const result = await build({
    entryPoints: [entry],
    outfile: path,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: style.format,
    legalComments: 'none',
    logLevel: 'error',
    metafile: true,
    ...(style.banner ? { banner: { js: style.banner } } : {}),
    ...(style.mainFields ? { mainFields: style.mainFields } : {}),
  });
  return { path, bytes: statSync(path).size, metafile: result.metafile };
}

/**
 * An allowlist as the deploy ships it to the functions: checked and compiled to JSON by the same package-time code
 * (infra/stage-params.ts writeShippedAllowlist), written under serviceDir's `.build/`. Returns its absolute path, for
 * ALLOWLIST_PATH: the handlers then read JSON at cold start, as deployed, and never load the yaml package.
 */
export function shippedAllowlist(allowlist: string, serviceDir = '.'): string {
  return resolve(serviceDir, writeShippedAllowlist(allowlist, resolve(serviceDir)));
}

/** Bytes in the bundle per npm package (or `functions/` for our own code), largest first. */
export function composition(meta: Metafile, top = 12): [string, number][] {
  const output = Object.values(meta.outputs)[0];
  const by = new Map<string, number>();
  for (const [file, info] of Object.entries(output?.inputs ?? {})) {
    const key = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split('/').slice(0, 2).join('/');
    by.set(key, (by.get(key) ?? 0) + info.bytesInOutput);
  }
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, top);
}
