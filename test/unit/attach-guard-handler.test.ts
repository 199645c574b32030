import { IAMClient, DetachRolePolicyCommand } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixture, fresh } from '../support/fixtures.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

async function loadHandler(env: Record<string, string | undefined>) {
  process.env = { ...saved, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', ...env };
  vi.resetModules();
  return (await import('../../functions/attach-guard/handler.js')).handler as unknown as (event: unknown, context: Context) => Promise<unknown>;
}

describe('the attach-guard handler module', () => {
  it('a bad configuration stops the cold start with a message naming the variable', async () => {
    await expect(loadHandler({ ALERT_TOPIC_ARN: undefined })).rejects.toThrow('ALERT_TOPIC_ARN is required');
    await expect(loadHandler({ ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t', GUARD_MODE: 'nuke' })).rejects.toThrow(/GUARD_MODE must be one of/);
  });

  it('reads infra/allowlist.yml when ALLOWLIST_PATH is not set (the deploy always sets it) and goes through middy', async () => {
    const iam = mockClient(IAMClient);
    const sns = mockClient(SNSClient);
    iam.on(DetachRolePolicyCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: '1' });
    const handler = await loadHandler({ ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t', GUARD_MODE: 'remediate', ALLOWLIST_PATH: undefined, LAMBDA_TASK_ROOT: process.cwd() });
    const context = { functionName: 'attach-guard', awsRequestId: 'r', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f', getRemainingTimeInMillis: () => 1000 } as unknown as Context;
    await expect(handler(fresh(fixture('AttachRolePolicy.eventbridge-full-access')), context)).resolves.toEqual({ outcome: 'reverted' });
    expect(iam.commandCalls(DetachRolePolicyCommand)).toHaveLength(1);
    iam.restore();
    sns.restore();
  });
});
