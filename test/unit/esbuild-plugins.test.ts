/**
 * infra/esbuild/plugins.cjs: middy's node:stream/web import gets a stand-in (infra/esbuild/lazy-readable-stream.ts)
 * that answers `instanceof` as the real ReadableStream does; nothing else's import is changed; and middy uses
 * ReadableStream for nothing else, or this fails (a new middy version that does must not get the stand-in).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
