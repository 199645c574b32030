// `osls deploy` with chatTopic=true, against the emulator: the chat topic exists, is encrypted with the alert topic's
// key, and both functions are told its ARN.
import { randomBytes } from 'node:crypto';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientConfig, deployStack, type DeployedStack } from '../support/deployed-stack.js';
import { deployTarget } from './helpers/deploy.js';
import { describeWithEmulator } from './helpers/emulator.js';

describeWithEmulator('osls deploy into the emulator, chatTopic=true', () => {
  const stage = `e2ec${randomBytes(3).toString('hex')}`;
  let stack: DeployedStack;

  beforeAll(async () => {
    stack = await deployStack(await deployTarget(), stage, { chatTopic: 'true' });
  }, 300_000);

  afterAll(async () => {
    await stack?.remove();
  }, 120_000);

  it('creates the chat topic with the alert key and gives both functions its ARN', async () => {
    const chatTopic = stack.physicalId('ChatTopic');
    expect(chatTopic).toMatch(new RegExp(`:iot-policy-guard-${stage}-chat$`));
    const sns = new SNSClient(clientConfig(stack.target));
    const attributes = async (TopicArn: string) => (await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes ?? {};
    const [chat, alerts] = [await attributes(chatTopic), await attributes(stack.physicalId('AlertTopic'))];
    expect(chat.KmsMasterKeyId).toBeTruthy();
    expect(chat.KmsMasterKeyId).toBe(alerts.KmsMasterKeyId);

    const lambda = new LambdaClient(clientConfig(stack.target));
    for (const fn of ['attach-guard', 'sweep']) {
      const { Environment } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: `iot-policy-guard-${stage}-${fn}` }));
      expect(Environment?.Variables?.CHAT_TOPIC_ARN, fn).toBe(chatTopic);
    }
  });
});
