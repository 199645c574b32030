import { randomBytes } from 'node:crypto';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { describe, inject } from 'vitest';

/** Base URL of the moto server handed over by global-setup.ts, or null when integration tests are skipped. */
export function motoEndpoint(): string | null {
  return inject('motoEndpoint') ?? null;
}

/** `describe` that skips the whole suite when no emulator answers (outside CI; in CI the run fails instead). */
export const describeWithEmulator = describe.skipIf(motoEndpoint() === null);

export interface EmulatorClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Options for any real AWS SDK v3 client so that it talks to moto with dummy credentials. */
export function awsClientConfig(): EmulatorClientConfig {
  const endpoint = motoEndpoint();
  if (endpoint === null) throw new Error('No AWS API emulator: wrap the suite in describeWithEmulator');
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

/**
 * A name no other test or run has used: the moto server outlives test runs and resetting it costs ~2 s.
 * Keep prefixes short: IAM role names allow 64 characters, queue and topic names 80.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

let sqs: SQSClient | undefined;
let sns: SNSClient | undefined;
const sqsClient = (): SQSClient => (sqs ??= new SQSClient(awsClientConfig()));
const snsClient = (): SNSClient => (sns ??= new SNSClient(awsClientConfig()));

/**
 * Creates a fresh SQS queue subscribed to the topic. Raw delivery stays off, so each message body is the SNS
 * envelope (Message, Subject, MessageAttributes), as an e-mail or HTTPS subscriber would see it.
 */
export async function createSqsQueueSubscribedToTopic(
  topicArn: string,
): Promise<{ queueUrl: string; queueArn: string; subscriptionArn: string }> {
  const { QueueUrl: queueUrl } = await sqsClient().send(new CreateQueueCommand({ QueueName: uniqueName('q') }));
  if (!queueUrl) throw new Error('CreateQueue returned no QueueUrl');
  const { Attributes } = await sqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueArn = Attributes?.QueueArn;
  if (!queueArn) throw new Error('GetQueueAttributes returned no QueueArn');
  const { SubscriptionArn: subscriptionArn } = await snsClient().send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: { RawMessageDelivery: 'false' },
      ReturnSubscriptionArn: true,
    }),
  );
  if (!subscriptionArn) throw new Error('Subscribe returned no SubscriptionArn');
  return { queueUrl, queueArn, subscriptionArn };
}

/**
 * Polls the queue until `expect` messages have arrived or `timeoutMs` has passed (the last poll may end up to
 * 1 s late), and returns what arrived: possibly fewer, so assert on the length. Received messages stay invisible
 * for the rest of the test.
 */
export async function receiveAll(
  queueUrl: string,
  { expect, timeoutMs = 10_000 }: { expect: number; timeoutMs?: number },
): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (messages.length < expect && Date.now() < deadline) {
    const { Messages = [] } = await sqsClient().send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        // Always ask for 10 so that surplus deliveries show up in the result instead of hiding in the queue.
        MaxNumberOfMessages: 10,
        // Short long-polls keep the overshoot past the deadline under a second.
        WaitTimeSeconds: 1,
        VisibilityTimeout: 300,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
  }
  return messages;
}

/** The SNS envelope that a non-raw SQS subscription delivers as the message body. */
export interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

/** Parses the body of a message received through a non-raw SNS subscription. */
export function snsEnvelope(message: Message): SnsEnvelope {
  if (message.Body === undefined) throw new Error('SQS message has no Body');
  return JSON.parse(message.Body) as SnsEnvelope;
}
