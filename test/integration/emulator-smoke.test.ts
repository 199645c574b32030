// Proves the emulator behaves like AWS where the guard depends on it, through the same SDK clients production uses.
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand, DeleteTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  awsClientConfig,
  createSqsQueueSubscribedToTopic,
  describeWithEmulator,
  receiveAll,
  snsEnvelope,
  uniqueName,
} from './helpers/emulator.js';

const IOT_FULL_ACCESS = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

describeWithEmulator('moto emulator: IAM', () => {
  let iam: IAMClient;
  const roleName = uniqueName('smoke-role');

  beforeAll(async () => {
    iam = new IAMClient(awsClientConfig());
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: TRUST_POLICY }));
  });

  afterAll(async () => {
    await iam?.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: IOT_FULL_ACCESS })).catch(() => {});
    await iam?.send(new DeleteRoleCommand({ RoleName: roleName }));
    iam?.destroy();
  });

  const attachedArns = async (): Promise<string[]> => {
    const { AttachedPolicies = [] } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
    return AttachedPolicies.map((policy) => policy.PolicyArn ?? '');
  };

  it('attaches and detaches an AWS managed IoT policy, and a second detach is NoSuchEntity', async () => {
    await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: IOT_FULL_ACCESS }));
    expect(await attachedArns()).toEqual([IOT_FULL_ACCESS]);

    await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: IOT_FULL_ACCESS }));
    expect(await attachedArns()).toEqual([]);

    // The guard treats this error as "already detached", so its name is the contract that matters.
    await expect(
      iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: IOT_FULL_ACCESS })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException', Code: 'NoSuchEntity' });
  });
});

describeWithEmulator('moto emulator: SNS to SQS', () => {
  let sns: SNSClient;
  let sqs: SQSClient;
  let topicArn: string;
  let queueUrl: string;

  beforeAll(async () => {
    sns = new SNSClient(awsClientConfig());
    sqs = new SQSClient(awsClientConfig());
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('smoke-topic') }));
    topicArn = TopicArn ?? '';
    ({ queueUrl } = await createSqsQueueSubscribedToTopic(topicArn));
  });

  afterAll(async () => {
    if (topicArn) await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    if (queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    sns?.destroy();
    sqs?.destroy();
  });

  it('delivers the per-protocol message of a JSON-structured publish with its attributes in the envelope', async () => {
    const alert = { version: 1, verdict: 'violation' };
    await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'smoke',
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'fallback text', sqs: JSON.stringify(alert) }),
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: 'high' },
          version: { DataType: 'Number', StringValue: '1' },
        },
      }),
    );

    const messages = await receiveAll(queueUrl, { expect: 1, timeoutMs: 5_000 });
    expect(messages).toHaveLength(1);
    const envelope = snsEnvelope(messages[0]!);
    expect(envelope).toMatchObject({ Type: 'Notification', TopicArn: topicArn, Subject: 'smoke' });
    expect(JSON.parse(envelope.Message)).toEqual(alert);
    expect(envelope.MessageAttributes).toEqual({
      severity: { Type: 'String', Value: 'high' },
      version: { Type: 'Number', Value: '1' },
    });
  });
});
