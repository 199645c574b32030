import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../functions/core/glob.js';

describe('compileGlob', () => {
  it.each([
    ['iot-ingest-*', 'iot-ingest-', true],
    ['iot-ingest-*', 'iot-ingest-eu-1', true],
    ['iot-ingest-*', 'iot-ingest', false],
    ['iot-ingest-*', 'x-iot-ingest-1', false],
    ['iot-?', 'iot-1', true],
    ['iot-?', 'iot-', false],
    ['iot-?', 'iot-12', false],
    ['*', '', true],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['a+b', 'a+b', true],
    ['a+b', 'aab', false],
    ['arn:aws:iam::*:role/ci-deployer*', 'arn:aws:iam::123456789012:role/ci-deployer-prod', true],
    ['arn:aws:iam::*:role/ci-deployer*', 'arn:aws:iam::123456789012:role/other/ci-deployer', false],
    ['Role', 'role', false],
  ])('%s vs %s -> %s', (pattern, text, expected) => {
    expect(compileGlob(pattern)(text)).toBe(expected);
  });
});
