/** What every command of the CLI shares: exit statuses, user errors, its streams, the allowlist and time flags. */
import { existsSync } from 'node:fs';
import { emptyAllowlist, type Allowlist } from '../core/allowlist.js';
import type { Verdict } from '../core/types.js';
import { loadAllowlistFile } from '../config/allowlist-file.js';
import { DEFAULT_ALLOWLIST } from '../config/guard-config.js';
import { count } from './format.js';

// The CLI's default allowlist is the one the functions read when ALLOWLIST_PATH is not set.
export { DEFAULT_ALLOWLIST };

export const EXIT = { ok: 0, violation: 1, error: 2, unresolved: 3 } as const;

/** A user error: printed as one message, never as a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
}

export const defaultIo: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };

export function resolveAllowlist(path: string | undefined, say: (line: string) => void): Allowlist {
  if (path !== undefined) {
    const allowlist = loadAllowlistFile(path);
    say(`allowlist: ${path} (${count(allowlist.allow.length, 'entry', 'entries')})`);
    return allowlist;
  }
  if (existsSync(DEFAULT_ALLOWLIST)) {
    const allowlist = loadAllowlistFile(DEFAULT_ALLOWLIST);
    say(`allowlist: ${DEFAULT_ALLOWLIST} (${count(allowlist.allow.length, 'entry', 'entries')}; default)`);
    return allowlist;
  }
  say(`allowlist: none (no --allowlist and no ${DEFAULT_ALLOWLIST}): every governed attachment is a violation`);
  return emptyAllowlist();
}

// A date, or a date and time with an explicit offset: a time without one would depend on the machine's time zone.
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

export function parseNow(value: string | undefined): Date {
  return value === undefined ? new Date() : parseIsoTime('--now', value);
}

export function parseIsoTime(flag: string, value: string): Date {
  const m = ISO_TIME.exec(value);
  const ms = m ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value) : Number.NaN;
  const [, y, mo, d] = m ?? [];
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const real =
    m !== null &&
    day.getUTCFullYear() === Number(y) &&
    day.getUTCMonth() === Number(mo) - 1 &&
    day.getUTCDate() === Number(d);
  if (Number.isNaN(ms) || !real) {
    throw new UsageError(
      `${flag} "${value}" is not an ISO date or time with an offset, such as 2026-11-26 or 2026-11-26T12:00:00Z`,
    );
  }
  return new Date(ms);
}

/** The exit status of a run that read input and decided attachments: what EXIT's values mean, in one place. */
export function exitStatus(problems: number, verdicts: Readonly<Record<Verdict, number>>): number {
  if (problems > 0) return EXIT.error;
  if (verdicts.violation > 0) return EXIT.violation;
  return verdicts.unresolved > 0 ? EXIT.unresolved : EXIT.ok;
}

/** One progress line on stderr, rewritten in place; nothing at all when stderr is not a terminal. */
export function progressLine(stderr: Io['stderr']): {
  readonly show: (text: string) => void;
  readonly clear: () => void;
} {
  if (!stderr.isTTY) return { show: () => undefined, clear: () => undefined };
  let shown = false;
  return {
    show: (text) => {
      stderr.write(`\r\x1b[K${text}`);
      shown = true;
    },
    clear: () => {
      if (shown) stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}
