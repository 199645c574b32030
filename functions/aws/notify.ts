/** Telling people and tools: the SNS alert, and the finding event on an EventBridge bus. */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { renderSnsMessage, type Alert } from '../core/alert.js';
import { renderDigestMessage, type Digest } from '../core/digest.js';

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

/** Puts the alert on an EventBridge bus as a finding event; throws when the bus rejects it. */
export async function putFinding(events: EventBridgeClient, busName: string, alert: Alert): Promise<void> {
  const out = await events.send(
    new PutEventsCommand({
      Entries: [{ EventBusName: busName, Source: FINDING_SOURCE, DetailType: FINDING_DETAIL_TYPE, Detail: JSON.stringify(alert) }],
    }),
  );
  const failed = out.Entries?.find((e) => e.ErrorCode);
  if ((out.FailedEntryCount ?? 0) > 0 || failed) {
    throw new Error(`PutEvents to ${busName} failed: ${failed?.ErrorCode ?? 'unknown'}: ${failed?.ErrorMessage ?? ''}`);
  }
}
