/**
 * The deploy's view of the policy catalog: the EventBridge patterns that route attach calls (IAM's, and IAM Identity
 * Center's permission-set attaches) to attach-guard, the IAM
 * statements that let the functions detach, and the statements that let the sweep list who holds each policy, all
 * generated from functions/core/catalog.ts so that none holds a hand-copied ARN list. serverless.yml reads them through
 * template-values.cjs; the tests import them from here.
 *
 * The pattern and the detach statements are built from the same matchers, so the rule never delivers a policy the
 * function may not detach and the function may detach nothing the rule does not deliver.
 */
import { CATALOG, governedArns, hasIotPrefix } from '../functions/core/catalog.js';
import { SSO_EVENT_SOURCE } from '../functions/core/identity-center.js';
import { ATTACH_EVENT_NAMES, PERMISSION_SET_ATTACH_EVENT, type Scope } from '../functions/core/types.js';

/** Substituted by CloudFormation (`Fn::Sub`), so one template serves aws, aws-cn and aws-us-gov. */
export const PARTITION = '${AWS::Partition}';
export const ACCOUNT_ID = '${AWS::AccountId}';

/** The scope the deployed rule and IAM condition cover. `seed` is a subset, so an allowlist may narrow it further. */
export const DEPLOYED_SCOPE: Scope = 'aws-iot';

export const DETACH_ACTIONS = ['iam:DetachGroupPolicy', 'iam:DetachRolePolicy', 'iam:DetachUserPolicy'] as const;

/** The sweep's IAM reads (functions/aws/list-entities.ts): which AWS managed policies are attached, who holds one. */
export const LIST_ACTIONS = ['iam:ListPolicies', 'iam:ListEntitiesForPolicy'] as const;

export interface GovernedArnMatchers {
  /** ARN patterns whose `*` matches any run of characters (IAM `ArnLike`, EventBridge `wildcard`). */
  readonly wildcards: readonly string[];
  /** ARNs that no wildcard covers, matched exactly (IAM `ArnEquals`, EventBridge exact match). */
  readonly exact: readonly string[];
}

/**
 * The policy ARNs a scope governs, as wildcards plus exact ARNs.
 *
 * `aws-iot` governs names starting with AWSIoT in any letter case, at any path. IAM's ArnLike and EventBridge's
 * wildcard are both case-sensitive, so the rule covers each spelling the catalog uses (AWSIoT, and AWSIot for
 * RoboRunner), at the root path (`policy/AWSIoT*`) and under any path (a `*` between `policy/` and `/AWSIoT*`). A
 * future policy spelt some third way would be governed by the function but never delivered, until the catalog lists
 * it. The catalog members outside the prefix (Greengrass, FreeRTOS, ...) are listed by exact ARN, path included.
 */
export function governedArnMatchers(scope: Scope, partition: string = PARTITION): GovernedArnMatchers {
  const inPartition = (arn: string): string => arn.replace(/^arn:aws:/, `arn:${partition}:`);
  if (scope === 'seed') return { wildcards: [], exact: governedArns('seed').map(inPartition).sort() };

  const spellings = [
    ...new Set(CATALOG.filter((p) => hasIotPrefix(p.name)).map((p) => p.name.slice(0, 'AWSIoT'.length))),
  ].sort();
  const wildcards = spellings.flatMap((prefix) => [
    `arn:${partition}:iam::aws:policy/${prefix}*`,
    `arn:${partition}:iam::aws:policy/*/${prefix}*`,
  ]);
  const exact = CATALOG.filter((p) => !spellings.some((prefix) => p.name.startsWith(prefix)))
    .map((p) => inPartition(`arn:aws:iam::aws:policy${p.path}${p.name}`))
    .sort();
  return { wildcards, exact };
}

/**
 * The EventBridge pattern of attach-guard's rule: successful or failed attach calls recorded by CloudTrail whose
 * policy is governed. Failed calls without request parameters (AccessDenied) carry no policy ARN and do not match.
 */
export function attachEventPattern(
  scope: Scope = DEPLOYED_SCOPE,
  partition: string = PARTITION,
): Record<string, unknown> {
  return {
    source: ['aws.iam'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: ['iam.amazonaws.com'],
      eventName: [...ATTACH_EVENT_NAMES],
      requestParameters: { policyArn: policyArnPatternValues(scope, partition) },
    },
  };
}

/**
 * The EventBridge pattern of attach-guard's IAM Identity Center rule (and of the member template's forwarding rule in
 * the Identity Center Region): AttachManagedPolicyToPermissionSet calls recorded by CloudTrail whose
 * `managedPolicyArn` is governed, matched by the same matchers as the IAM pattern. As there, a failed call without
 * request parameters carries no policy ARN and does not match.
 */
export function permissionSetEventPattern(
  scope: Scope = DEPLOYED_SCOPE,
  partition: string = PARTITION,
): Record<string, unknown> {
  return {
    source: ['aws.sso'],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: [SSO_EVENT_SOURCE],
      eventName: [PERMISSION_SET_ATTACH_EVENT],
      requestParameters: { managedPolicyArn: policyArnPatternValues(scope, partition) },
    },
  };
}

/** The governed policy ARNs as the values of an EventBridge pattern field: `wildcard` matchers, then exact ARNs. */
function policyArnPatternValues(scope: Scope, partition: string): (string | { wildcard: string })[] {
  const { wildcards, exact } = governedArnMatchers(scope, partition);
  return [...wildcards.map((wildcard) => ({ wildcard })), ...exact];
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Record<string, Record<string, readonly string[]>>;
}

/**
 * The statements that let attach-guard detach a governed policy from this account's users, roles and groups, and
 * nothing else. Two statements because the conditions of one statement are ANDed.
 */
export function detachPolicyStatements(
  scope: Scope = DEPLOYED_SCOPE,
  partition: string = PARTITION,
  account: string = ACCOUNT_ID,
): PolicyStatement[] {
  const { wildcards, exact } = governedArnMatchers(scope, partition);
  const Resource = ['user', 'role', 'group'].map((type) => `arn:${partition}:iam::${account}:${type}/*`);
  const statements: PolicyStatement[] = [];
  if (wildcards.length > 0) {
    statements.push({
      Sid: 'DetachGovernedPoliciesByName',
      Effect: 'Allow',
      Action: DETACH_ACTIONS,
      Resource,
      Condition: { ArnLike: { 'iam:PolicyARN': wildcards } },
    });
  }
  if (exact.length > 0) {
    statements.push({
      Sid: 'DetachGovernedPoliciesByArn',
      Effect: 'Allow',
      Action: DETACH_ACTIONS,
      Resource,
      Condition: { ArnEquals: { 'iam:PolicyARN': exact } },
    });
  }
  return statements;
}

/**
 * The statements that let the sweep read what it must, and nothing else:
 *
 * - `iam:ListPolicies` on `*`. IAM defines no resource type for ListPolicies (Service Authorization Reference), so a
 *   statement naming any resource would never match and `*` is the only working value: alone in its statement, it
 *   grants that one read and nothing else. It lists policy metadata (names, ARNs, attachment counts), never who holds
 *   a policy nor what a policy allows.
 * - `iam:ListEntitiesForPolicy` on the governed policies only, with the matchers the detach statements and the event
 *   pattern use (`governedArnMatchers`): under `aws-iot`, AWS-owned policies (`iam::aws:`, so never a customer's
 *   lookalike) named with the `AWSIoT`/`AWSIot` prefix at any path, which covers the policies AWS adds after the
 *   catalog was compiled, plus the catalog members outside the prefix by exact ARN; under `seed`, the ten exact ARNs.
 *   IAM's `*` also crosses `/`, so `policy/AWSIoT*` would match an AWS path starting with that prefix too; it is the
 *   narrowest IAM can express, and it is a read of AWS's own policies only. A governed name spelt in a third letter
 *   case would be denied (the sweep then fails loudly), exactly as the rule would not deliver it.
 */
export function listPolicyStatements(scope: Scope = DEPLOYED_SCOPE, partition: string = PARTITION): PolicyStatement[] {
  const { wildcards, exact } = governedArnMatchers(scope, partition);
  return [
    { Sid: 'ListAttachedPolicies', Effect: 'Allow', Action: ['iam:ListPolicies'], Resource: ['*'] },
    {
      Sid: 'ListGovernedPolicyHolders',
      Effect: 'Allow',
      Action: ['iam:ListEntitiesForPolicy'],
      Resource: [...wildcards, ...exact],
    },
  ];
}

/** Wraps every string that names a CloudFormation pseudo parameter in `Fn::Sub`, leaving the rest as it is. */
export function toCloudFormation(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('${AWS::') ? { 'Fn::Sub': value } : value;
  if (Array.isArray(value)) return value.map(toCloudFormation);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toCloudFormation(inner)]));
  }
  return value;
}
