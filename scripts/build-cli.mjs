// Bundles the CLI into dist/cli.js, and the worker threads `evaluate` reads files with into dist/scan-worker.js (an
// optional argument: another output folder); run by `npm ci` through the `prepare` script, so `npx iot-policy-guard`
// works.
// The yaml package (a dependency) is not bundled: functions/core/yaml-library.ts loads it on first use from the
// node_modules next to dist/, with a require esbuild does not follow (so that the Lambda bundles go without it).
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'functions/cli/index.ts', 'scan-worker': 'functions/cli/scan-worker.ts' },
  outdir: process.argv[2] ?? 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Code loaded only by some commands (the AWS SDK for --athena and audit) goes in chunks of its own, loaded on use.
  splitting: true,
  // The SDK's ES module builds: with its CommonJS ones, a client imported on first use from a chunk lost its classes.
  mainFields: ['module', 'main'],
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Bundled CommonJS dependencies may call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
