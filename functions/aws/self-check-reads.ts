/**
 * The self-check's reads of the stack's own resources (functions/core/self-check.ts decides what they mean). Each read
 * returns a Read: the resource's state, null when it does not exist, or the failure (AccessDenied, ...). A read never
 * throws: a resource the sweep cannot read is itself drift, and the rest of the sweep still runs.
 */
import { GetEventSelectorsCommand, GetTrailStatusCommand, type CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DescribeRuleCommand, ListTargetsByRuleCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { paginateListSubscriptionsByTopic, type SNSClient } from '@aws-sdk/client-sns';
import type { Read, TrailState } from '../core/self-check.js';
import { errorCode } from './failure.js';

/** Error codes (as errorCode() gives them) that mean the resource does not exist. */
const NOT_FOUND = new Set(['ResourceNotFound', 'NotFound', 'TrailNotFound']);
const MAX_MESSAGE = 300;

async function attempt<T>(read: () => Promise<T | null>): Promise<Read<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    const code = errorCode(error);
    if (NOT_FOUND.has(code)) return { ok: true, value: null };
    const message = String((error as Error).message ?? '');
    return {
      ok: false,
      failure: { code, message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message },
    };
  }
}

/** A rule on the default bus: its state and its targets' ARNs (DescribeRule, ListTargetsByRule). */
export function readRule(
  events: EventBridgeClient,
  name: string,
): Promise<Read<{ state: string; targetArns: string[] }>> {
  return attempt(async () => {
    const rule = await events.send(new DescribeRuleCommand({ Name: name }));
    const targetArns: string[] = [];
    let NextToken: string | undefined;
    // A rule has at most five targets: one page; the bound only guards against a token that never ends.
    for (let page = 0; page < 10; page++) {
      const out = await events.send(new ListTargetsByRuleCommand({ Rule: name, ...(NextToken ? { NextToken } : {}) }));
      for (const t of out.Targets ?? []) if (t.Arn) targetArns.push(t.Arn);
      NextToken = out.NextToken;
      if (!NextToken) break;
    }
    return { state: rule.State ?? 'UNKNOWN', targetArns };
  });
}

/** An EventBridge Scheduler schedule's state (GetSchedule). */
export function readSchedule(
  scheduler: SchedulerClient,
  groupName: string,
  name: string,
): Promise<Read<{ state: string }>> {
  return attempt(async () => {
    const out = await scheduler.send(new GetScheduleCommand({ GroupName: groupName, Name: name }));
    return { state: out.State ?? 'UNKNOWN' };
  });
}

/**
 * The SubscriptionArn of the topic's subscriptions ("PendingConfirmation" for an unconfirmed one), page by page until a
 * confirmed one is found (ListSubscriptionsByTopic).
 */
export function readSubscriptions(sns: SNSClient, topicArn: string): Promise<Read<{ subscriptionArns: string[] }>> {
  return attempt(async () => {
    const subscriptionArns: string[] = [];
    for await (const page of paginateListSubscriptionsByTopic(
      { client: sns, stopOnSameToken: true },
      { TopicArn: topicArn },
    )) {
      // A subscription listed without an ARN is not one SNS delivers to: counted as unconfirmed.
      for (const s of page.Subscriptions ?? []) subscriptionArns.push(s.SubscriptionArn ?? 'PendingConfirmation');
      if (subscriptionArns.some((arn) => arn.startsWith('arn:'))) break;
    }
    return { subscriptionArns };
  });
}

/** A trail's logging status and event selectors, basic or advanced (GetTrailStatus, GetEventSelectors). */
export function readTrail(cloudtrail: CloudTrailClient, trail: string): Promise<Read<TrailState>> {
  return attempt(async () => {
    const status = await cloudtrail.send(new GetTrailStatusCommand({ Name: trail }));
    const selectors = await cloudtrail.send(new GetEventSelectorsCommand({ TrailName: trail }));
    return {
      isLogging: status.IsLogging === true,
      eventSelectors: (selectors.EventSelectors ?? []).map((s) => ({
        ...(s.ReadWriteType === undefined ? {} : { readWriteType: s.ReadWriteType }),
        ...(s.IncludeManagementEvents === undefined ? {} : { includeManagementEvents: s.IncludeManagementEvents }),
        ...(s.ExcludeManagementEventSources === undefined
          ? {}
          : { excludeManagementEventSources: s.ExcludeManagementEventSources }),
      })),
      advancedEventSelectors: (selectors.AdvancedEventSelectors ?? []).map((s) =>
        (s.FieldSelectors ?? []).map((f) => ({
          field: f.Field ?? '',
          ...(f.Equals ? { equals: f.Equals } : {}),
          ...(f.NotEquals ? { notEquals: f.NotEquals } : {}),
          ...(f.StartsWith ? { startsWith: f.StartsWith } : {}),
          ...(f.NotStartsWith ? { notStartsWith: f.NotStartsWith } : {}),
          ...(f.EndsWith ? { endsWith: f.EndsWith } : {}),
          ...(f.NotEndsWith ? { notEndsWith: f.NotEndsWith } : {}),
        })),
      ),
    };
  });
}

/** A KMS key's state and scheduled deletion date (DescribeKey). */
export function readKey(
  kms: KMSClient,
  keyArn: string,
): Promise<Read<{ keyState: string; deletionDate: string | null }>> {
  return attempt(async () => {
    const { KeyMetadata: key } = await kms.send(new DescribeKeyCommand({ KeyId: keyArn }));
    return { keyState: key?.KeyState ?? 'UNKNOWN', deletionDate: key?.DeletionDate?.toISOString() ?? null };
  });
}
