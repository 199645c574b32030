// The sweep's heartbeat: the handler emits SweepCompleted when a run has swept every account, with the dimensions the
// heartbeat alarm (infra/tamper.yml, test/unit/template-tamper.test.ts) watches; a failed run emits none.
import { IAMClient, ListEntitiesForPolicyCommand, ListPoliciesCommand } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../support/lambda-context.js';

const saved = { ...process.env };
const iam = mockClient(IAMClient);
const sns = mockClient(SNSClient);

afterEach(() => {
  process.env = { ...saved };
  vi.restoreAllMocks();
  vi.resetModules();
  iam.reset();
  sns.reset();
});

type Emf = {
  _aws?: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
} & Record<string, unknown>;

/** Runs the sweep handler once with metrics on; returns the EMF records it wrote and whether the run failed. */
async function run(): Promise<{ records: Emf[]; failed: boolean }> {
  process.env = {
    ...saved,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    LOG_LEVEL: 'SILENT',
    ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
    LAMBDA_TASK_ROOT: process.cwd(),
    POWERTOOLS_SERVICE_NAME: 'iot-policy-guard',
    POWERTOOLS_METRICS_NAMESPACE: 'IotPolicyGuard',
    POWERTOOLS_DEV: 'false',
  };
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  vi.resetModules();
  const { handler } = (await import('../../functions/sweep/handler.js')) as unknown as {
    handler: (event: unknown, context: Context) => Promise<unknown>;
  };
  const context = lambdaContext('iot-policy-guard-dev-sweep', { remainingMs: 300_000 });
  const failed = await handler({}, context).then(
    () => false,
    () => true,
  );
  vi.restoreAllMocks();
  const records = lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Emf);
  return { records, failed };
}

const heartbeats = (records: Emf[]): Emf[] =>
  records.filter((r) => r._aws?.CloudWatchMetrics.some((m) => m.Metrics.some((x) => x.Name === 'SweepCompleted')));

describe('sweep heartbeat metric', () => {
  it(
    'is emitted once per completed run, in the namespace ' + 'and with the dimensions the heartbeat alarm watches',
    async () => {
      iam.on(ListPoliciesCommand).resolves({ Policies: [], IsTruncated: false });
      iam
        .on(ListEntitiesForPolicyCommand)
        .resolves({ PolicyUsers: [], PolicyRoles: [], PolicyGroups: [], IsTruncated: false });
      sns.on(PublishCommand).resolves({ MessageId: '1' });
      const { records, failed } = await run();
      expect(failed).toBe(false);
      const [beat, ...more] = heartbeats(records);
      expect(more).toEqual([]);
      expect(beat?._aws?.CloudWatchMetrics).toEqual([
        {
          Namespace: 'IotPolicyGuard',
          Dimensions: [['service', 'function']],
          Metrics: [{ Name: 'SweepCompleted', Unit: 'Count' }],
        },
      ]);
      expect(beat).toMatchObject({
        service: 'iot-policy-guard',
        function: 'iot-policy-guard-dev-sweep',
        SweepCompleted: 1,
      });
      // Its own record: the run's other metrics keep their dimensions.
      const others = records.filter((r) => r !== beat);
      expect(others.length).toBeGreaterThan(0);
      for (const r of others) expect(r._aws?.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    },
  );

  it('is not emitted when the run fails', async () => {
    iam.on(ListPoliciesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    iam.on(ListEntitiesForPolicyCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    sns.on(PublishCommand).resolves({ MessageId: '1' });
    const { records, failed } = await run();
    expect(failed).toBe(true);
    expect(heartbeats(records)).toEqual([]);
  });
});
