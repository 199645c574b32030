import { IAMClient, DetachRolePolicyCommand } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { delivered, fixture, fresh } from '../support/fixtures.js';
import { lambdaContext } from '../support/lambda-context.js';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

async function loadHandler(env: Record<string, string | undefined>) {
  process.env = {
    ...saved,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...env,
  };
  vi.resetModules();
  return (await import('../../functions/attach-guard/handler.js')).handler as unknown as (
    event: unknown,
    context: Context,
  ) => Promise<unknown>;
}

describe('the attach-guard handler module', () => {
  it('a bad configuration stops the cold start with a message naming the variable', async () => {
    await expect(loadHandler({ ALERT_TOPIC_ARN: undefined })).rejects.toThrow('ALERT_TOPIC_ARN is required');
    await expect(
      loadHandler({ ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t', GUARD_MODE: 'nuke' }),
    ).rejects.toThrow(/GUARD_MODE must be one of/);
  });

  it(
    'reads infra/allowlist.yml when ALLOWLIST_PATH is not ' + 'set (the deploy always sets it) and goes through middy',
    async () => {
      const iam = mockClient(IAMClient);
      const sns = mockClient(SNSClient);
      iam.on(DetachRolePolicyCommand).resolves({});
      sns.on(PublishCommand).resolves({ MessageId: '1' });
      const handler = await loadHandler({
        ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
        GUARD_MODE: 'remediate',
        ALLOWLIST_PATH: undefined,
        LAMBDA_TASK_ROOT: process.cwd(),
      });
      const context = lambdaContext('attach-guard');
      await expect(handler(fresh(fixture('AttachRolePolicy.eventbridge-full-access')), context)).resolves.toEqual({
        outcome: 'reverted',
      });
      expect(iam.commandCalls(DetachRolePolicyCommand)).toHaveLength(1);
      iam.restore();
      sns.restore();
    },
  );

  it(
    'logs no "No application metrics to publish" warning for an invocation without metrics, and still publishes ' +
      'metrics',
    async () => {
      const iam = mockClient(IAMClient);
      const sns = mockClient(SNSClient);
      iam.on(DetachRolePolicyCommand).resolves({});
      sns.on(PublishCommand).resolves({ MessageId: '1' });
      const written: string[] = [];
      const capture = (chunk: unknown): boolean => {
        written.push(String(chunk));
        return true;
      };
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
      try {
        const handler = await loadHandler({
          ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
          GUARD_MODE: 'remediate',
          LOG_LEVEL: 'WARN',
          POWERTOOLS_METRICS_DISABLED: 'false',
          ALLOWLIST_PATH: 'infra/allowlist.yml',
        });
        const context = lambdaContext('attach-guard');
        // Not governed: no metric at all.
        await handler(fresh(delivered(fixture('AttachRolePolicy.record-customer-policy-iot-name'))), context);
        expect(written.join('')).not.toContain('No application metrics');
        // A violation: its metrics are published as EMF.
        await handler(fresh(fixture('AttachRolePolicy.eventbridge-full-access')), context);
      } finally {
        out.mockRestore();
        err.mockRestore();
        iam.restore();
        sns.restore();
      }
      const emf = written.filter((w) => w.includes('"_aws"')).map((w) => JSON.parse(w) as Record<string, unknown>);
      expect(emf).toEqual([expect.objectContaining({ Violations: 1, Reverted: 1 })]);
      expect(written.join('')).not.toContain('No application metrics');
    },
  );
});
