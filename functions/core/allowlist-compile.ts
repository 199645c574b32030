/**
 * Compiling a validated allowlist document into the Allowlist that decide() uses: a matcher for every policy, principal
 * and actor glob, expiry instants, and the per-policy modes. It also refuses what a schema cannot see: names missing
 * from the catalog, placeholder reasons, permission-set ARN globs of another service, and `modes` keys that name one
 * policy with different modes. No zod: the deployed functions compile the document the deploy ships.
 */
import { qualifiedName } from './arn.js';
import { CATALOG } from './catalog.js';
import {
  AllowlistError,
  describePath,
  PLACEHOLDER_REASON,
  type Allowlist,
  type AllowlistDocument,
  type AllowlistPath,
  type AllowlistProblem,
  type CompiledEntry,
  type LineOfPath,
  type ModeOverride,
} from './allowlist.js';
import { policyMatcher } from './allowlist-policy.js';
import { compileArnGlob, compileGlob } from './glob.js';
import type { PrincipalType } from './types.js';

const DAY_MS = 86_400_000;
const PERMISSION_SET_ARN_GLOB = /^arn:[a-z*?-]*:sso:::/;

/** Compiles a validated document; throws AllowlistError naming every problem (with its line where lineOfPath knows). */
export function compileAllowlist(
  document: AllowlistDocument,
  source: string,
  lineOfPath: LineOfPath = () => null,
): Allowlist {
  const problems: AllowlistProblem[] = [];
  const problem = (path: AllowlistPath, message: string): void => {
    problems.push({ ...describePath(path, document), line: lineOfPath(path), message });
  };

  const allow: CompiledEntry[] = [];
  document.allow.forEach((entry, index) => {
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
  for (const [key, mode] of Object.entries(document.modes)) {
    if (key === '*') {
      problem(['modes', key], 'use the top-level "mode" for every policy; modes keys name one policy');
      continue;
    }
    const matchesPolicy = policyMatcher(key, (m) => problem(['modes', key], m));
    if (matchesPolicy) modes.push({ key, mode, matchesPolicy, specific: key.startsWith('arn:') });
  }
  reportModeConflicts(modes, problem);

  if (problems.length > 0) throw new AllowlistError(source, problems);
  return Object.freeze({
    source,
    version: 1,
    mode: document.mode,
    scope: document.scope,
    modes: Object.freeze(modes),
    allow: Object.freeze(allow),
  });
}

// Two keys for the same policy with different modes would leave the file order to decide: refuse.
function reportModeConflicts(
  modes: readonly ModeOverride[],
  problem: (path: AllowlistPath, message: string) => void,
): void {
  // A conflict takes two keys of one kind (ARN or name): with fewer, the catalog need not be walked (a cold start).
  if (![true, false].some((specific) => modes.filter((m) => m.specific === specific).length > 1)) return;
  const conflicts = new Set<string>();
  for (const p of CATALOG) {
    for (const partition of ['aws', 'aws-cn', 'aws-us-gov'] as const) {
      const arn = { partition, account: 'aws', path: p.path, name: p.name };
      for (const specific of [true, false]) {
        const keys = modes.filter((m) => m.specific === specific && m.matchesPolicy(arn));
        const pair = `${keys[0]?.key}\u0000${keys[1]?.key}`;
        if (new Set(keys.map((m) => m.mode)).size > 1 && !conflicts.has(pair)) {
          conflicts.add(pair);
          problem(
            ['modes', keys[1]!.key],
            `conflicts with "${keys[0]!.key}": both name ${qualifiedName(arn)} with different modes`,
          );
        }
      }
    }
  }
}

/** A reason must say why: the placeholder of a suggested entry does not. */
export function checkReason(reason: string, report: (message: string) => void): void {
  if (reason.trim().toLowerCase() === PLACEHOLDER_REASON.toLowerCase()) {
    report(`still the placeholder "${PLACEHOLDER_REASON}" of a suggested entry: write why this attachment is approved`);
  }
}

/** A `permission-set/arn:...` principal must be a permission set ARN glob. */
export function checkPermissionSetArn(principal: string, report: (message: string) => void): void {
  const name = principal.slice(principal.indexOf('/') + 1);
  if (principal.startsWith('permission-set/arn:') && !PERMISSION_SET_ARN_GLOB.test(name)) {
    report(
      `"${name}" is not a permission set ARN glob (arn:PARTITION:sso:::permissionSet/ssoins-ID/ps-ID, * and ? allowed)`,
    );
  }
}
