/** Telling people and tools: the SNS alert, the chat notification, and the finding event on an EventBridge bus. */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { renderSnsMessage, type Alert } from '../core/alert.js';
import type { ChatNotification } from '../core/chat.js';
import { renderDigestMessage, type Digest } from '../core/digest.js';
import { messageAttributes } from '../core/sns-envelope.js';

export const FINDING_SOURCE = 'iot-policy-guard';
export const FINDING_DETAIL_TYPE = 'IoT Policy Violation';

/** Publishes one alert to the topic; returns the SNS message id. */
export async function publishAlert(sns: SNSClient, topicArn: string, alert: Alert): Promise<string | undefined> {
  const out = await sns.send(new PublishCommand({ TopicArn: topicArn, ...renderSnsMessage(alert) }));
  return out.MessageId;
}

/** Publishes the sweep's digest to the same topic as the alerts; returns the SNS message id. */
export async function publishDigest(sns: SNSClient, topicArn: string, digest: Digest): Promise<string | undefined> {
  const out = await sns.send(new PublishCommand({ TopicArn: topicArn, ...renderDigestMessage(digest) }));
  return out.MessageId;
}

/**
 * Publishes one chat notification (the custom-notification JSON as the raw message, which is what Amazon Q Developer
 * in chat applications reads) to the chat topic; returns the SNS message id.
 */
export async function publishChat(
  sns: SNSClient,
  topicArn: string,
  notification: ChatNotification,
): Promise<string | undefined> {
  const out = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: JSON.stringify(notification) }));
  return out.MessageId;
}

/** Puts the alert on an EventBridge bus as a finding event; throws when the bus rejects it. */
export async function putFinding(events: EventBridgeClient, busName: string, alert: Alert): Promise<void> {
  // Loaded on use, like the client (guard/runtime.ts): a stack without a findings bus never loads the EventBridge SDK.
  const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
  const out = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: busName,
          Source: FINDING_SOURCE,
          DetailType: FINDING_DETAIL_TYPE,
          Detail: JSON.stringify(alert),
        },
      ],
    }),
  );
  const failed = out.Entries?.find((e) => e.ErrorCode);
  if ((out.FailedEntryCount ?? 0) > 0 || failed) {
    throw new Error(`PutEvents to ${busName} failed: ${failed?.ErrorCode ?? 'unknown'}: ${failed?.ErrorMessage ?? ''}`);
  }
}

/** Where an alert goes when SNS refuses it, so that what the guard did is kept somewhere other than its log. */
export interface AlertKeeper {
  keep(alert: Alert, failure: { readonly name: string; readonly message: string }): Promise<void>;
}

/**
 * Keeps undelivered alerts as messages in an SQS queue (the deploy's dead-letter queue): the alert JSON as the body,
 * `kind=undelivered-alert` and the outcome as attributes. The SQS client is built on first use: only a failed publish
 * needs it.
 */
export function createAlertKeeper(queueUrl: string, client: () => Promise<SQSClient>): AlertKeeper {
  return {
    async keep(alert, failure) {
      const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
      await (await client()).send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(alert),
          MessageAttributes: messageAttributes({
            kind: 'undelivered-alert',
            outcome: alert.outcome,
            error: `${failure.name}: ${failure.message}`,
          }),
        }),
      );
    },
  };
}
