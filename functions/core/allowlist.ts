/**
 * The allowlist: which (principal, policy) pairs are approved, and what a violation gets.
 *
 * This file holds what an allowlist is (the document, its compiled form, its error) and nothing that reads one, so that
 * the deployed functions can use it without the schema: the schema and its messages are in allowlist-schema.ts, the
 * matchers in allowlist-compile.ts, reading YAML and JSON text in allowlist-read.ts, and the form the deploy ships in
 * allowlist-shipped.ts.
 *
 * A file is accepted whole or rejected whole. Every problem is reported with the file, the entry (index and principal),
 * the field and the line, because a typo must never silently allow or forbid an attachment.
 */
import type { PolicyArn } from './arn.js';
import type { GlobMatcher } from './glob.js';
import type { Mode, PrincipalType, Scope } from './types.js';

/**
 * The reason of the allowlist entry an alert suggests. An entry still holding it was pasted without anyone saying why
 * the attachment is approved: the allowlist is refused, so that a suggestion cannot deploy as an approval.
 */
export const PLACEHOLDER_REASON = 'TODO: why this attachment is approved';

/** One entry of an allowlist file's `allow` list, as validated. */
export interface AllowEntryDocument {
  readonly policy: string;
  readonly principal: string;
  readonly account?: string;
  readonly attachedBy?: string;
  readonly expires?: string;
  readonly reason: string;
  readonly ticket?: string;
}

/**
 * An allowlist file's content as validated, its defaults filled in: what the deploy ships for the functions
 * (allowlist-shipped.ts). Compiling it again gives the same allowlist. allowlist-schema.ts checks that the schema's
 * output is exactly this type.
 */
export interface AllowlistDocument {
  readonly version: 1;
  readonly mode: Mode;
  readonly scope: Scope;
  readonly modes: Readonly<Record<string, Mode>>;
  readonly allow: readonly AllowEntryDocument[];
}

export interface AllowEntry extends AllowEntryDocument {
  /** Position in the file's `allow` list, from 0. */
  readonly index: number;
}

export interface CompiledEntry extends AllowEntry {
  readonly matchesPolicy: (arn: PolicyArn) => boolean;
  readonly principalType: PrincipalType;
  /**
   * What `matchesPrincipalName` is matched against: the principal's name, or for a permission-set entry whose glob
   * starts with `arn:`, the permission set's ARN. A permission set's name is not in CloudTrail; see decide().
   */
  readonly matchesPrincipalBy: 'name' | 'arn';
  readonly matchesPrincipalName: GlobMatcher;
  readonly matchesActor: GlobMatcher | null;
  /** First instant (ms since epoch) at which the entry no longer allows, or null for no expiry. */
  readonly expiresAt: number | null;
}

export interface ModeOverride {
  readonly key: string;
  readonly mode: Mode;
  readonly matchesPolicy: (arn: PolicyArn) => boolean;
  /** ARN keys win over name keys when both match. */
  readonly specific: boolean;
}

export interface Allowlist {
  readonly source: string;
  readonly version: 1;
  readonly mode: Mode;
  readonly scope: Scope;
  readonly modes: readonly ModeOverride[];
  readonly allow: readonly CompiledEntry[];
}

export interface AllowlistProblem {
  /** e.g. `allow[2] (role/iot-*)`, or `modes` or the top level. */
  readonly where: string;
  readonly field: string | null;
  readonly line: number | null;
  readonly message: string;
}

/** Where a path of an allowlist is: e.g. `['allow', 2, 'reason']`, as zod reports paths. */
export type AllowlistPath = readonly PropertyKey[];

/** The line a path of the file starts on, where the reader knows it. */
export type LineOfPath = (path: AllowlistPath) => number | null;

/** A rejected allowlist, with every problem found. */
export class AllowlistError extends Error {
  override readonly name = 'AllowlistError';
  constructor(
    readonly source: string,
    readonly problems: readonly AllowlistProblem[],
  ) {
    super(
      [`${source}: invalid allowlist (${problems.length} problem${problems.length === 1 ? '' : 's'})`]
        .concat(problems.map(formatProblem))
        .join('\n'),
    );
  }
}

function formatProblem(p: AllowlistProblem): string {
  const at = p.line === null ? '' : ` (line ${p.line})`;
  const field = p.field === null ? '' : ` field "${p.field}"`;
  return `  - ${p.where}${field}: ${p.message}${at}`;
}

/** An AllowlistError with one problem of the file as a whole. */
export function fileProblem(source: string, message: string, line: number | null = null): AllowlistError {
  return new AllowlistError(source, [{ where: 'file', field: null, line, message }]);
}

/** Where a path of the file is, for a problem: the entry (with its principal) and field, `modes`, or the top level. */
export function describePath(path: AllowlistPath, raw: unknown): { where: string; field: string | null } {
  if (path[0] === 'allow' && typeof path[1] === 'number') {
    const index = path[1];
    const principal = (raw as { allow?: { principal?: unknown }[] } | null)?.allow?.[index]?.principal;
    const where = typeof principal === 'string' ? `allow[${index}] (${principal})` : `allow[${index}]`;
    return { where, field: path.length > 2 ? String(path[2]) : null };
  }
  if (path[0] === 'modes' && path.length > 1) return { where: 'modes', field: String(path[1]) };
  return { where: 'top level', field: path.length > 0 ? path.map(String).join('.') : null };
}

/** An allowlist with no entries: every governed attachment is a violation. */
export function emptyAllowlist(source = '(no allowlist)'): Allowlist {
  return Object.freeze({
    source,
    version: 1,
    mode: 'alert',
    scope: 'aws-iot',
    modes: Object.freeze([]),
    allow: Object.freeze([]),
  });
}
