/**
 * esbuild plugins for the functions' bundles: serverless.yml `custom.esbuild.plugins` names this file, and
 * bench/lib/bundle.ts (the benchmark, the bundle tests) applies the same list.
 *
 * - middy-lazy-web-streams: @middy/core's `import { ReadableStream } from 'node:stream/web'` gets
 *   lazy-readable-stream.ts, so a cold start does not load Node's web streams for a check only a response-streaming
 *   handler makes. Only middy's import is changed; test/unit/esbuild-plugins.test.ts fails if middy starts using
 *   ReadableStream for anything but `instanceof`.
 */
const { join } = require('node:path');

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

module.exports = [middyLazyWebStreams];
