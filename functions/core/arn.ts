/**
 * IAM policy ARNs, parsed rather than compared as text: a policy is governed or allowed by its parts
 * (partition, owning account, path, name), never by a substring or a suffix of its ARN.
 */

/** Partitions whose IAM can hold AWS managed policies. An ARN in any other partition is not one of ours. */
export const PARTITIONS = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
] as const;
export type Partition = (typeof PARTITIONS)[number];

export interface PolicyArn {
  readonly partition: Partition;
  /** `aws` for AWS managed policies, a 12-digit account id for customer managed ones. */
  readonly account: string;
  /** Always starts and ends with `/`; `/` for the root path. */
  readonly path: string;
  readonly name: string;
}

// arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME  -- IAM is global, so the region field is always empty.
const POLICY_ARN = /^arn:([a-z-]+):iam::(aws|\d{12}):policy(\/(?:[\x21-\x7E]+\/)?)([\w+=,.@-]{1,128})$/;

/** Parses an IAM policy ARN; returns null for anything that is not exactly one. */
export function parsePolicyArn(text: unknown): PolicyArn | null {
  if (typeof text !== 'string' || text.length > 2048) return null;
  const m = POLICY_ARN.exec(text);
  if (!m) return null;
  const [, partition, account, path, name] = m as unknown as [string, string, string, string, string];
  if (!(PARTITIONS as readonly string[]).includes(partition)) return null;
  if (path.includes('//')) return null;
  return { partition: partition as Partition, account, path, name };
}

/** Formats the ARN of an AWS managed policy in a partition. */
export function awsManagedPolicyArn(path: string, name: string, partition: Partition = 'aws'): string {
  return `arn:${partition}:iam::aws:policy${path}${name}`;
}

/** `service-role/AWSIoTLogging` for a path-qualified policy, `AWSIoTFullAccess` at the root path. */
export function qualifiedName(arn: Pick<PolicyArn, 'path' | 'name'>): string {
  return `${arn.path.slice(1)}${arn.name}`;
}
