// Bundles the CLI into dist/cli.js; run by `npm ci` through the `prepare` script, so `npx iot-policy-guard` works.
// The yaml package (a dependency) is not bundled: functions/core/yaml-library.ts loads it on first use from the
// node_modules next to dist/, with a require esbuild does not follow (so that the Lambda bundles go without it).
import { build } from 'esbuild';

await build({
  entryPoints: ['functions/cli/index.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Bundled CommonJS dependencies may call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
