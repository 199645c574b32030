// Globs match in linear time (issue 11, point 5). The regex implementation the guard used before is kept here as the
// reference: the matcher must agree with it on 10,000 random cases per kind of glob, and finish the inputs that made
// the regex backtrack for seconds (correctness is asserted, never time: vitest's timeout is the only clock).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileArnGlob, compileGlob } from '../../functions/core/glob.js';
import { referenceArnGlob, referenceGlob } from '../support/glob-reference.js';

// Patterns from tokens, so that the double star and the double star with its slash come up often.
const token = fc.constantFrom('a', 'b', 'A', '-', '.', '*', '**', '**/', '?', '/', ':', 'é');
const textChar = fc.constantFrom('a', 'b', 'A', 'B', '-', '.', '/', ':', 'é', 'É');
const pattern = fc.array(token, { maxLength: 8 }).map((ts) => ts.join(''));
const randomText = fc.array(textChar, { maxLength: 16 }).map((cs) => cs.join(''));
/** A text made from the pattern, wildcards filled at random: most of these match, so both answers get exercised. */
const textFor = (p: string) =>
  fc
    .array(fc.array(textChar, { maxLength: 3 }), { minLength: p.length, maxLength: p.length })
    .map((fills) =>
      [...p].map((c, i) => (c === '*' ? fills[i]!.join('') : c === '?' ? (fills[i]![0] ?? 'a') : c)).join(''),
    );
/** Such a text with one character dropped: a near miss. */
const nearMiss = (p: string) =>
  fc
    .tuple(textFor(p), fc.nat())
    .map(([t, n]) => (t.length === 0 ? t : [...t].filter((_, i) => i !== n % t.length).join('')));
const cases = pattern.chain((p) => fc.tuple(fc.constant(p), fc.oneof(randomText, textFor(p), nearMiss(p))));

describe('glob matching agrees with the reference regex', () => {
  it('name globs, 10,000 cases', () => {
    fc.assert(
      fc.property(cases, ([p, text]) => {
        expect(compileGlob(p)(text), `${JSON.stringify(p)} vs ${JSON.stringify(text)}`).toBe(referenceGlob(p)(text));
      }),
      { numRuns: 10_000 },
    );
  });

  it('ARN globs, 10,000 cases', () => {
    fc.assert(
      fc.property(cases, ([p, text]) => {
        expect(compileArnGlob(p)(text), `${JSON.stringify(p)} vs ${JSON.stringify(text)}`).toBe(
          referenceArnGlob(p)(text),
        );
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('glob matching finishes the inputs that made the regex backtrack', () => {
  it('iot-*-*-*-*-*-*-ops against a 128-character group name', () => {
    const name = `iot-${'-'.repeat(124)}`;
    expect(name).toHaveLength(128);
    expect(compileGlob('iot-*-*-*-*-*-*-ops')(name)).toBe(false);
    expect(compileGlob('iot-*-*-*-*-*-*-ops')(`${name}ops`)).toBe(true);
  });

  it('*a*a*a*a*a*a*b against 64 a', () => {
    expect(compileGlob('*a*a*a*a*a*a*b')('a'.repeat(64))).toBe(false);
    expect(compileGlob('*a*a*a*a*a*a*b')(`${'a'.repeat(64)}b`)).toBe(true);
  });

  it('a double star and its slash match whole segments or none, never part of a name', () => {
    expect(compileArnGlob('**/a')('xa')).toBe(false);
    expect(compileArnGlob('**/a')('x/a')).toBe(true);
    expect(compileArnGlob('**/a')('a')).toBe(true);
  });

  it('an attachedBy ARN glob of many double stars against a deep path', () => {
    const glob = compileArnGlob('arn:aws:iam::*:role/**a**a**a**a**a**a**b');
    const arn = `arn:aws:iam::123456789012:role/${'a/'.repeat(600)}a`;
    expect(glob(arn)).toBe(false);
    expect(glob(`${arn}b`)).toBe(true);
  });
});
