/**
 * Links into the AWS Management Console for an alert: the principal (IAM console, or IAM Identity Center for a
 * permission set) and the event in CloudTrail's event history. Each partition has its own console domain.
 */
import { parsePolicyArn, type Partition } from './arn.js';
import type { Principal } from './types.js';

/** The console's domain per partition; partitions without a public console get no links. */
export const CONSOLE_DOMAINS: Partial<Record<Partition, string>> = {
  aws: 'console.aws.amazon.com',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
  'aws-cn': 'console.amazonaws.cn',
};

export interface ConsoleLinks {
  /** The principal: IAM console for a user, role or group; IAM Identity Center's console for a permission set. */
  readonly principal: string | null;
  /** The event in CloudTrail's event history (its Region); null without an event id (the sweep) or a Region. */
  readonly event: string | null;
}

export interface LinkSubject {
  readonly policyArn: string;
  readonly principal: Principal;
  readonly region: string | null;
  readonly eventId: string | null;
}

const IAM_PAGE: Record<Exclude<Principal['type'], 'permission-set'>, string> = {
  user: 'users',
  role: 'roles',
  group: 'groups',
};
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** The partition of the policy ARN, else the one a Region belongs to (cn-*, us-gov-*), else null. */
export function partitionOf(policyArn: string, region: string | null): Partition | null {
  const arn = parsePolicyArn(policyArn);
  if (arn) return arn.partition;
  if (region === null || !REGION.test(region)) return null;
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** Console links for an alert's principal and event; null where the partition, Region or event id is unknown. */
export function consoleLinks(subject: LinkSubject): ConsoleLinks {
  const partition = partitionOf(subject.policyArn, subject.region);
  const domain = partition === null ? undefined : CONSOLE_DOMAINS[partition];
  if (domain === undefined) return { principal: null, event: null };
  const region = subject.region !== null && REGION.test(subject.region) ? subject.region : null;
  const { type, name } = subject.principal;
  // Names come from the event: encoded, so that none can leave its place in the URL.
  const principal =
    type === 'permission-set'
      ? region === null
        ? null
        : `https://${domain}/singlesignon/home?region=${region}`
      : `https://${domain}/iam/home#/${IAM_PAGE[type]}/details/${encodeURIComponent(name)}`;
  const event =
    region === null || subject.eventId === null
      ? null
      : `https://${domain}/cloudtrail/home?region=${region}#/events/${encodeURIComponent(subject.eventId)}`;
  return { principal, event };
}
