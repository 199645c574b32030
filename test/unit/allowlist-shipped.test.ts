import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAllowlistFile } from '../../functions/config/allowlist-file.js';
import { AllowlistError, type Allowlist } from '../../functions/core/allowlist.js';
import { parseAllowlistDocument } from '../../functions/core/allowlist-read.js';
import { readShippedAllowlist, renderShippedAllowlist } from '../../functions/core/allowlist-shipped.js';

const example = parseAllowlistDocument(
  readFileSync('infra/allowlist.example.yml', 'utf8'),
  'infra/allowlist.example.yml',
);
const shipped = renderShippedAllowlist(example.document, 'infra/allowlist.example.yml');
// What compiles from it, matchers left out.
const data = (list: Allowlist): unknown => JSON.parse(JSON.stringify({ ...list, source: null }));

/** A shipped file whose checksum matches its (changed) document: what only a program, not a typo, could write. */
function forged(change: (document: Record<string, unknown>) => void): string {
  const file = JSON.parse(shipped) as { sha256: string; document: Record<string, unknown> };
  change(file.document);
  file.sha256 = createHash('sha256').update(JSON.stringify(file.document)).digest('hex');
  return JSON.stringify(file);
}

function problemOf(text: string): string {
  try {
    readShippedAllowlist(text, '.build/infra/allowlist.json');
  } catch (error) {
    expect(error).toBeInstanceOf(AllowlistError);
    return (error as AllowlistError).message;
  }
  throw new Error('expected the shipped allowlist to be refused');
}

describe('the shipped (compiled) allowlist', () => {
  it('reads back to the allowlist its YAML compiles to, expiry instants and matchers included', () => {
    const read = readShippedAllowlist(shipped, 'shipped.json');
    expect(data(read)).toEqual(data(example.allowlist));
    expect(read.allow.map((e) => e.expiresAt)).toEqual(example.allowlist.allow.map((e) => e.expiresAt));
    expect(read.source).toBe('shipped.json');
    const arn = { partition: 'aws' as const, account: 'aws', path: '/', name: 'AWSIoTDataAccess' };
    expect(read.allow.map((e) => e.matchesPolicy(arn))).toEqual(
      example.allowlist.allow.map((e) => e.matchesPolicy(arn)),
    );
  });

  it('carries its format, format version, source file and the SHA-256 of its document', () => {
    const file = JSON.parse(shipped) as Record<string, unknown>;
    expect(file).toMatchObject({
      format: 'iot-policy-guard/compiled-allowlist',
      formatVersion: 1,
      compiledFrom: 'infra/allowlist.example.yml',
      document: example.document,
    });
    expect(file.sha256).toBe(createHash('sha256').update(JSON.stringify(example.document)).digest('hex'));
  });

  it.each([
    [
      'a document that is no allowlist',
      (d: Record<string, unknown>) => {
        d.allow = 'everyone';
      },
      'document.allow: expected an array',
    ],
    [
      'an entry without a principal',
      (d: Record<string, unknown>) => {
        delete (d.allow as Record<string, unknown>[])[0]!.principal;
      },
      'document.allow[0].principal: expected a string',
    ],
    [
      'an entry with a field of another version',
      (d: Record<string, unknown>) => {
        (d.allow as Record<string, unknown>[])[0]!.priority = 1;
      },
      'document.allow[0].priority: not a field of an allowlist entry',
    ],
    [
      'an unknown mode',
      (d: Record<string, unknown>) => {
        d.mode = 'detach';
      },
      'document.mode: expected one of alert, remediate',
    ],
    [
      'a bad per-policy mode',
      (d: Record<string, unknown>) => {
        d.modes = { AWSIoTDataAccess: 'off' };
      },
      'document.modes.AWSIoTDataAccess: expected one of alert, remediate',
    ],
    [
      'a field of another version',
      (d: Record<string, unknown>) => {
        d.owners = [];
      },
      'document.owners: not a field of an allowlist',
    ],
  ])('refuses, even with a matching checksum, %s', (_, change, problem) => {
    expect(problemOf(forged(change))).toBe(
      `.build/infra/allowlist.json: invalid allowlist (1 problem)\n  - file: not a compiled allowlist: ${problem}; ` +
        `the deploy writes this file from the allowlist: change that and package again, never this file`,
    );
  });

  it(
    'still compiles what it reads: ' +
      'a policy name the catalog ' +
      'does not know is refused, never matched by ' +
      'nothing',
    () => {
      const message = problemOf(
        forged((d) => {
          (d.allow as Record<string, unknown>[])[0]!.policy = 'AWSIoTNoSuchPolicy';
        }),
      );
      expect(message).toMatch(/allow\[0\] \(.*\) field "policy": unknown policy "AWSIoTNoSuchPolicy"/);
    },
  );
});

describe('the CLI and the package step on a compiled allowlist', () => {
  it('read it as the functions do, to the same allowlist; a tampered one is refused the same way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ipg-shipped-'));
    writeFileSync(join(dir, 'allowlist.json'), shipped);
    expect(data(loadAllowlistFile(join(dir, 'allowlist.json')))).toEqual(data(example.allowlist));
    writeFileSync(join(dir, 'edited.json'), shipped.replace('"reason": "', '"reason": "x'));
    expect(() => loadAllowlistFile(join(dir, 'edited.json'))).toThrow(
      /edited\.json: invalid allowlist \(1 problem\)\n {2}- file: the compiled allowlist was changed after packaging/,
    );
    // A plain JSON allowlist is still validated as one.
    writeFileSync(join(dir, 'plain.json'), JSON.stringify(example.document));
    expect(data(loadAllowlistFile(join(dir, 'plain.json')))).toEqual(data(example.allowlist));
  });
});
