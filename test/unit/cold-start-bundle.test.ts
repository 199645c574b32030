/**
 * What the functions load at cold start, from the bundles the deploy builds (serverless.yml custom.esbuild, through
 * bench/lib/bundle.ts): no zod and no allowlist schema or YAML reader. The deploy validated the allowlist already; the
 * functions read the compiled file it shipped (functions/core/allowlist-shipped.ts). A local run's YAML allowlist
 * loads the full reader from a chunk of its own, on first use.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle, deployedBundleStyle, loadedAtStart, type Bundle } from '../../bench/lib/bundle.js';

const FULL_READER = ['functions/core/allowlist-schema.ts', 'functions/core/allowlist-read.ts', 'functions/core/zod.ts'];
const isZod = (input: string): boolean => /node_modules\/zod\//.test(input);

/** The inputs of the output files a cold start loads, and of those it loads on first use. */
function inputsOf(b: Bundle): { atStart: string[]; onFirstUse: string[] } {
  const outputs = b.metafile.outputs;
  const start = loadedAtStart(outputs, relative(process.cwd(), b.path));
  const inputs = (files: string[]) => files.flatMap((f) => Object.keys(outputs[f]?.inputs ?? {}));
  const files = Object.keys(outputs).filter((f) => !f.endsWith('.map'));
  return { atStart: inputs(files.filter((f) => start.has(f))), onFirstUse: inputs(files.filter((f) => !start.has(f))) };
}

describe.each([
  ['attach-guard', 'functions/attach-guard/handler.ts'],
  ['sweep', 'functions/sweep/handler.ts'],
])('the %s bundle', (name, entry) => {
  let inputs: { atStart: string[]; onFirstUse: string[] };
  beforeAll(async () => {
    inputs = inputsOf(await bundle(entry, mkdtempSync(join(tmpdir(), 'ipg-bundle-')), name, deployedBundleStyle()));
  }, 60_000);

  it('loads no zod at cold start', () => {
    expect(inputs.atStart.some((i) => i.startsWith('functions/core/'))).toBe(true);
    expect(inputs.atStart.filter(isZod)).toEqual([]);
  });

  it(
    'reads the shipped allowlist at cold start, and loads the full reader (schema, zod) only for a local YAML ' +
      'allowlist',
    () => {
      expect(inputs.atStart).toContain('functions/core/allowlist-shipped.ts');
      expect(inputs.atStart.filter((i) => FULL_READER.includes(i) || i.endsWith('-schema.ts'))).toEqual([]);
      expect(inputs.onFirstUse).toEqual(expect.arrayContaining(FULL_READER));
      expect(inputs.onFirstUse.some(isZod)).toBe(true);
    },
  );
});
