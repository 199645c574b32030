/**
 * `evaluate` as users run it: the bundled CLI (built here the way `npm ci` builds dist/), reading files in worker
 * threads, must print exactly what the same CLI prints reading every file in full in its main thread.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, fixtureNames } from '../support/fixtures.js';

const BUILD = '.build/cli-test';
let data: string;

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build-cli.mjs', BUILD]);
  data = mkdtempSync(join(tmpdir(), 'ipg-workers-'));
  // Every fixture, as its own file and gzipped into log files; the samples; and files with problems.
  cpSync('test/fixtures/samples', join(data, 'samples'), { recursive: true });
  const records = fixtureNames().flatMap((name) => {
    const doc = fixture<Record<string, unknown>>(name);
    writeFileSync(join(data, name), JSON.stringify(doc));
    return Array.isArray(doc.Records) ? (doc.Records as unknown[]) : 'detail' in doc ? [doc.detail] : [];
  });
  mkdirSync(join(data, 'logs'));
  for (let i = 0; i < 40; i++) {
    const slice = records.filter((_, j) => (j * 7 + i) % 5 === 0);
    writeFileSync(
      join(data, 'logs', `${String(i).padStart(3, '0')}.json.gz`),
      gzipSync(JSON.stringify({ Records: slice })),
    );
  }
  writeFileSync(join(data, 'logs', 'broken.json'), '{"Records":[{"eventName":"AttachUserPolicy"');
  writeFileSync(join(data, 'logs', 'corrupt.json.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
}, 60_000);

afterAll(() => {
  rmSync(data, { recursive: true, force: true });
});

const evaluate = (...args: string[]) => {
  const run = spawnSync(
    process.execPath,
    [
      join(BUILD, 'cli.js'),
      'evaluate',
      '--allowlist',
      'infra/allowlist.example.yml',
      '--now',
      '2026-11-26T00:00:00Z',
      ...args,
    ],
    {
      encoding: 'utf8',
    },
  );
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
};

describe('evaluate in worker threads', () => {
  it('builds the worker beside the CLI', () => {
    expect(readFileSync(join(BUILD, 'scan-worker.js'), 'utf8')).toContain('scan-worker');
  });

  it.each([['--json'], []])('prints what a full parse in the main thread prints (%s)', (...flags) => {
    const inWorkers = evaluate('--workers', '3', ...flags, data);
    const inline = evaluate('--workers', '0', '--parse-all', ...flags, data);
    expect(inline.stdout.length).toBeGreaterThan(1000);
    expect(inWorkers).toEqual(inline);
    expect(inWorkers.status).toBe(2); // the broken and corrupt files are input problems
    expect(inWorkers.stderr + inWorkers.stdout).toMatch(/broken\.json:1: not valid JSON/);
    expect(inWorkers.stderr + inWorkers.stdout).toMatch(/corrupt\.json\.gz: corrupt gzip data/);
  });

  it('refuses a --workers value that is not a small number', () => {
    const run = evaluate('--workers', 'many', data);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--workers "many" is not a number from 0 to 64');
  });
});
