/**
 * An allowlist's `policy` (and a `modes` key), resolved to a matcher over parsed policy ARNs. Names resolve through the
 * catalog, so a misspelt name is an error (with the closest name as a hint) rather than an entry that never matches.
 */
import { parsePolicyArn, qualifiedName, type PolicyArn } from './arn.js';
import { catalogPoliciesNamed, CATALOG, hasIotPrefix, sameName } from './catalog.js';

export type PolicyMatcher = (arn: PolicyArn) => boolean;

/** Compiles a policy name, full ARN or `*`; reports why it can never match and returns null instead. */
export function policyMatcher(policy: string, report: (message: string) => void): PolicyMatcher | null {
  if (policy === '*') return () => true;
  if (policy.startsWith('arn:')) return arnMatcher(policy, report);
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

function arnMatcher(policy: string, report: (message: string) => void): PolicyMatcher | null {
  const wanted = parsePolicyArn(policy);
  if (!wanted) {
    report(`"${policy}" is not an IAM policy ARN (arn:PARTITION:iam::aws:policy/[PATH/]NAME)`);
    return null;
  }
  if (wanted.account !== 'aws') {
    report(
      `"${policy}" is a customer managed policy; only AWS managed IoT policies are governed, so this can never match`,
    );
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
    arn.partition === wanted.partition &&
    arn.account === 'aws' &&
    arn.path === wanted.path &&
    sameName(arn.name, wanted.name);
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
