/**
 * infra/esbuild/plugins.cjs: middy's node:stream/web import gets a stand-in (infra/esbuild/lazy-readable-stream.ts)
 * that answers `instanceof` as the real ReadableStream does; nothing else's import is changed; and middy uses
 * ReadableStream for nothing else, or this fails (a new middy version that does must not get the stand-in). The lazy
 * imports are bundled apart, one copy per package, with source maps that name no path of the build machine
 * (test/unit/cold-start-bundle.test.ts checks the functions' bundles).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ReadableStream as StandIn } from '../../infra/esbuild/lazy-readable-stream.js';

const plugins = createRequire(import.meta.url)('../../infra/esbuild/plugins.cjs') as Plugin[];

/** Bundles `source` as if it were the file `importer`; the paths its node:stream/web import resolved to. */
async function resolvedWebStreams(importer: string): Promise<string[]> {
  const result = await build({
    stdin: {
      contents: "import { ReadableStream } from 'node:stream/web'; export const x = ReadableStream;",
      sourcefile: importer,
      resolveDir: '.',
    },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    metafile: true,
    plugins,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).concat(
    Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path)),
  );
}

describe('the middy-lazy-web-streams plugin', () => {
  it("gives @middy/core's import the stand-in", async () => {
    const paths = await resolvedWebStreams('node_modules/@middy/core/index.js');
    expect(paths).toContain('infra/esbuild/lazy-readable-stream.ts');
    expect(paths).not.toContain('node:stream/web');
  });

  it("leaves anyone else's import of node:stream/web alone", async () => {
    const paths = await resolvedWebStreams('functions/guard/respond.ts');
    expect(paths).toContain('node:stream/web');
    expect(paths).not.toContain('infra/esbuild/lazy-readable-stream.ts');
  });
});

describe('the stand-in ReadableStream', () => {
  it('is what instanceof says the real one is', () => {
    expect(new globalThis.ReadableStream() instanceof StandIn).toBe(true);
    expect(new globalThis.ReadableStream().pipeThrough(new TransformStream()) instanceof StandIn).toBe(true);
    expect(Readable.from(['x']) instanceof StandIn).toBe(false);
    expect({} instanceof StandIn).toBe(false);
    expect(('text' as unknown) instanceof StandIn).toBe(false);
    expect((null as unknown) instanceof StandIn).toBe(false);
  });

  it('is enough for @middy/core, which uses ReadableStream only in `instanceof ReadableStream`', () => {
    const source = readFileSync(createRequire(import.meta.url).resolve('@middy/core'), 'utf8');
    const uses = [...source.matchAll(/^.*\bReadableStream\b.*$/gm)].map((m) => m[0].trim());
    const other = uses.filter(
      (line) =>
        !/^import \{ ReadableStream \} from "node:stream\/web";$/.test(line) &&
        line
          .replace(/instanceof ReadableStream\b/g, '')
          .replace(/(["'`]).*?\1/g, '')
          .includes('ReadableStream'),
    );
    expect(uses.some((line) => line.includes('instanceof ReadableStream'))).toBe(true);
    expect(other).toEqual([]);
  });
});

describe('the isolate-lazy-imports plugin', () => {
  it('bundles each lazy SDK client once, apart, with source maps that name no path of this machine', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'ipg-isolate-'));
    const result = await build({
      stdin: {
        contents: [
          "import { IAMClient } from '@aws-sdk/client-iam';",
          'export const iam = new IAMClient({});',
          "export const client = async () => new (await import('@aws-sdk/client-sts')).STSClient({});",
          "export const command = async () => (await import('@aws-sdk/client-sts')).GetCallerIdentityCommand;",
          "export const other = () => import('@aws-sdk/client-iam');",
        ].join('\n'),
        sourcefile: 'functions/example.ts',
        resolveDir: '.',
        loader: 'ts',
      },
      outdir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      mainFields: ['module', 'main'],
      sourcemap: true,
      sourcesContent: false,
      metafile: true,
      plugins,
      logLevel: 'silent',
    });
    const outputs = result.metafile.outputs;
    const entries = Object.values(outputs).flatMap((o) => (o.entryPoint ? [o.entryPoint] : []));
    // Both import() sites of STS get the one file; a lazy import not on the list is split as esbuild does.
    expect(entries.filter((e) => e.includes('@aws-sdk/client-sts/'))).toEqual([
      'node_modules/@aws-sdk/client-sts/dist-es/index.js',
    ]);
    expect(entries).toContain('node_modules/@aws-sdk/client-iam/dist-es/index.js');
    const main = Object.entries(outputs).find(([, o]) => o.entryPoint === 'functions/example.ts')?.[1];
    expect(main?.imports.filter((i) => i.path === './lazy-client-sts.js')).toEqual([
      { path: './lazy-client-sts.js', kind: 'dynamic-import', external: true },
      { path: './lazy-client-sts.js', kind: 'dynamic-import', external: true },
    ]);
    expect(Object.keys(outputs)).toContain(join(relative(process.cwd(), outdir), 'lazy-client-sts.js'));
    const sources = Object.keys(result.metafile.outputs)
      .filter((f) => f.endsWith('.map'))
      .flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { sources: string[] }).sources);
    expect(sources.some((s) => s.includes('node_modules/@aws-sdk/client-sts/'))).toBe(true);
    // Absolute paths would be the build machine's.
    expect(sources.filter((s) => s.startsWith('/') || s.includes(':/'))).toEqual([]);
  }, 60_000);
});
