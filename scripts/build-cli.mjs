// Bundles the CLI into dist/cli.js; run by `npm ci` through the `prepare` script, so `npx iot-policy-guard` works.
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
