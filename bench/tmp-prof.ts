import { build } from 'esbuild';
import { deployedBundleStyle, shippedAllowlist } from './lib/bundle.js';
const style = deployedBundleStyle();
const entry = process.argv[2] ?? 'functions/attach-guard/handler.ts';
await build({
  entryPoints: [entry],
  outdir: '/tmp/prof/out',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  splitting: true,
  outExtension: { '.js': '.mjs' },
  mainFields: style.mainFields ? [...style.mainFields] : undefined,
  banner: style.banner ? { js: style.banner } : undefined,
  minify: false,
  entryNames: 'handler',
});
console.log(shippedAllowlist('infra/allowlist.example.yml'));
