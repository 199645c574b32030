import { describe, expect, it } from 'vitest';
import { compileArnGlob, compileGlob } from '../../functions/core/glob.js';

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
    ['Role', 'role', true],
    ['IOT-*', 'iot-ingest', true],
  ])('%s vs %s -> %s', (pattern, text, expected) => {
    expect(compileGlob(pattern)(text)).toBe(expected);
  });
});

describe('compileArnGlob (attachedBy)', () => {
  it.each([
    ['arn:aws:iam::*:role/ci-deployer*', 'arn:aws:iam::123456789012:role/ci-deployer-prod', true],
    ['arn:aws:iam::*:role/ci-deployer*', 'arn:aws:iam::123456789012:role/other/ci-deployer', false],
    // A role created under a path that merely starts like the name does not meet the entry.
    ['arn:aws:iam::*:role/ci-deployer*', 'arn:aws:iam::222222222222:role/ci-deployer-x/evil', false],
    ['arn:aws:iam::*:role/**/ci-deployer*', 'arn:aws:iam::222222222222:role/team/ci/ci-deployer-prod', true],
    ['arn:aws:iam::*:role/**/ci-deployer*', 'arn:aws:iam::123456789012:role/ci-deployer-prod', true],
    ['arn:aws:iam::*:role/**/ci-deployer*', 'arn:aws:iam::123456789012:role/x-ci-deployer-prod', false],
    ['arn:aws:iam::*:role/**', 'arn:aws:iam::123456789012:role/a/b/c', true],
    ['arn:aws:iam::*:role/ci-deployer*', 'arn:aws:iam::123456789012:role/CI-deployer-prod', false],
    [
      'arn:aws:sts::123456789012:assumed-role/ci-deployer/*',
      'arn:aws:sts::123456789012:assumed-role/ci-deployer/session-1',
      true,
    ],
    ['arn:aws:iam::1234567890?2:user/alice', 'arn:aws:iam::123456789012:user/alice', true],
    // * never crosses a ':' field.
    ['arn:aws:iam::*', 'arn:aws:iam::123456789012:user/alice', false],
  ])('%s vs %s -> %s', (pattern, text, expected) => {
    expect(compileArnGlob(pattern)(text)).toBe(expected);
  });
});
