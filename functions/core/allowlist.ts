/**
 * The allowlist: which (principal, policy) pairs are approved, and what a violation gets.
 *
 * A file is accepted whole or rejected whole. Every problem is reported with the file, the entry (index and principal),
 * the field and the line, because a typo must never silently allow or forbid an attachment.
 */
import type { Document, LineCounter } from 'yaml';
import * as z from 'zod/mini';
import { parsePolicyArn, qualifiedName, type PolicyArn } from './arn.js';
import { catalogPoliciesNamed, CATALOG, hasIotPrefix, sameName } from './catalog.js';
import { compileArnGlob, compileGlob, type GlobMatcher } from './glob.js';
import { described } from './zod.js';
import type { Mode, PrincipalType, Scope } from './types.js';
import { yamlLibrary } from './yaml-library.js';

const DAY_MS = 86_400_000;
/**
 * The reason of the allowlist entry an alert suggests. An entry still holding it was pasted without anyone saying why
 * the attachment is approved: the allowlist is refused, so that a suggestion cannot deploy as an approval.
 */
export const PLACEHOLDER_REASON = 'TODO: why this attachment is approved';
// IAM user, role and group names: letters, digits and +=,.@_- ; the allowlist adds the globs * and ?. A permission
// set is named by a glob over its name (same characters) or, starting with `arn:`, over its ARN.
const PRINCIPAL = /^(?:(?:user|role|group)\/[\w+=,.@*?-]{1,128}|permission-set\/(?:arn:[\w+=,.@:/*?-]{1,1224}|[\w+=,.@*?-]{1,128}))$/;
const PERMISSION_SET_ARN_GLOB = /^arn:[a-z*?-]*:sso:::/;

const modeSchema = z.enum(['alert', 'remediate']);

const entrySchema = described(
  z.strictObject({
    policy: described(
      z.string().check(z.minLength(1)),
      'Policy name (any partition, e.g. AWSIoTDataAccess or service-role/AWSIoTLogging), full policy ARN, or "*" for any governed policy.',
    ),
    principal: described(
      z.string().check(z.regex(PRINCIPAL, 'expected user/NAME, role/NAME, group/NAME or permission-set/NAME-or-ARN (NAME may use * and ?)')),
      'user/NAME, role/NAME, group/NAME or permission-set/NAME; NAME may use * (any run, also empty) and ? (one character). ' +
        'An IAM Identity Center permission set: permission-set/NAME matches its name, permission-set/arn:... its ARN.',
    ),
    account: described(
      z.optional(z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account id in quotes, e.g. "123456789012"'))),
      'Only in this AWS account (12 digits, quoted).',
    ),
    attachedBy: described(
      z.optional(z.string().check(z.minLength(1))),
      'Glob matched against the caller: userIdentity.arn or sessionContext.sessionIssuer.arn.',
    ),
    expires: described(z.optional(z.iso.date('expected a date YYYY-MM-DD')), 'Allows through the end of this day, UTC (YYYY-MM-DD).'),
    reason: described(z.string().check(z.trim(), z.minLength(1, 'a reason is required')), 'Why this attachment is approved.'),
    ticket: described(z.optional(z.string().check(z.minLength(1))), 'Change or approval ticket, e.g. SEC-123.'),
  }),
  'One approved (principal, policy) pair.',
);

/** The allowlist file format. `infra/allowlist.schema.json` is generated from this. */
export const allowlistSchema = described(
  z.strictObject({
    version: described(z.literal(1), 'Format version; always 1.'),
    mode: described(z._default(modeSchema, 'alert'), 'What a violation gets: alert (default) or remediate (detach, then alert).'),
    scope: described(
      z._default(z.enum(['aws-iot', 'seed']), 'aws-iot'),
      'aws-iot (default): every AWS IoT managed policy; seed: exactly the ten of the AWS IoT developer guide.',
    ),
    modes: described(
      z._default(z.record(z.string().check(z.minLength(1)), modeSchema), {}),
      'Per-policy override of mode; key = policy name or full ARN.',
    ),
    allow: described(z._default(z.array(entrySchema), []), 'Approved attachments. Anything governed and not listed is a violation.'),
  }),
  'iot-policy-guard allowlist',
);

export type AllowlistInput = z.input<typeof allowlistSchema>;

/**
 * An allowlist file's content as validated, its defaults filled in: what the deploy writes as JSON for the functions
 * (infra/stage-params.ts). Compiling it again gives the same allowlist.
 */
export type AllowlistDocument = z.output<typeof allowlistSchema>;

export interface AllowEntry {
  /** Position in the file's `allow` list, from 0. */
  readonly index: number;
  readonly policy: string;
  readonly principal: string;
  readonly account?: string;
  readonly attachedBy?: string;
  readonly expires?: string;
  readonly reason: string;
  readonly ticket?: string;
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

/** An allowlist with no entries: every governed attachment is a violation. */
export function emptyAllowlist(source = '(no allowlist)'): Allowlist {
  return compileAllowlist({ version: 1 }, source);
}

/**
 * Parses and validates allowlist text (YAML or JSON) with the strict YAML reader (duplicate keys rejected, line numbers
 * in every problem); throws AllowlistError naming every problem. Loads the `yaml` package on first use: where it is not
 * installed (the deployed functions), this throws YamlUnavailableError; they read JSON (parseAllowlistJson).
 */
export function parseAllowlist(text: string, source: string): Allowlist {
  return parseAllowlistDocument(text, source).allowlist;
}

/** parseAllowlist, also returning the validated document (what the deploy ships as JSON). */
export function parseAllowlistDocument(text: string, source: string): { allowlist: Allowlist; document: AllowlistDocument } {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  const fileProblem = (message: string, line: number | null = null) => new AllowlistError(source, [{ where: 'file', field: null, line, message }]);
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter, uniqueKeys: true, prettyErrors: true, merge: false });
  if (doc.errors.length > 0) {
    throw new AllowlistError(
      source,
      doc.errors.map((e) => {
        const line = e.linePos?.[0]?.line ?? null;
        // The yaml library does not say which key: the line it points at does.
        const key = e.message.startsWith('Map keys must be unique') && line !== null ? /^\s*(?:-\s+)?["']?([^"':]+)["']?\s*:/.exec(text.replace(/^\uFEFF/, '').split('\n')[line - 1] ?? '')?.[1] : undefined;
        const reason = key ? `duplicate key "${key.trim()}" in one mapping (only one value can count)` : (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').replace('; please use YAML.parseAllDocuments()', ' (an allowlist is one document)');
        return { where: 'file', field: null, line, message: `not valid YAML or JSON: ${reason}` };
      }),
    );
  }
  let raw: unknown;
  try {
    // The alias limit keeps a "billion laughs" file from exhausting memory.
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw fileProblem(`not a usable allowlist: ${(error as Error).message}`);
  }
  return compile(raw, source, (path) => lineOf(doc, lineCounter, path));
}

/**
 * Parses and validates allowlist JSON without any YAML code: `JSON.parse`, a check that no object repeats a key
 * (`JSON.parse` would silently keep the last, e.g. of two `reason`s or two `modes` entries for one policy), then the
 * same validation as YAML, with line numbers. This is how the functions read the allowlist the deploy ships.
 */
export function parseAllowlistJson(text: string, source: string): Allowlist {
  const body = text.replace(/^\uFEFF/, '');
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (error) {
    const message = (error as Error).message;
    const at = /at position (\d+)/.exec(message);
    const line = at ? lineAt(body, Number(at[1])) : null;
    // V8 names a position (Node 22 adds line and column), or quotes a snippet of the text, which may span lines.
    const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/ after JSON at position \d+.*$/s, ' after the end').replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '');
    throw new AllowlistError(source, [{ where: 'file', field: null, line, message: `not valid JSON: ${reason}` }]);
  }
  const { duplicates } = scanJson(body, false);
  if (duplicates.length > 0) {
    throw new AllowlistError(
      source,
      duplicates.map((d) => ({
        ...describePath(d.path, raw),
        line: d.line,
        message: `duplicate key "${String(d.path[d.path.length - 1])}" (JSON.parse would silently keep only the last)`,
      })),
    );
  }
  // Lines are only needed for a problem: found by a second pass then.
  let lines: Map<string, number> | undefined;
  return compileAllowlist(raw, source, (path) => {
    lines ??= scanJson(body, true).lines;
    for (let depth = path.length; depth >= 0; depth--) {
      const line = lines.get(pathKey(path.slice(0, depth)));
      if (line !== undefined) return line;
    }
    return null;
  });
}

/** The 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const pathKey = (path: readonly PropertyKey[]): string => JSON.stringify(path.map((p) => (typeof p === 'number' ? p : String(p))));

/**
 * One pass over text that JSON.parse has accepted: every key an object repeats and, with `recordLines`, the line where
 * each value starts (keyed by its path, as zod reports paths: keys as strings, array indices as numbers).
 */
function scanJson(text: string, recordLines: boolean): { lines: Map<string, number>; duplicates: { path: PropertyKey[]; line: number }[] } {
  interface Frame {
    readonly path: PropertyKey[];
    readonly keys: Set<string> | null; // null: an array
    index: number;
    key: string | null;
  }
  const lines = new Map<string, number>();
  const duplicates: { path: PropertyKey[]; line: number }[] = [];
  const stack: Frame[] = [];
  let line = 1;
  // The path of the value starting here, recorded once per value.
  const valuePath = (): PropertyKey[] => {
    const top = stack[stack.length - 1];
    if (!top) return [];
    return [...top.path, top.keys === null ? top.index : (top.key ?? '')];
  };
  const startValue = (): PropertyKey[] => {
    const path = valuePath();
    if (recordLines) {
      const key = pathKey(path);
      if (!lines.has(key)) lines.set(key, line);
    }
    return path;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    else if (c === '{' || c === '[') stack.push({ path: startValue(), keys: c === '{' ? new Set() : null, index: 0, key: null });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys === null) top.index++;
      else if (top) top.key = null;
    } else if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys && top.key === null) {
        // A key: JSON.parse compares keys after unescaping, so must this.
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        top.key = key;
        if (top.keys.has(key)) duplicates.push({ path: [...top.path, key], line });
        top.keys.add(key);
      }
      if (recordLines) startValue();
      i = end;
    } else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== ':') {
      // A number, true, false or null: nothing to record but its line.
      if (recordLines) startValue();
      while (i + 1 < text.length && /[\w.+-]/.test(text[i + 1] ?? '')) i++;
    }
  }
  return { lines, duplicates };
}

/** Validates an already-parsed allowlist object (e.g. from JSON) and compiles its matchers. */
export function compileAllowlist(
  raw: unknown,
  source: string,
  lineOfPath: (path: readonly PropertyKey[]) => number | null = () => null,
): Allowlist {
  return compile(raw, source, lineOfPath).allowlist;
}

function compile(
  raw: unknown,
  source: string,
  lineOfPath: (path: readonly PropertyKey[]) => number | null,
): { allowlist: Allowlist; document: AllowlistDocument } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AllowlistError(source, [
      { where: 'file', field: null, line: null, message: 'expected a mapping with version: 1 and an allow list' },
    ]);
  }
  const problems: AllowlistProblem[] = [];
  const problem = (path: readonly PropertyKey[], message: string): void => {
    problems.push({ ...describePath(path, raw), line: lineOfPath(path), message });
  };
  // Refused before anything reads the file: such a key is dropped or misread by the code below (zod, Object.entries).
  for (const path of prototypeKeys(raw)) {
    problem(path, `key "${String(path[path.length - 1])}" is not allowed: it names a property of every JavaScript object`);
  }
  if (problems.length > 0) throw new AllowlistError(source, problems);

  const parsed = allowlistSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
      problem(path, describeIssue(issue, raw));
    }
    // Check the policies too, so that one run reports every problem of the file.
    const rawList = raw as { allow?: unknown; modes?: unknown };
    if (Array.isArray(rawList.allow)) {
      rawList.allow.forEach((entry: unknown, index) => {
        const { policy, principal, reason } = (entry ?? {}) as { policy?: unknown; principal?: unknown; reason?: unknown };
        if (typeof policy === 'string' && policy !== '') policyMatcher(policy, (m) => problem(['allow', index, 'policy'], m));
        if (typeof reason === 'string') checkReason(reason, (m) => problem(['allow', index, 'reason'], m));
        if (typeof principal === 'string' && PRINCIPAL.test(principal)) checkPermissionSetArn(principal, (m) => problem(['allow', index, 'principal'], m));
      });
    }
    if (rawList.modes !== null && typeof rawList.modes === 'object') {
      for (const key of Object.keys(rawList.modes)) policyMatcher(key, (m) => problem(['modes', key], m));
    }
    throw new AllowlistError(source, problems);
  }

  const allow: CompiledEntry[] = [];
  parsed.data.allow.forEach((entry, index) => {
    const matchesPolicy = policyMatcher(entry.policy, (m) => problem(['allow', index, 'policy'], m));
    const slash = entry.principal.indexOf('/');
    const type = entry.principal.slice(0, slash) as PrincipalType;
    const name = entry.principal.slice(slash + 1);
    const byArn = type === 'permission-set' && name.startsWith('arn:');
    checkPermissionSetArn(entry.principal, (m) => problem(['allow', index, 'principal'], m));
    checkReason(entry.reason, (m) => problem(['allow', index, 'reason'], m));
    allow.push({
      index,
      ...entry,
      matchesPolicy: matchesPolicy ?? (() => false),
      principalType: type,
      matchesPrincipalBy: byArn ? 'arn' : 'name',
      matchesPrincipalName: byArn ? compileArnGlob(name) : compileGlob(name),
      matchesActor: entry.attachedBy === undefined ? null : compileArnGlob(entry.attachedBy),
      expiresAt: entry.expires === undefined ? null : Date.parse(`${entry.expires}T00:00:00Z`) + DAY_MS,
    });
  });

  const modes: ModeOverride[] = [];
  for (const [key, mode] of Object.entries(parsed.data.modes)) {
    if (key === '*') {
      problem(['modes', key], 'use the top-level "mode" for every policy; modes keys name one policy');
      continue;
    }
    const matchesPolicy = policyMatcher(key, (m) => problem(['modes', key], m));
    if (matchesPolicy) modes.push({ key, mode, matchesPolicy, specific: key.startsWith('arn:') });
  }
  // Two keys for the same policy with different modes would leave the file order to decide: refuse.
  const conflicts = new Set<string>();
  for (const p of CATALOG) {
    for (const partition of ['aws', 'aws-cn', 'aws-us-gov'] as const) {
      const arn = { partition, account: 'aws', path: p.path, name: p.name };
      for (const specific of [true, false]) {
        const keys = modes.filter((m) => m.specific === specific && m.matchesPolicy(arn));
        const pair = `${keys[0]?.key}\u0000${keys[1]?.key}`;
        if (new Set(keys.map((m) => m.mode)).size > 1 && !conflicts.has(pair)) {
          conflicts.add(pair);
          problem(['modes', keys[1]!.key], `conflicts with "${keys[0]!.key}": both name ${qualifiedName(arn)} with different modes`);
        }
      }
    }
  }

  if (problems.length > 0) throw new AllowlistError(source, problems);
  const allowlist: Allowlist = Object.freeze({
    source,
    version: 1,
    mode: parsed.data.mode,
    scope: parsed.data.scope,
    modes: Object.freeze(modes),
    allow: Object.freeze(allow),
  });
  return { allowlist, document: parsed.data };
}

const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor']);

/** The paths of every `__proto__` or `constructor` key, at any depth (an iterative walk). */
function prototypeKeys(raw: unknown): PropertyKey[][] {
  const found: PropertyKey[][] = [];
  const stack: { value: unknown; path: PropertyKey[] }[] = [{ value: raw, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path } = item;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      value.forEach((child, index) => stack.push({ value: child, path: [...path, index] }));
      continue;
    }
    for (const key of Object.getOwnPropertyNames(value)) {
      if (PROTOTYPE_KEYS.has(key)) found.push([...path, key]);
      else stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return found.reverse();
}

/** Where a path of the file is, for a problem: the entry (with its principal) and field, `modes`, or the top level. */
function describePath(path: readonly PropertyKey[], raw: unknown): { where: string; field: string | null } {
  if (path[0] === 'allow' && typeof path[1] === 'number') {
    const index = path[1];
    const principal = (raw as { allow?: { principal?: unknown }[] } | null)?.allow?.[index]?.principal;
    const where = typeof principal === 'string' ? `allow[${index}] (${principal})` : `allow[${index}]`;
    return { where, field: path.length > 2 ? String(path[2]) : null };
  }
  if (path[0] === 'modes' && path.length > 1) return { where: 'modes', field: String(path[1]) };
  return { where: 'top level', field: path.length > 0 ? path.map(String).join('.') : null };
}

/**
 * Compiles an entry's `policy` (or a `modes` key) into a matcher over parsed policy ARNs.
 * Names resolve through the catalog, so a misspelt name is an error rather than an entry that never matches.
 */
function policyMatcher(policy: string, report: (message: string) => void): ((arn: PolicyArn) => boolean) | null {
  if (policy === '*') return () => true;
  if (policy.startsWith('arn:')) {
    const wanted = parsePolicyArn(policy);
    if (!wanted) {
      report(`"${policy}" is not an IAM policy ARN (arn:PARTITION:iam::aws:policy/[PATH/]NAME)`);
      return null;
    }
    if (wanted.account !== 'aws') {
      report(`"${policy}" is a customer managed policy; only AWS managed IoT policies are governed, so this can never match`);
      return null;
    }
    if (!hasIotPrefix(wanted.name) && catalogPoliciesNamed(wanted.name).length === 0) {
      report(`"${policy}" is not an AWS IoT managed policy, so it is never governed and this can never match`);
      return null;
    }
    const known = catalogPoliciesNamed(wanted.name);
    if (known.length > 0 && !known.some((p) => p.path === wanted.path)) {
      // e.g. arn:aws:iam::aws:policy/AWSIoTLogging: a typo of the path that would never match the real policy.
      const right = known.map((p) => `arn:${wanted.partition}:iam::aws:policy${p.path}${p.name}`).join(' or ');
      report(`"${policy}" names ${wanted.name} at the wrong path, so it would never match; the policy is ${right}`);
      return null;
    }
    return (arn) =>
      arn.partition === wanted.partition && arn.account === 'aws' && arn.path === wanted.path && sameName(arn.name, wanted.name);
  }
  const slash = policy.lastIndexOf('/');
  const name = policy.slice(slash + 1);
  const path = slash < 0 ? null : `/${policy.slice(0, slash + 1)}`;
  const known = catalogPoliciesNamed(name).filter((p) => path === null || p.path === path);
  if (known.length === 0) {
    const suggestion = closestPolicyName(policy);
    const hint = suggestion ? ` Did you mean "${suggestion}"?` : '';
    report(
      `unknown policy "${policy}": not in the catalog of AWS IoT managed policies.${hint} ` +
        'For a policy newer than the catalog, give its full ARN.',
    );
    return null;
  }
  const paths = new Set(known.map((p) => p.path));
  return (arn) => arn.account === 'aws' && sameName(arn.name, name) && paths.has(arn.path);
}

/** A reason must say why: the placeholder of a suggested entry does not. */
function checkReason(reason: string, report: (message: string) => void): void {
  if (reason.trim().toLowerCase() === PLACEHOLDER_REASON.toLowerCase()) {
    report(`still the placeholder "${PLACEHOLDER_REASON}" of a suggested entry: write why this attachment is approved`);
  }
}

/** A `permission-set/arn:...` principal must be a permission set ARN glob. */
function checkPermissionSetArn(principal: string, report: (message: string) => void): void {
  const name = principal.slice(principal.indexOf('/') + 1);
  if (principal.startsWith('permission-set/arn:') && !PERMISSION_SET_ARN_GLOB.test(name)) {
    report(`"${name}" is not a permission set ARN glob (arn:PARTITION:sso:::permissionSet/ssoins-ID/ps-ID, * and ? allowed)`);
  }
}

function closestPolicyName(wanted: string): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(3, Math.floor(wanted.length / 5)) + 1;
  for (const p of CATALOG) {
    for (const candidate of [p.name, qualifiedName(p)]) {
      const d = editDistance(wanted.toLowerCase(), candidate.toLowerCase());
      if (d < bestDistance) [best, bestDistance] = [candidate, d];
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (a typo?)`;
  }
  const hint = accountHint(issue.path, raw) ?? entryHint(issue, raw);
  if (hint) return hint;
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return 'is required';
  return issue.message;
}

const IAM_PRINCIPAL_ARN = /^arn:[a-z-]+:iam::(\d{12}):(user|role|group)\/(?:[^/]+\/)*([^/]+)$/;

/** What a mistyped principal or date most likely meant. */
function entryHint(issue: z.core.$ZodIssue, raw: unknown): string | null {
  const [list, index, field] = issue.path;
  if (list !== 'allow' || typeof index !== 'number' || issue.path.length !== 3) return null;
  const value = (raw as { allow: Record<string, unknown>[] }).allow[index]?.[field as string];
  if (typeof value !== 'string') return null;
  if (field === 'principal') {
    const arn = IAM_PRINCIPAL_ARN.exec(value);
    if (arn) return `${issue.message}; did you mean "${arn[2]}/${arn[3]}" with account: "${arn[1]}"?`;
    if (/^[\w+=,.@*?-]+$/.test(value)) return `${issue.message}; did you mean "role/${value}", "user/${value}" or "group/${value}"?`;
  }
  if (field === 'expires' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return `no such date: ${value} (expected a real date YYYY-MM-DD)`;
  return null;
}

// YAML reads an unquoted 123456789012 as a number, and one with a leading zero loses it: say so plainly.
function accountHint(path: readonly PropertyKey[], raw: unknown): string | null {
  if (path.length !== 3 || path[0] !== 'allow' || path[2] !== 'account') return null;
  const value = (raw as { allow: Record<string, unknown>[] }).allow[path[1] as number]?.account;
  return typeof value === 'number' ? 'account ids must be quoted strings, e.g. "012345678901" (unquoted, YAML reads a number and drops leading zeros)' : null;
}

function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | null {
  const { isNode } = yamlLibrary();
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}
