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
const { join, relative, sep } = require('node:path');

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
 * What the functions import with `import()` on first use, by the name their files get: the SDK clients of
 * guard/runtime.ts and aws/sso.ts, and the chat rendering (guard/respond.ts, only for a stack with a chat topic).
 */
const LAZY_PACKAGES = {
  '@aws-sdk/client-sts': 'lazy-client-sts',
  '@aws-sdk/client-eventbridge': 'lazy-client-eventbridge',
  '@aws-sdk/client-sqs': 'lazy-client-sqs',
  '@aws-sdk/client-sso-admin': 'lazy-client-sso-admin',
};
const LAZY_FILES = { 'functions/core/chat.ts': 'lazy-chat' };
/** Import paths that may name one of those, the only ones esbuild hands to the plugin. */
const MAY_BE_LAZY = /^@aws-sdk\/client-(sts|eventbridge|sqs|sso-admin)$|(^|\/)chat\.js$/;

/**
 * - isolate-lazy-imports: each of those imports is left out of the bundle (an external `./lazy-….mjs` next to the
 *   importing file) and bundled by a second esbuild build, with the same options, into the same directory. Code
 *   splitting would otherwise put every module that both the handler and a lazy import reach into a chunk the cold
 *   start loads: the shared modules split the cold-start code into more files, and modules only the lazy clients use
 *   (the JSON protocols, MD5 with its start-up probe, ...) came to the cold start through the SDK's index modules. The
 *   price: the lazy files hold their own copies (the SDK core for the clients, which they share among themselves; the
 *   alert rendering for chat), loaded on first use, and a second copy is in memory once loaded. So a client and the
 *   commands it sends must come from one import (each `import()` of a package gets the same file), and nothing a copy
 *   throws or returns may be checked with `instanceof` against the cold start's classes (chat returns plain data).
 *   The second build's metafile is merged into the first's, so what reads it (bench/, the tests) sees both.
 */
const isolateLazyImports = {
  name: 'isolate-lazy-imports',
  setup(build) {
    const root = process.cwd();
    const lazy = new Map();
    build.onStart(() => lazy.clear());
    build.onResolve({ filter: MAY_BE_LAZY, namespace: 'file' }, async (args) => {
      if (args.kind !== 'dynamic-import' || args.pluginData?.lazy) return undefined;
      const found = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: { lazy: true },
      });
      if (found.errors.length > 0) return { errors: found.errors };
      const name = LAZY_PACKAGES[args.path] ?? LAZY_FILES[relative(root, found.path).split(sep).join('/')];
      if (name === undefined || found.external) return undefined;
      if (!build.initialOptions.outdir || build.initialOptions.splitting !== true) {
        return {
          errors: [{ text: `${name}: isolate-lazy-imports needs an outdir and splitting (import() of ${args.path})` }],
        };
      }
      lazy.set(name, found.path);
      return { path: `./${name}${outputExtension(build.initialOptions)}`, external: true };
    });
    build.onEnd(async (result) => {
      if (result.errors.length > 0 || lazy.size === 0) return;
      const { entryPoints, stdin, outfile, plugins, metafile, entryNames, chunkNames, ...options } =
        build.initialOptions;
      const side = await build.esbuild.build({
        ...options,
        entryPoints: Object.fromEntries(lazy),
        entryNames: '[name]',
        chunkNames: 'lazy-[name]-[hash]',
        splitting: true,
        metafile: true,
      });
      result.errors.push(...side.errors);
      result.warnings.push(...side.warnings);
      if (result.metafile && side.metafile) {
        Object.assign(result.metafile.inputs, side.metafile.inputs);
        Object.assign(result.metafile.outputs, side.metafile.outputs);
      }
      if (result.outputFiles && side.outputFiles) result.outputFiles.push(...side.outputFiles);
    });
  },
};

/** The extension the build gives a `.js` output (serverless.yml's outputFileExtension: `.mjs`). */
function outputExtension(options) {
  return options.outExtension?.['.js'] ?? '.js';
}

module.exports = [middyLazyWebStreams, isolateLazyImports];
