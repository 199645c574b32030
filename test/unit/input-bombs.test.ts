// Input bombs (issue 11, point 7): a deeply nested document is an input problem of its own file and the rest is still
// evaluated; `__proto__` and `constructor` keys in an allowlist are refused with the place they are in.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AllowlistError } from '../../functions/core/allowlist.js';
import { parseAllowlist, parseAllowlistJson } from '../../functions/core/allowlist-read.js';
import { cli, jsonLines } from '../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'ipg-bombs-'));

describe('evaluate and deeply nested input', () => {
  it.each([
    ['a 400 KB [[[…]]] file', '['.repeat(200_000) + ']'.repeat(200_000)],
    ['a list holding a deep list', `[${'['.repeat(50_000)}${']'.repeat(50_000)}]`],
  ])('%s is reported as an input problem of that file; the other files are evaluated', async (_case, text) => {
    const bomb = join(tmp, `bomb-${text.length}.json`);
    writeFileSync(bomb, text);
    const run = await cli([
      'evaluate',
      '--allowlist',
      'infra/allowlist.example.yml',
      '--json',
      bomb,
      'test/fixtures/samples/eventbridge-attach-role-policy.json',
    ]);
    expect(run.status).toBe(2);
    expect(jsonLines(run.stdout)).toHaveLength(1);
    expect(run.stderr).toContain(`${bomb}: nested deeper than 64 levels: not CloudTrail data`);
    expect(run.stderr).not.toMatch(/RangeError|\n\s+at /);
  });

  it('a deep value inside a record is never walked: the record is read as usual', async () => {
    const record = JSON.parse(
      readFileSync('test/fixtures/events/AttachRolePolicy.eventbridge-full-access.json', 'utf8'),
    ) as { detail: Record<string, unknown> };
    const deep = join(tmp, 'deep-value.json');
    writeFileSync(
      deep,
      JSON.stringify({ Records: [record.detail] }).replace(
        '"responseElements":null',
        `"responseElements":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`,
      ),
    );
    const run = await cli(['evaluate', '--allowlist', 'infra/allowlist.example.yml', '--json', deep]);
    expect(run.stderr).not.toMatch(/RangeError|\n\s+at /);
    expect(jsonLines(run.stdout)).toEqual([expect.objectContaining({ verdict: 'violation' })]);
  });
});

describe('allowlist keys that would reach the object prototype', () => {
  const entry = '  - policy: AWSIoTDataAccess\n    principal: role/ingest\n    reason: test\n';
  it.each([
    [
      'modes: {__proto__: remediate} (YAML)',
      `version: 1\nmodes:\n  __proto__: remediate\n`,
      /modes field "__proto__": key "__proto__" is not allowed/,
    ],
    [
      'modes: {constructor: alert} (YAML)',
      `version: 1\nmodes:\n  constructor: alert\n`,
      /modes field "constructor": key "constructor" is not allowed/,
    ],
    [
      'an entry field (YAML)',
      `version: 1\nallow:\n${entry}    __proto__: x\n`,
      /allow\[0\] \(role\/ingest\) field "__proto__": key "__proto__" is not allowed/,
    ],
    [
      'the top level (YAML)',
      `version: 1\nconstructor: {}\n`,
      /top level field "constructor": key "constructor" is not allowed/,
    ],
  ])('%s is refused with its place', (_case, text, message) => {
    expect(() => parseAllowlist(text, 'bomb.yml')).toThrow(AllowlistError);
    expect(() => parseAllowlist(text, 'bomb.yml')).toThrow(message);
  });

  it.each([
    [
      'modes',
      '{"version":1,"modes":{"__proto__":"remediate"}}',
      /modes field "__proto__": key "__proto__" is not allowed/,
    ],
    [
      'an entry',
      '{"version":1,"allow":[{"policy":"AWSIoTDataAccess","principal":"role/ingest","reason":"t","constructor":"x"}]}',
      /allow\[0\] \(role\/ingest\) field "constructor": key "constructor" is not allowed/,
    ],
  ])('in JSON too (%s)', (_case, text, message) => {
    expect(() => parseAllowlistJson(text, 'bomb.json')).toThrow(message);
  });
});
