/**
 * esbuild plugins for the functions' bundles: serverless.yml `custom.esbuild.plugins` names this file, and
 * bench/lib/bundle.ts (the benchmark, the bundle tests) applies the same list. Both keep work out of the cold start
 * (docs/cold-start.md).
 *
 * - middy-lazy-web-streams: @middy/core's `import { ReadableStream } from 'node:stream/web'` gets
 *   lazy-readable-stream.ts, so a cold start does not load Node's web streams for a check only a response-streaming
 *   handler makes. Only middy's import is changed; test/unit/esbuild-plugins.test.ts fails if middy starts using
 *   ReadableStream for anything but `instanceof`.
 */
const { readFile } = require('node:fs/promises');
const { dirname, extname, join, relative, resolve } = require('node:path');

const MIDDY_CORE = /[\\/]node_modules[\\/]@middy[\\/]core[\\/]/;

/** @type {import('esbuild').Plugin} */
const middyLazyWebStreams = {
  name: 'middy-lazy-web-streams',
  setup(build) {
    build.onResolve({ filter: /^node:stream\/web$/ }, (args) =>
      MIDDY_CORE.test(args.importer) ? { path: join(__dirname, 'lazy-readable-stream.ts') } : undefined,
    );
  },
};

/**
 * What the functions import with `import()` on first use: the SDK clients of guard/runtime.ts and aws/sso.ts, and the
 * chat rendering (guard/respond.ts, only for a stack with a chat topic).
 */
const ISOLATED_PACKAGE = /^@aws-sdk\/client-(sts|eventbridge|sqs|sso-admin)$/;
const ISOLATED_FILES = ['functions/core/chat.ts'];
/** Import paths that may name one of those, the only ones handed to the plugin (a call costs; most imports are not). */
const MAY_BE_ISOLATED = /^@aws-sdk\/client-(sts|eventbridge|sqs|sso-admin)$|(^|\/)chat\.js$/;
const ISOLATED = 'isolated-lazy-import';

/**
 * - isolate-lazy-imports: each of those imports, with everything it imports in turn, is bundled as modules of its
 *   own, a copy not shared with what the cold start loads. With code splitting, a module that both the handler and a
 *   lazy import reach goes to a chunk the cold start loads: the shared modules split the cold-start code into more
 *   files, and modules only the lazy clients use (the JSON protocols, MD5 with its start-up probe, ...) came to the
 *   cold start through the SDK's index modules. The price: a lazy import's chunks hold their own copies (the SDK core
 *   for a client, the alert rendering for chat), loaded on first use, and a second copy is in memory once loaded.
 *   So a client and the commands it sends must come from one import (each `import()` of a package gets the same
 *   copy), and nothing a copy throws or returns may be checked with `instanceof` against the cold start's classes
 *   (the chat rendering returns plain data).
 */
const isolateLazyImports = {
  name: 'isolate-lazy-imports',
  setup(build) {
    const root = process.cwd();
    // One question to esbuild per import path and directory (the SDK's modules ask the same ones many times over).
    const resolved = new Map();
    const resolveOnce = (args, importer) => {
      const key = `${args.kind}\0${args.resolveDir}\0${args.path}`;
      if (!resolved.has(key)) {
        const options = { kind: args.kind, resolveDir: args.resolveDir, importer, pluginData: { isolating: true } };
        resolved.set(key, build.resolve(args.path, options));
      }
      return resolved.get(key);
    };
    /** Resolves as esbuild would, then keeps the module (and so all it imports) in the isolated namespace. */
    const isolate = async (args, entering) => {
      const found = await resolveOnce(args, entering ? args.importer : resolve(root, args.importer));
      if (found.errors.length > 0) return { errors: found.errors };
      if (found.external || found.namespace !== 'file') {
        return {
          path: found.path,
          external: found.external,
          namespace: found.namespace,
          sideEffects: found.sideEffects,
        };
      }
      // Relative, so that source maps name node_modules/…, not the machine the bundle was built on.
      const path = relative(root, found.path);
      if (entering && !ISOLATED_PACKAGE.test(args.path) && !ISOLATED_FILES.includes(path)) return undefined;
      return { path, namespace: ISOLATED, sideEffects: found.sideEffects };
    };
    // Entering: an import() of one of the listed modules, from the rest of the bundle.
    build.onResolve({ filter: MAY_BE_ISOLATED, namespace: 'file' }, (args) =>
      args.kind === 'dynamic-import' && !args.pluginData?.isolating ? isolate(args, true) : undefined,
    );
    // Inside: every import of an isolated module stays isolated.
    build.onResolve({ filter: /.*/, namespace: ISOLATED }, (args) => isolate(args, false));
    build.onLoad({ filter: /.*/, namespace: ISOLATED }, async (args) => {
      const file = resolve(root, args.path);
      return {
        contents: await readFile(file),
        loader: extname(file).slice(1) === 'json' ? 'json' : /^\.[cm]?tsx?$/.test(extname(file)) ? 'ts' : 'js',
        resolveDir: dirname(file),
      };
    });
  },
};

module.exports = [middyLazyWebStreams, isolateLazyImports];
