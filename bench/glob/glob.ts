/**
 * Glob worst cases (issue 11, point 5): prints how long the linear-time matcher (functions/core/glob.ts) takes on the
 * inputs that made the former regex matcher backtrack, and how the regex grows with the input for comparison, until
 * one size takes REGEX_BUDGET_MS. Prints numbers; asserts nothing. `npx tsx bench/glob/glob.ts`
 */
import { performance } from 'node:perf_hooks';
import { compileArnGlob, compileGlob } from '../../functions/core/glob.js';
import { referenceArnGlob, referenceGlob } from '../../test/support/glob-reference.js';

// The regex grows polynomially to exponentially: once one size takes this long, the larger ones are not run.
const REGEX_BUDGET_MS = 100;

interface Case {
  readonly name: string;
  readonly pattern: string;
  readonly compile: (pattern: string) => (text: string) => boolean;
  readonly regex: (pattern: string) => (text: string) => boolean;
  /** The worst-case text of a given size; `full` is the size of the example. */
  readonly text: (size: number) => string;
  readonly sizes: readonly number[];
}

const CASES: readonly Case[] = [
  {
    name: 'iot-*-*-*-*-*-*-ops vs group name',
    pattern: 'iot-*-*-*-*-*-*-ops',
    compile: compileGlob,
    regex: referenceGlob,
    text: (n) => `iot-${'-'.repeat(n - 4)}`,
    sizes: [16, 24, 32, 40, 48, 64, 128],
  },
  {
    name: '*a*a*a*a*a*a*b vs a…a',
    pattern: '*a*a*a*a*a*a*b',
    compile: compileGlob,
    regex: referenceGlob,
    text: (n) => 'a'.repeat(n),
    sizes: [16, 24, 32, 40, 48, 64],
  },
  {
    name: 'role/**a**a**a**a**a**a**b vs deep path',
    pattern: 'arn:aws:iam::*:role/**a**a**a**a**a**a**b',
    compile: compileArnGlob,
    regex: referenceArnGlob,
    text: (n) => `arn:aws:iam::123456789012:role/${'a/'.repeat(n / 2)}a`,
    sizes: [16, 32, 48, 64, 96, 1200],
  },
];

function time(run: () => unknown, repeat: number): number {
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

const ms = (n: number) => (n < 1 ? `${(n * 1000).toFixed(1)} µs` : `${n.toFixed(1)} ms`);
console.log('| case | text length | linear matcher (median of 101) | former regex (one run) |');
console.log('| --- | ---: | ---: | ---: |');
for (const c of CASES) {
  const matcher = c.compile(c.pattern);
  const re = c.regex(c.pattern);
  let regexOver = false;
  for (const size of c.sizes) {
    const text = c.text(size);
    const linear = time(() => matcher(text), 101);
    let regex = 'skipped (over budget at a smaller size)';
    if (!regexOver) {
      const t = time(() => re(text), 1);
      regex = ms(t);
      regexOver = t > REGEX_BUDGET_MS;
    }
    console.log(`| ${c.name} | ${text.length} | ${ms(linear)} | ${regex} |`);
  }
}
