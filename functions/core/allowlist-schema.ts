/**
 * The allowlist file format as a zod schema, and the validation of a parsed file against it with messages people can
 * act on (hints for a mistyped principal, date or account). Used where a person's file is read: the CLI and the
 * package step. The deployed functions never load it: they read the document the deploy validated
 * (allowlist-shipped.ts).
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import {
  AllowlistError,
  describePath,
  type AllowlistDocument,
  type AllowlistPath,
  type AllowlistProblem,
  type LineOfPath,
} from './allowlist.js';
import { checkPermissionSetArn, checkReason } from './allowlist-compile.js';
import { policyMatcher } from './allowlist-policy.js';
import { described } from './zod.js';

// zod/mini loads no locale by itself; the allowlist's problems are reported with zod's English messages.
// jitless: on its first parse, zod compiles a fast parser for each object schema with `new Function`. An allowlist is
// parsed once per run, where that compilation cost more than it saved (bench/RESULTS.md).
z.config({ ...en(), jitless: true });

// IAM user, role and group names: letters, digits and +=,.@_- ; the allowlist adds the globs * and ?. A permission
// set is named by a glob over its name (same characters) or, starting with `arn:`, over its ARN.
const PRINCIPAL =
  /^(?:(?:user|role|group)\/[\w+=,.@*?-]{1,128}|permission-set\/(?:arn:[\w+=,.@:/*?-]{1,1224}|[\w+=,.@*?-]{1,128}))$/;

const modeSchema = z.enum(['alert', 'remediate']);

const entrySchema = described(
  z.strictObject({
    policy: described(
      z.string().check(z.minLength(1)),
      'Policy name (any partition, e.g. AWSIoTDataAccess or service-role/AWSIoTLogging), full policy ARN, or "*" for ' +
        'any governed policy.',
    ),
    principal: described(
      z
        .string()
        .check(
          z.regex(
            PRINCIPAL,
            'expected user/NAME, role/NAME, group/NAME or permission-set/NAME-or-ARN (NAME may use * and ?)',
          ),
        ),
      'user/NAME, role/NAME, group/NAME or permission-set/NAME; NAME may use * (any run, also empty) and ? (one ' +
        'character). ' +
        'An IAM Identity Center permission set: permission-set/NAME matches its name, permission-set/arn:... its ARN.',
    ),
    account: described(
      z.optional(
        z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account id in quotes, e.g. "123456789012"')),
      ),
      'Only in this AWS account (12 digits, quoted).',
    ),
    attachedBy: described(
      z.optional(z.string().check(z.minLength(1))),
      'Glob matched against the caller: userIdentity.arn or sessionContext.sessionIssuer.arn.',
    ),
    expires: described(
      z.optional(z.iso.date('expected a date YYYY-MM-DD')),
      'Allows through the end of this day, UTC (YYYY-MM-DD).',
    ),
    reason: described(
      z.string().check(z.trim(), z.minLength(1, 'a reason is required')),
      'Why this attachment is approved.',
    ),
    ticket: described(z.optional(z.string().check(z.minLength(1))), 'Change or approval ticket, e.g. SEC-123.'),
  }),
  'One approved (principal, policy) pair.',
);

/** The allowlist file format. `infra/allowlist.schema.json` is generated from this. */
export const allowlistSchema = described(
  z.strictObject({
    version: described(z.literal(1), 'Format version; always 1.'),
    mode: described(
      z._default(modeSchema, 'alert'),
      'What a violation gets: alert (default) or remediate (detach, then alert).',
    ),
    scope: described(
      z._default(z.enum(['aws-iot', 'seed']), 'aws-iot'),
      'aws-iot (default): every AWS IoT managed policy; seed: exactly the ten of the AWS IoT developer guide.',
    ),
    modes: described(
      z._default(z.record(z.string().check(z.minLength(1)), modeSchema), {}),
      'Per-policy override of mode; key = policy name or full ARN.',
    ),
    allow: described(
      z._default(z.array(entrySchema), []),
      'Approved attachments. Anything governed and not listed is a violation.',
    ),
  }),
  'iot-policy-guard allowlist',
);

export type AllowlistInput = z.input<typeof allowlistSchema>;

// The document type the rest of the core uses is written out in allowlist.ts (no zod there): it must be the schema's.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Output = z.output<typeof allowlistSchema>;
type Entry = AllowlistDocument['allow'][number];
const documentIsTheSchemasOutput: [
  Same<Output, Omit<AllowlistDocument, 'allow'> & { allow: Entry[] }>,
  Same<keyof Output['allow'][number], keyof Entry>,
] = [true, true];
void documentIsTheSchemasOutput;

/**
 * Validates a parsed allowlist file (from YAML or JSON) against the schema; throws AllowlistError naming every problem,
 * the policies of a file that fails the schema included, so that one run reports them all.
 */
export function validateAllowlist(raw: unknown, source: string, lineOfPath: LineOfPath): AllowlistDocument {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AllowlistError(source, [
      { where: 'file', field: null, line: null, message: 'expected a mapping with version: 1 and an allow list' },
    ]);
  }
  const problems: AllowlistProblem[] = [];
  const problem = (path: AllowlistPath, message: string): void => {
    problems.push({ ...describePath(path, raw), line: lineOfPath(path), message });
  };
  // Refused before anything reads the file: such a key is dropped or misread by the code below (zod, Object.entries).
  for (const path of prototypeKeys(raw)) {
    problem(
      path,
      `key "${String(path[path.length - 1])}" is not allowed: it names a property of every JavaScript object`,
    );
  }
  if (problems.length > 0) throw new AllowlistError(source, problems);

  const parsed = allowlistSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    problem(path, describeIssue(issue, raw));
  }
  const rawList = raw as { allow?: unknown; modes?: unknown };
  if (Array.isArray(rawList.allow)) {
    rawList.allow.forEach((entry: unknown, index) => {
      const { policy, principal, reason } = (entry ?? {}) as {
        policy?: unknown;
        principal?: unknown;
        reason?: unknown;
      };
      if (typeof policy === 'string' && policy !== '')
        policyMatcher(policy, (m) => problem(['allow', index, 'policy'], m));
      if (typeof reason === 'string') checkReason(reason, (m) => problem(['allow', index, 'reason'], m));
      if (typeof principal === 'string' && PRINCIPAL.test(principal))
        checkPermissionSetArn(principal, (m) => problem(['allow', index, 'principal'], m));
    });
  }
  if (rawList.modes !== null && typeof rawList.modes === 'object') {
    for (const key of Object.keys(rawList.modes)) policyMatcher(key, (m) => problem(['modes', key], m));
  }
  throw new AllowlistError(source, problems);
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
      for (const [index, child] of value.entries()) stack.push({ value: child, path: [...path, index] });
      continue;
    }
    for (const key of Object.getOwnPropertyNames(value)) {
      if (PROTOTYPE_KEYS.has(key)) found.push([...path, key]);
      else stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return found.reverse();
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
    if (/^[\w+=,.@*?-]+$/.test(value))
      return `${issue.message}; did you mean "role/${value}", "user/${value}" or "group/${value}"?`;
  }
  if (field === 'expires' && /^\d{4}-\d{2}-\d{2}$/.test(value))
    return `no such date: ${value} (expected a real date YYYY-MM-DD)`;
  return null;
}

// YAML reads an unquoted 123456789012 as a number, and one with a leading zero loses it: say so plainly.
function accountHint(path: AllowlistPath, raw: unknown): string | null {
  if (path.length !== 3 || path[0] !== 'allow' || path[2] !== 'account') return null;
  const value = (raw as { allow: Record<string, unknown>[] }).allow[path[1] as number]?.account;
  return typeof value === 'number'
    ? 'account ids must be quoted strings, e.g. "012345678901" (unquoted, YAML reads a number and drops leading zeros)'
    : null;
}
