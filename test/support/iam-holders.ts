/**
 * An account's IAM as the sweep reads it, for unit tests that stub the IAM client with aws-sdk-client-mock: a table
 * of policy ARN -> holders answers both ListPolicies (Scope AWS, OnlyAttached: the AWS managed policies of the table
 * that someone holds, with their AttachmentCount) and ListEntitiesForPolicy, each paged by MaxItems and Marker as IAM
 * pages. `'missing'` makes ListEntitiesForPolicy say NoSuchEntity (a policy gone between the two listings).
 */
import {
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  NoSuchEntityException,
  type IAMClient,
  type ListEntitiesForPolicyCommandInput,
  type ListEntitiesForPolicyCommandOutput,
  type ListPoliciesCommandInput,
  type ListPoliciesCommandOutput,
} from '@aws-sdk/client-iam';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { parsePolicyArn } from '../../functions/core/arn.js';

export type Holders = Record<
  string,
  { users?: readonly string[]; roles?: readonly string[]; groups?: readonly string[] } | 'missing'
>;

function page<T>(
  all: readonly T[],
  input: { Marker?: string | undefined; MaxItems?: number | undefined },
): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const start = Number(input.Marker ?? 0);
  const items = all.slice(start, start + (input.MaxItems ?? 100));
  const more = all.length > start + items.length;
  return { items, IsTruncated: more, ...(more ? { Marker: String(start + items.length) } : {}) };
}

const count = (entry: Holders[string]): number =>
  entry === 'missing' ? 1 : (entry.users?.length ?? 0) + (entry.roles?.length ?? 0) + (entry.groups?.length ?? 0);

/**
 * Answers ListPolicies and ListEntitiesForPolicy from `holders`. `alsoAttached` adds AWS managed policies to the
 * ListPolicies answer as they are given (e.g. an AttachmentCount of 0, or none at all). Returns the ListPolicies
 * inputs as each call sent them (the SDK's paginator reuses one input object across pages).
 */
export function holdIn(
  iam: AwsClientStub<IAMClient>,
  holders: Holders,
  alsoAttached: readonly { Arn: string; AttachmentCount?: number }[] = [],
): ListPoliciesCommandInput[] {
  const sent: ListPoliciesCommandInput[] = [];
  const attached = [
    ...Object.entries(holders)
      .filter(([arn, entry]) => parsePolicyArn(arn)?.account === 'aws' && count(entry) > 0)
      .map(([Arn, entry]) => ({ Arn, AttachmentCount: count(entry) })),
    ...alsoAttached,
  ].map((p) => ({ ...p, PolicyName: p.Arn.split('/').pop() }));
  iam.on(ListPoliciesCommand).callsFake((input: ListPoliciesCommandInput): ListPoliciesCommandOutput => {
    sent.push({ ...input });
    if (input.Scope !== 'AWS' || input.OnlyAttached !== true)
      throw new Error(`unexpected ListPolicies ${JSON.stringify(input)}`);
    const { items, ...rest } = page(attached, input);
    return { Policies: items, ...rest, $metadata: {} };
  });
  iam
    .on(ListEntitiesForPolicyCommand)
    .callsFake((input: ListEntitiesForPolicyCommandInput): ListEntitiesForPolicyCommandOutput => {
      const entry = holders[input.PolicyArn ?? ''];
      if (entry === 'missing')
        throw new NoSuchEntityException({ message: `Policy ${input.PolicyArn} was not found.`, $metadata: {} });
      const all = [
        ...(entry?.users ?? []).map((n) => ['u', n] as const),
        ...(entry?.roles ?? []).map((n) => ['r', n] as const),
        ...(entry?.groups ?? []).map((n) => ['g', n] as const),
      ];
      const { items, ...rest } = page(all, input);
      return {
        PolicyUsers: items.filter(([k]) => k === 'u').map(([, n]) => ({ UserName: n })),
        PolicyRoles: items.filter(([k]) => k === 'r').map(([, n]) => ({ RoleName: n })),
        PolicyGroups: items.filter(([k]) => k === 'g').map(([, n]) => ({ GroupName: n })),
        ...rest,
        $metadata: {},
      };
    });
  return sent;
}
