import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EXIT, exitStatus, progressLine } from '../../functions/cli/common.js';

const verdicts = (v: Partial<Record<'violation' | 'unresolved', number>>) => ({
  violation: 0,
  allowed: 3,
  'not-governed': 2,
  'failed-attempt': 1,
  unresolved: 0,
  ...v,
});

describe('exitStatus (evaluate and audit)', () => {
  it.each([
    [0, {}, EXIT.ok],
    [0, { violation: 1 }, EXIT.violation],
    [0, { unresolved: 1 }, EXIT.unresolved],
    [0, { violation: 1, unresolved: 1 }, EXIT.violation],
    [1, {}, EXIT.error],
    [2, { violation: 1, unresolved: 1 }, EXIT.error],
  ])('%i problems and %o → %i', (problems, v, status) => {
    expect(exitStatus(problems, verdicts(v))).toBe(status);
  });
});

describe('progressLine', () => {
  const terminal = (isTTY: boolean) => {
    const stream = Object.assign(new PassThrough(), { isTTY });
    const written: string[] = [];
    stream.on('data', (c: Buffer) => written.push(c.toString()));
    return { stream, written };
  };

  it('rewrites one line in place on a terminal, and clears it only when something was shown', async () => {
    const { stream, written } = terminal(true);
    const line = progressLine(stream);
    line.clear();
    line.show('1 file');
    line.show('2 files');
    line.clear();
    line.clear();
    await new Promise((r) => setImmediate(r));
    expect(written.join('')).toBe('\r\x1b[K1 file\r\x1b[K2 files\r\x1b[K');
  });

  it('writes nothing when stderr is not a terminal', async () => {
    const { stream, written } = terminal(false);
    const line = progressLine(stream);
    line.show('1 file');
    line.clear();
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual([]);
  });
});
