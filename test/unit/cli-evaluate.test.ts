import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, jsonLines } from '../support/cli.js';

const SAMPLES = 'test/fixtures/samples';
const EXAMPLE = 'infra/allowlist.example.yml';
const tmp = mkdtempSync(join(tmpdir(), 'ipg-cli-'));

describe('iot-policy-guard evaluate', () => {
  it('gives every sample event the verdict documented in the samples README', async () => {
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, '--json', SAMPLES]);
    expect(run.status).toBe(1);
    const records = jsonLines(run.stdout);
    // The README's table: | # | File | eventID | Call | Principal | Policy ARN | Actor | Verdict | Action | Rule | Why |
    const table = readFileSync(join(SAMPLES, 'README.md'), 'utf8')
      .split('\n')
      .filter((l) => /^\| \d+ \|/.test(l))
      .map((l) => l.split('|').map((c) => c.trim().replace(/`/g, '')));
    expect(table).toHaveLength(9);
    const byId = new Map(records.map((r) => [r.eventId, r]));
    for (const row of table) {
      const record = byId.get(row[3]);
      expect(record, row[3]).toBeDefined();
      expect(record).toMatchObject({ verdict: row[8], action: row[9] === '–' ? null : row[9], rule: row[10] === '–' ? null : Number(row[10]) });
    }
    expect(new Set(records.map((r) => r.verdict))).toEqual(new Set(['allowed', 'violation', 'not-governed', 'failed-attempt']));
    expect(run.stderr).toMatch(/16 records read from 4 files .* 9 attach events, 7 other records skipped/);
    expect(run.stderr).toMatch(/verdicts: 3 violation, 3 allowed, 2 not-governed, 1 failed-attempt/);
  });

  it('prints exactly the documented fields in --json', async () => {
    const [record] = jsonLines((await cli(['evaluate', '--allowlist', EXAMPLE, '--json', join(SAMPLES, 'eventbridge-attach-role-policy.json')])).stdout);
    expect(Object.keys(record!).sort()).toEqual(
      ['eventId', 'eventTime', 'eventName', 'account', 'region', 'actor', 'principal', 'policyArn', 'verdict', 'action', 'rule', 'reason'].sort(),
    );
    expect(record).toMatchObject({ principal: { type: 'role', name: 'firmware-build' }, verdict: 'violation', action: 'remediate', rule: null });
  });

  it('prints a table and the summary by default', async () => {
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, SAMPLES]);
    expect(run.stdout).toMatch(/^TIME\s+ACCOUNT\s+PRINCIPAL\s+POLICY\s+ACTOR\s+VERDICT\s+DETAIL/);
    expect(run.stdout).toMatch(/role\/firmware-build\s+AWSIoTFullAccess .* violation\s+remediate: no allowlist entry matches/);
    expect(run.stdout).toMatch(/verdicts: 3 violation/);
    expect(run.stderr).toMatch(/allowlist: infra\/allowlist.example.yml \(6 entries\)/);
  });

  it('exits 0 when nothing is a violation', async () => {
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, 'test/fixtures/events/AttachRolePolicy.record-lookalike.json']);
    expect(run.status).toBe(0);
  });

  it('honours --scope and --now', async () => {
    const wrongPath = 'test/fixtures/events/AttachRolePolicy.record-wrong-path.json';
    expect((await cli(['evaluate', '--allowlist', EXAMPLE, '--scope', 'seed', wrongPath])).status).toBe(0);
    expect((await cli(['evaluate', '--allowlist', EXAMPLE, '--scope', 'aws-iot', wrongPath])).status).toBe(1);
    // Entry #4 (user/contractor-*) expired on 2026-06-30; on that day it still allows.
    const before = await cli(['evaluate', '--allowlist', EXAMPLE, '--json', '--now', '2026-06-30T23:00:00Z', join(SAMPLES, 'lookup-events.json')]);
    expect(jsonLines(before.stdout).find((r) => (r.principal as { name?: string } | null)?.name === 'contractor-jdoe')).toMatchObject({ verdict: 'allowed', rule: 4 });
  });

  it('reads stdin', async () => {
    const event = readFileSync(join(SAMPLES, 'eventbridge-attach-role-policy.json'), 'utf8');
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, '--json', '-'], event);
    expect(jsonLines(run.stdout)).toHaveLength(1);
  });

  it('without --allowlist and without infra/allowlist.yml, says so and treats every governed attach as a violation', async () => {
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      const run = await cli(['evaluate', join(cwd, SAMPLES, 'eventbridge-attach-role-policy.json')]);
      expect(run.stderr).toMatch(/allowlist: none .* every governed attachment is a violation/);
      expect(run.status).toBe(1);
    } finally {
      process.chdir(cwd);
    }
  });

  it('reports an unreadable or non-JSON file with its path, evaluates the rest, and exits 2', async () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"Records": [');
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, '--json', bad, join(tmp, 'missing.json'), join(SAMPLES, 'eventbridge-attach-role-policy.json')]);
    expect(run.status).toBe(2);
    expect(jsonLines(run.stdout)).toHaveLength(1);
    expect(run.stderr).toContain(`${bad}:1: not valid JSON`);
    expect(run.stderr).toContain(`${join(tmp, 'missing.json')}: no such file or directory`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects a broken allowlist with exit 2, naming file, entry and field, and evaluates nothing', async () => {
    const broken = join(tmp, 'broken.yml');
    writeFileSync(broken, 'version: 1\nallow:\n  - policy: AWSIoTFullAccess\n    principal: role/x\n    reasn: typo\n');
    const run = await cli(['evaluate', '--allowlist', broken, SAMPLES]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${broken}: invalid allowlist`);
    expect(run.stderr).toMatch(/allow\[0\] \(role\/x\) field "reasn": unknown field/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [['evaluate', '--scope', 'everything', SAMPLES], /option '--scope <scope>' argument 'everything' is invalid/],
    [['evaluate', '--now', 'yesterday', SAMPLES], /--now "yesterday" is not an ISO time/],
    [['evaluate', '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['evaluate', '--allowlist', 'nope.yml', SAMPLES], /nope\.yml: invalid allowlist .*\n.*cannot read: file not found/],
  ])('usage errors exit 2: %j', async (args, message) => {
    const run = await cli(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('iot-policy-guard validate-allowlist', () => {
  it('accepts the example and warns about its expired entry', async () => {
    const run = await cli(['validate-allowlist', EXAMPLE, '--now', '2026-11-26T00:00:00Z']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/valid \(mode alert, scope aws-iot, 6 entries, 1 mode overrides/);
    expect(run.stderr).toMatch(/warning: allow\[4\] \(user\/contractor-\*\) expired on 2026-06-30/);
  });

  it('rejects a broken file with exit 2', async () => {
    const broken = join(tmp, 'typo.yml');
    writeFileSync(broken, 'version: 1\nallow:\n  - policy: AWSIoTFulAccess\n    principal: role/x\n    reason: r\n');
    const run = await cli(['validate-allowlist', broken]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/Did you mean "AWSIoTFullAccess"/);
  });
});
