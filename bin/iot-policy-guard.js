#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/cli.js by `npm run build` (run by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('iot-policy-guard: dist/cli.js is missing; run `npm run build` (npm ci does it for you)\n');
  process.exit(2);
}
await import(bundle.href);
