/**
 * Which policies iot-policy-guard governs. The data lives in catalog-data.ts; this module answers questions about it.
 *
 * - `seed`: exactly the ten AWS IoT managed policies of the AWS IoT developer guide, at their exact paths.
 * - `aws-iot`: every AWS managed policy whose name starts with `AWSIoT` (case-insensitively, any path), plus the
 *   family members in the catalog whose names do not (Greengrass, FreeRTOS, ...), at their exact paths.
 *   Only AWS can create policies in the `aws` namespace, so the prefix rule is safe and covers policies AWS adds later.
 *
 * Customer managed policies (a 12-digit account in the ARN) are never governed, whatever their name.
 */
import { parsePolicyArn, awsManagedPolicyArn, qualifiedName, type Partition, type PolicyArn } from './arn.js';
import { CATALOG, type CatalogPolicy, type Risk } from './catalog-data.js';
import type { Scope } from './types.js';

export { CATALOG, CATALOG_COMPILED, type CatalogPolicy, type Risk } from './catalog-data.js';

const IOT_PREFIX = 'awsiot';

// Keyed by the name in lower case: a policy named in any letter case is the policy it names (whether IAM accepts such a
// spelling is not known, so the guard never lets one slip through). Paths stay exact.
const key = (name: string): string => name.toLowerCase();
const byQualifiedName = new Map<string, CatalogPolicy>(CATALOG.map((p) => [`${p.path}${key(p.name)}`, p]));
const byName = new Map<string, CatalogPolicy[]>();
for (const p of CATALOG) byName.set(key(p.name), [...(byName.get(key(p.name)) ?? []), p]);

/** The ten seed policies. */
export const SEED_POLICIES: readonly CatalogPolicy[] = CATALOG.filter((p) => p.seed);

/** The catalog entry for a parsed AWS managed policy ARN (exact path, name in any letter case), if any. */
export function findCatalogPolicy(arn: PolicyArn): CatalogPolicy | undefined {
  return arn.account === 'aws' ? byQualifiedName.get(`${arn.path}${key(arn.name)}`) : undefined;
}

/** Catalog entries with this name, in any letter case (any path). */
export function catalogPoliciesNamed(name: string): readonly CatalogPolicy[] {
  return byName.get(key(name)) ?? [];
}

/** Whether two policy names name the same policy: letter case does not count. */
export function sameName(a: string, b: string): boolean {
  return key(a) === key(b);
}

/** True when an AWS managed policy name falls under the `aws-iot` prefix rule. */
export function hasIotPrefix(name: string): boolean {
  return name.toLowerCase().startsWith(IOT_PREFIX);
}

/** Whether a policy ARN is governed under a scope. Anything that is not a policy ARN is not governed. */
export function isGoverned(policyArn: string | PolicyArn | null, scope: Scope): boolean {
  const arn = typeof policyArn === 'string' || policyArn === null ? parsePolicyArn(policyArn) : policyArn;
  if (arn?.account !== 'aws') return false;
  const known = findCatalogPolicy(arn);
  if (scope === 'seed') return known?.seed === true;
  return known !== undefined || hasIotPrefix(arn.name);
}

// Loosely `arn:PARTITION:iam::aws:policy/...`, for telling an unreadable ARN that names an IoT policy from noise.
const LOOSE_POLICY_ARN = /^arn:([^:]*):iam::aws:policy\/(.*)$/su;
// Whitespace and invisible characters (zero-width space, BOM, bidi marks, ...), which no policy ARN contains.
const INVISIBLE = /[\s\p{Cc}\p{Cf}\p{Z}]/gu;

/**
 * For a policy ARN that does not parse: the AWS IoT managed policy it seems to name (path-qualified), read loosely
 * (without whitespace and invisible characters, empty path segments and a trailing slash), or null. Such an ARN is
 * never acted on, but it is not ignored either: the rule delivers it, and whether IAM resolved it to the policy it
 * names cannot be told from the event.
 */
export function governedPolicyNamedBy(text: string): string | null {
  const m = LOOSE_POLICY_ARN.exec(text.replace(INVISIBLE, ''));
  if (!m) return null;
  const segments = (m[2] ?? '').split('/').filter((segment) => segment !== '');
  const name = segments.pop();
  if (name === undefined) return null;
  const arn = parsePolicyArn(awsManagedPolicyArn(segments.length > 0 ? `/${segments.join('/')}/` : '/', name, 'aws'));
  return arn && isGoverned(arn, 'aws-iot') ? qualifiedName(arn) : null;
}

/** Risk of a governed policy: from the catalog, else guessed from its name (policies AWS added after compilation). */
export function riskOf(arn: PolicyArn): Risk {
  const known = findCatalogPolicy(arn);
  if (known) return known.risk;
  if (/readonly/i.test(arn.name)) return 'read-only';
  return /fullaccess/i.test(arn.name) ? 'full' : 'write';
}

/**
 * The ARNs a scope names explicitly, in a partition: the seed ten, or every catalog member. What the deploy's event
 * pattern and IAM statements are generated from (the sweep lists only the governed policies IAM says are attached,
 * `governedAttached`, which under `aws-iot` may include policies AWS added after the catalog was compiled).
 */
export function governedArns(scope: Scope, partition: PolicyArn['partition'] = 'aws'): string[] {
  const policies = scope === 'seed' ? SEED_POLICIES : CATALOG;
  return policies.map((p) => awsManagedPolicyArn(p.path, p.name, partition));
}

/** An AWS managed policy as IAM's ListPolicies reports it; `attachmentCount` undefined when IAM left it out. */
export interface AttachedPolicy {
  readonly arn: string;
  readonly attachmentCount: number | undefined;
}

/**
 * What the sweep lists the holders of: the governed policies (exact ARN matching, as everywhere) among the attached
 * AWS managed policies IAM reported, in the swept partition, without duplicates, in IAM's order. A policy IAM reports
 * as attached to nothing (AttachmentCount 0, e.g. used only as a permissions boundary) is left out; one without a
 * count is kept, since ListPolicies was asked for attached policies only and one call too many is cheaper than a miss.
 */
export function governedAttached(policies: readonly AttachedPolicy[], scope: Scope, partition: Partition): string[] {
  const out = new Set<string>();
  for (const { arn, attachmentCount } of policies) {
    if (attachmentCount === 0) continue;
    const parsed = parsePolicyArn(arn);
    if (parsed?.partition === partition && isGoverned(parsed, scope)) out.add(arn);
  }
  return [...out];
}
