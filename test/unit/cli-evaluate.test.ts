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
    // The README's table: | # | File | eventID | Call | Principal | Policy ARN | Actor | Verdict | Action | Rule | Why
    // |
    const table = readFileSync(join(SAMPLES, 'README.md'), 'utf8')
      .split('\n')
      .filter((l) => /^\| \d+ \|/.test(l))
      .map((l) => l.split('|').map((c) => c.trim().replace(/`/g, '')));
    expect(table).toHaveLength(9);
    const byId = new Map(records.map((r) => [r.eventId, r]));
    for (const row of table) {
      const record = byId.get(row[3]);
      expect(record, row[3]).toBeDefined();
      expect(record).toMatchObject({
        verdict: row[8],
        action: row[9] === '–' ? null : row[9],
        rule: row[10] === '–' ? null : Number(row[10]),
      });
    }
    expect(new Set(records.map((r) => r.verdict))).toEqual(
      new Set(['allowed', 'violation', 'not-governed', 'failed-attempt']),
    );
    expect(run.stderr).toMatch(/16 records read from 4 files .* 9 attach events, 7 other records skipped/);
    expect(run.stderr).toMatch(/verdicts: 3 violation, 3 allowed, 2 not-governed, 1 failed-attempt/);
  });

  it('prints exactly the documented fields in --json', async () => {
    const [record] = jsonLines(
      (await cli(['evaluate', '--allowlist', EXAMPLE, '--json', join(SAMPLES, 'eventbridge-attach-role-policy.json')]))
        .stdout,
    );
    expect(Object.keys(record!).sort()).toEqual(
      [
        'eventId',
        'eventTime',
        'eventName',
        'account',
        'region',
        'actor',
        'principal',
        'policyArn',
        'verdict',
        'action',
        'rule',
        'reason',
        'file',
      ].sort(),
    );
    expect(record?.file).toBe(join(SAMPLES, 'eventbridge-attach-role-policy.json'));
    expect(record).toMatchObject({
      principal: { type: 'role', name: 'firmware-build' },
      verdict: 'violation',
      action: 'remediate',
      rule: null,
    });
  });

  it('prints a table and the summary by default', async () => {
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, SAMPLES]);
    expect(run.stdout).toMatch(/^TIME\s+ACCOUNT\s+PRINCIPAL\s+POLICY\s+ACTOR\s+VERDICT\s+DETAIL/);
    expect(run.stdout).toMatch(
      /role\/firmware-build\s+AWSIoTFullAccess .* violation\s+remediate: no allowlist entry matches/,
    );
    expect(run.stdout).toMatch(/verdicts: 3 violation/);
    expect(run.stderr).toMatch(/allowlist: infra\/allowlist.example.yml \(6 entries\)/);
  });

  it('prints rows in time order, whatever the order of the files', async () => {
    const times = jsonLines((await cli(['evaluate', '--allowlist', EXAMPLE, '--json', SAMPLES])).stdout).map(
      (r) => r.eventTime as string,
    );
    expect(times).toHaveLength(9);
    expect(times).toEqual([...times].sort());
    const table = (await cli(['evaluate', '--allowlist', EXAMPLE, SAMPLES])).stdout
      .split('\n')
      .filter((l) => /^\d{4}-/.test(l))
      .map((l) => l.slice(0, 20).trim());
    expect(table).toEqual([...times].sort());
  });

  it('--violations-only lists only violations; the summary still counts every verdict, same status', async () => {
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, '--json', '--violations-only', SAMPLES]);
    expect(jsonLines(run.stdout).map((r) => r.verdict)).toEqual(['violation', 'violation', 'violation']);
    expect(run.stderr).toMatch(/verdicts: 3 violation, 3 allowed, 2 not-governed, 1 failed-attempt/);
    expect(run.status).toBe(1);
  });

  it('prints no empty table before an input error, and names every file it skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evaluate-skip-'));
    writeFileSync(join(dir, 'events.log'), '{"eventSource":"iam.amazonaws.com"}\n');
    writeFileSync(join(dir, 'notes.txt'), 'not CloudTrail\n');
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, dir]);
    expect(run.status).toBe(2);
    expect(run.stdout).not.toMatch(/TIME\s+ACCOUNT/);
    expect(run.stdout).toMatch(
      /0 records read from 0 files \(0 B\), 0 attach events, 0 other records skipped, 2 files skipped/,
    );
    expect(run.stdout).toContain(
      `skipped (rename or pass them on stdin to evaluate them):\n  ${join(dir, 'events.log')}\n  ` +
        `${join(dir, 'notes.txt')}`,
    );
  });

  it('says 1 record, 1 file, 1 attach event in the singular', async () => {
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, join(SAMPLES, 'eventbridge-attach-role-policy.json')]);
    expect(run.stdout).toMatch(/1 record read from 1 file \([\d.]+ \w?B\), 1 attach event, 0 other records skipped/);
  });

  it('exits 0 when nothing is a violation', async () => {
    const run = await cli([
      'evaluate',
      '--allowlist',
      EXAMPLE,
      'test/fixtures/events/AttachRolePolicy.record-lookalike.json',
    ]);
    expect(run.status).toBe(0);
  });

  it('honours --scope and --now', async () => {
    const wrongPath = 'test/fixtures/events/AttachRolePolicy.record-wrong-path.json';
    expect((await cli(['evaluate', '--allowlist', EXAMPLE, '--scope', 'seed', wrongPath])).status).toBe(0);
    expect((await cli(['evaluate', '--allowlist', EXAMPLE, '--scope', 'aws-iot', wrongPath])).status).toBe(1);
    // Entry #4 (user/contractor-*) expired on 2026-06-30; on that day it still allows.
    const before = await cli([
      'evaluate',
      '--allowlist',
      EXAMPLE,
      '--json',
      '--now',
      '2026-06-30T23:00:00Z',
      join(SAMPLES, 'lookup-events.json'),
    ]);
    expect(
      jsonLines(before.stdout).find((r) => (r.principal as { name?: string } | null)?.name === 'contractor-jdoe'),
    ).toMatchObject({ verdict: 'allowed', rule: 4 });
  });

  it('reads stdin', async () => {
    const event = readFileSync(join(SAMPLES, 'eventbridge-attach-role-policy.json'), 'utf8');
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, '--json', '-'], event);
    expect(jsonLines(run.stdout)).toHaveLength(1);
  });

  it('without --allowlist or infra/allowlist.yml, says so; every governed attach is a violation', async () => {
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
    const run = await cli([
      'evaluate',
      '--allowlist',
      EXAMPLE,
      '--json',
      bad,
      join(tmp, 'missing.json'),
      join(SAMPLES, 'eventbridge-attach-role-policy.json'),
    ]);
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
    [['evaluate', '--now', 'yesterday', SAMPLES], /--now "yesterday" is not an ISO date or time/],
    [['evaluate', '--now', '2026-02-29', SAMPLES], /--now "2026-02-29" is not an ISO date/],
    [['evaluate', '--now', '2027-01-31T23:30:00', SAMPLES], /is not an ISO date or time with an offset/],
    [['evaluate', '--bogus'], /unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [
      ['evaluate', '--allowlist', 'nope.yml', SAMPLES],
      /nope\.yml: invalid allowlist .*\n.*cannot read: file not found/,
    ],
  ])('usage errors exit 2: %j', async (args, message) => {
    const run = await cli(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('evaluate never passes input it could not read', () => {
  const record = readFileSync('test/fixtures/events/AttachRolePolicy.record-aws-cn.json', 'utf8');

  it('reads a JSON list of records, envelopes or CloudTrailEvent strings (jq .Records, --query)', async () => {
    for (const [name, content] of [
      ['records.json', `[${record}]`],
      ['strings.json', JSON.stringify([record])],
      ['envelopes.json', `[${readFileSync(join(SAMPLES, 'eventbridge-attach-role-policy.json'), 'utf8')}]`],
    ] as const) {
      const file = join(tmp, name);
      writeFileSync(file, content);
      const run = await cli(['evaluate', '--allowlist', EXAMPLE, '--json', file]);
      expect(jsonLines(run.stdout), name).toHaveLength(1);
      expect(run.status, name).toBe(1);
    }
  });

  it('JSON that is not CloudTrail is an input error (exit 2), not a silent pass', async () => {
    const file = join(tmp, 'other.json');
    writeFileSync(file, '{"hello": "world"}');
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, file]);
    expect(run.status).toBe(2);
    expect(run.stdout).toContain(`${file}: not CloudTrail data`);
  });

  it('empty input is an input error (exit 2)', async () => {
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, '-'], '');
    expect(run.status).toBe(2);
    expect(run.stdout).toMatch(/no CloudTrail records found in the input/);
  });

  it('skips CloudTrail digest files', async () => {
    const file = join(tmp, 'digest.json');
    writeFileSync(
      file,
      JSON.stringify({
        awsAccountId: '123456789012',
        digestStartTime: '2026-11-20T10:00:00Z',
        digestEndTime: '2026-11-20T11:00:00Z',
        logFiles: [],
      }),
    );
    const run = await cli([
      'evaluate',
      '--allowlist',
      EXAMPLE,
      file,
      join(SAMPLES, 'eventbridge-attach-role-policy.json'),
    ]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/1 CloudTrail digest file skipped/);
  });

  it('an errorCode written as the string "None" is no error', async () => {
    const file = join(tmp, 'none.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(record), errorCode: 'None' }));
    const [result] = jsonLines((await cli(['evaluate', '--allowlist', EXAMPLE, '--json', file])).stdout);
    expect(result).toMatchObject({ verdict: 'violation' });
  });

  it('shows control characters from the input as ? in the table', async () => {
    const file = join(tmp, 'control.json');
    const hostile = JSON.parse(record) as Record<string, unknown>;
    hostile.eventTime = '2026-11-20T10:00:00Z\nFAKE ROW\u001b[31m';
    writeFileSync(file, JSON.stringify(hostile));
    const run = await cli(['evaluate', '--allowlist', EXAMPLE, file]);
    expect(run.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    // One event, one row: the newline in eventTime did not start a second one.
    expect(run.stdout.split('\n').filter((l) => /^2026-|^FAKE/.test(l))).toEqual([
      expect.stringMatching(/^2026-11-20T10:00:00/),
    ]);
  });
});

describe('iot-policy-guard validate-allowlist', () => {
  it.each([
    ['tabs', 'version: 1\nallow:\n\t- policy: x\n', /Tabs are not allowed as indentation \(line 3\)/],
    [
      'an alias bomb',
      `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [${'*a,'.repeat(9)}]\nc: &c [${'*b,'.repeat(9)}]\nd: &d ` +
        `[${'*c,'.repeat(9)}]\ne: [${'*d,'.repeat(9)}]\n`,
      /not a usable allowlist: Excessive alias count/,
    ],
    ['two documents', 'version: 1\n---\nversion: 1\n', /an allowlist is one document/],
  ])('reports %s as an allowlist error, never a stack trace', async (_case, text, message) => {
    const file = join(tmp, 'yaml-case.yml');
    writeFileSync(file, text);
    const run = await cli(['validate-allowlist', file]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('accepts a UTF-8 BOM and CRLF line ends', async () => {
    const file = join(tmp, 'bom.yml');
    writeFileSync(
      file,
      '\uFEFFversion: 1\r\nallow:\r\n  - policy: AWSIoTDataAccess\r\n    principal: role/x\r\n    reason: r\r\n',
    );
    expect((await cli(['validate-allowlist', file])).status).toBe(0);
  });

  it('accepts the example and warns about its expired entry', async () => {
    const run = await cli(['validate-allowlist', EXAMPLE, '--now', '2026-11-26T00:00:00Z']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/valid \(mode alert, scope aws-iot, 6 entries, 1 mode override;/);
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
