/**
 * Proving an EventBridge pattern by behaviour: a rule with the pattern on a bus of its own in moto, an SQS queue as
 * its target, and the cases put on the bus; what arrives is what the pattern lets through. (moto's TestEventPattern
 * is a stub, so it is not used.)
 */
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import { awsClientConfig, receiveAll, uniqueName } from './emulator.js';

export interface PatternCase {
  /** Travels as detail.eventID, so that an arrival names its case. */
  readonly id: string;
  readonly entry: PutEventsRequestEntry;
}

/**
 * A CloudTrail record (bare, or the detail of an envelope) as EventBridge puts it on a bus: source `aws.iam` unless
 * told, detail-type `AWS API Call via CloudTrail`, the case's id as its eventID.
 */
export function cloudTrailEvent(
  id: string,
  detail: Record<string, unknown>,
  { source = 'aws.iam', detailType = 'AWS API Call via CloudTrail' } = {},
): PatternCase {
  return {
    id,
    entry: {
      Source: source,
      DetailType: detailType,
      Resources: [],
      Detail: JSON.stringify({ ...detail, eventID: id }),
    },
  };
}

export interface PatternRule {
  /** Puts every case on the bus and returns the ids of those that reached the queue, sorted. */
  route(cases: readonly PatternCase[], expectArrivals: number): Promise<string[]>;
  remove(): Promise<void>;
}

/** Creates the bus, the rule with `pattern` and the queue it targets. */
export async function createPatternRule(pattern: unknown, name: string): Promise<PatternRule> {
  const events = new EventBridgeClient(awsClientConfig());
  const sqs = new SQSClient(awsClientConfig());
  const busName = uniqueName(`${name}-bus`);
  const ruleName = uniqueName(name);
  const { QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(`${name}-q`) }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  // A bus of its own keeps other tests' events away; the deployed rule sits on the default bus.
  await events.send(new CreateEventBusCommand({ Name: busName }));
  await events.send(
    new PutRuleCommand({
      Name: ruleName,
      EventBusName: busName,
      EventPattern: JSON.stringify(pattern),
      State: 'ENABLED',
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: ruleName,
      EventBusName: busName,
      Targets: [{ Id: 'queue', Arn: Attributes?.QueueArn }],
    }),
  );

  return {
    async route(cases, expectArrivals) {
      for (let i = 0; i < cases.length; i += 10) {
        const batch = cases.slice(i, i + 10).map((c) => ({ ...c.entry, EventBusName: busName }));
        const out = await events.send(new PutEventsCommand({ Entries: batch }));
        expect(out.FailedEntryCount ?? 0).toBe(0);
      }
      const arrived = await receiveAll(queueUrl, { expect: expectArrivals, timeoutMs: 20_000 });
      // moto routes during PutEvents; a last short poll catches anything delivered that should not have been.
      arrived.push(...(await receiveAll(queueUrl, { expect: 1, timeoutMs: 1_500 })));
      return arrived
        .map(
          (m) =>
            (JSON.parse(m.Body ?? '{}') as { detail?: { eventID?: string } }).detail?.eventID ??
            `(no eventID) ${m.Body}`,
        )
        .sort();
    },
    async remove() {
      await events
        .send(new RemoveTargetsCommand({ Rule: ruleName, EventBusName: busName, Ids: ['queue'] }))
        .catch(() => {});
      await events.send(new DeleteRuleCommand({ Name: ruleName, EventBusName: busName })).catch(() => {});
      await events.send(new DeleteEventBusCommand({ Name: busName })).catch(() => {});
      if (queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => {});
      events.destroy();
      sqs.destroy();
    },
  };
}
