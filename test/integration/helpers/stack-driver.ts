/**
 * Driving a stack deployed into the emulator: queues that capture what the deployed rules route and what the
 * deployed topic publishes, and real-shaped CloudTrail events put on the bus. moto cannot invoke Lambda (PutEvents
 * fails on a Lambda target), so a captured rule's targets become a queue, and the test hands what arrives there to
 * the deployed handler (test/support/deployed-function.ts).
 */
import { randomUUID } from 'node:crypto';
import {
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import { clientConfig, type DeployedStack } from '../../support/deployed-stack.js';
import { fixture } from '../../support/fixtures.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export interface Queue {
  readonly url: string;
  readonly arn: string;
}

export class StackDriver {
  readonly iam: IAMClient;
  readonly sqs: SQSClient;
  readonly events: EventBridgeClient;
  readonly sns: SNSClient;
  private queues = 0;

  constructor(readonly stack: DeployedStack) {
    const config = clientConfig(stack.target);
    this.iam = new IAMClient(config);
    this.sqs = new SQSClient(config);
    this.events = new EventBridgeClient(config);
    this.sns = new SNSClient(config);
  }

  async queue(name: string): Promise<Queue> {
    this.queues += 1;
    const { QueueUrl: url = '' } = await this.sqs.send(
      new CreateQueueCommand({ QueueName: `${this.stack.stage}-${name}-${this.queues}` }),
    );
    const { Attributes = {} } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    return { url, arn: Attributes.QueueArn ?? '' };
  }

  /** Waits up to 15 s for `expected` messages; returns what arrived (possibly fewer or more: assert on it). */
  async receive(queue: Queue, expected: number): Promise<Message[]> {
    const messages: Message[] = [];
    const deadline = Date.now() + 15_000;
    while (messages.length < expected && Date.now() < deadline) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      messages.push(...Messages);
    }
    return messages;
  }

  /** A queue subscribed to a deployed topic; its messages are SNS envelopes. */
  async subscribe(topicArn: string): Promise<Queue> {
    const queue = await this.queue('topic');
    await this.sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queue.arn }));
    return queue;
  }

  /** Replaces a deployed rule's targets by a queue; returns the queue and the ARNs the rule targeted. */
  async capture(rule: string, eventBusName?: string): Promise<{ queue: Queue; deployedTargets: string[] }> {
    const { Targets = [] } = await this.events.send(
      new ListTargetsByRuleCommand({ Rule: rule, EventBusName: eventBusName }),
    );
    if (Targets.length > 0)
      await this.events.send(
        new RemoveTargetsCommand({ Rule: rule, EventBusName: eventBusName, Ids: Targets.map((t) => t.Id ?? '') }),
      );
    const queue = await this.queue('rule');
    await this.events.send(
      new PutTargetsCommand({ Rule: rule, EventBusName: eventBusName, Targets: [{ Id: 'queue', Arn: queue.arn }] }),
    );
    return { queue, deployedTargets: Targets.map((t) => t.Arn ?? '') };
  }

  /**
   * Puts the CloudTrail record of an AttachRolePolicy call, made now in the stack's account, on the default bus, and
   * returns what the captured rule routed to `queue`.
   */
  async routeAttach(
    queue: Queue,
    role: string,
    policyArn: string,
    errorCode?: string,
  ): Promise<Record<string, unknown>> {
    const detail = fixture<{ detail: Record<string, unknown> }>('AttachRolePolicy.eventbridge-full-access').detail;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    Object.assign(detail, {
      eventID: randomUUID(),
      eventTime: now,
      recipientAccountId: this.stack.target.accountId,
      requestParameters: { roleName: role, policyArn },
    });
    if (errorCode)
      Object.assign(detail, {
        errorCode,
        errorMessage: 'User is not authorized to perform: iam:AttachRolePolicy',
        responseElements: null,
      });
    const out = await this.events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'aws.iam', DetailType: 'AWS API Call via CloudTrail', Detail: JSON.stringify(detail) }],
      }),
    );
    expect(out.FailedEntryCount ?? 0).toBe(0);
    const [message, ...more] = await this.receive(queue, 1);
    expect(more).toEqual([]);
    const routed = JSON.parse(message?.Body ?? 'null') as Record<string, unknown>;
    expect(routed).toMatchObject({ source: 'aws.iam', detail: { eventID: detail.eventID } });
    // moto leaves `account` out of the events it delivers to SQS; EventBridge sets it to the bus's account.
    return { account: this.stack.target.accountId, ...routed };
  }

  async roleWith(name: string, policyArn: string): Promise<string> {
    await this.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
    await this.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: policyArn }));
    return name;
  }

  async attachedTo(role: string): Promise<string[]> {
    const { AttachedPolicies = [] } = await this.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }));
    return AttachedPolicies.map((p) => p.PolicyArn ?? '');
  }
}

/** The outcome attribute of each SNS envelope received through a queue. */
export function outcomes(messages: readonly Message[]): string[] {
  return messages.map(
    (m) =>
      (JSON.parse(m.Body ?? '{}') as { MessageAttributes?: Record<string, { Value: string }> }).MessageAttributes
        ?.outcome?.Value ?? '(none)',
  );
}
