// The deployed entry point with the self-check on: the sweep handler reads SELF_CHECK_* at cold start, checks the
// stack's resources in the emulator before sweeping, emits SelfCheckDrift and sends the drift in the digest, while the
// rest of the sweep still runs. Its own file, because it sets process.env.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DisableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { expect, it, vi } from 'vitest';
import { digestSchema } from '../../functions/core/digest-schema.js';
import { awsClientConfig, describeWithEmulator, motoEndpoint, receiveAll, snsEnvelope } from './helpers/emulator.js';
import { createSelfCheckedResources } from './helpers/self-checked-resources.js';
import { lambdaContext } from '../support/lambda-context.js';

const ACCOUNT = '123456789012';

describeWithEmulator('sweep handler with the self-check', () => {
  it('reports a disabled rule in the digest and the metric, and still sweeps', async () => {
    const stack = await createSelfCheckedResources();
    await new EventBridgeClient(awsClientConfig()).send(new DisableRuleCommand({ Name: stack.rule }));
    const dir = mkdtempSync(join(tmpdir(), 'sweep-self-check-'));
    writeFileSync(join(dir, 'allowlist.yml'), 'version: 1\nmode: alert\nscope: seed\nallow: []\n');
    Object.assign(process.env, {
      ...stack.environment,
      AWS_ENDPOINT_URL: motoEndpoint() ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      ALERT_TOPIC_ARN: stack.topicArn,
      HOME_ACCOUNT_ID: ACCOUNT,
      ALLOWLIST_PATH: join(dir, 'allowlist.yml'),
      GUARD_MODE: 'alert',
      LOG_LEVEL: 'ERROR',
    });
    const emf: Record<string, unknown>[] = [];
    const write = process.stdout.write.bind(process.stdout);
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = String(chunk);
      if (text.includes('"_aws"')) emf.push(JSON.parse(text) as Record<string, unknown>);
      return write(chunk, ...(rest as []));
    });
    const { handler } = await import('../../functions/sweep/handler.js');
    const context = lambdaContext('iot-policy-guard-dev-sweep', { account: ACCOUNT, remainingMs: 290_000 });

    const [home] = await handler({}, context);
    vi.restoreAllMocks();

    // The sweep ran (the emulator's default account holds other tests' principals: how many calls varies).
    expect(home).toMatchObject({ account: ACCOUNT, digest: true });
    expect(home?.listCalls).toBeGreaterThan(0);
    const drift = emf.find((line) => 'SelfCheckDrift' in line);
    expect(drift).toMatchObject({
      SelfCheckDrift: 1,
      FunctionName: 'iot-policy-guard-dev-sweep',
      service: 'iot-policy-guard',
    });

    const messages = await receiveAll(stack.queueUrl, { expect: 1, timeoutMs: 10_000 });
    const digests = messages.filter((m) => snsEnvelope(m).MessageAttributes?.kind?.Value === 'sweep-digest');
    expect(digests).toHaveLength(1);
    const digest = digestSchema.parse(JSON.parse(snsEnvelope(digests[0]!).Message));
    expect(digest.selfCheck).toEqual({
      checks: 5,
      drift: [
        {
          check: 'attach-rule',
          resource: stack.rule,
          problem: 'the rule is DISABLED: no attach event reaches attach-guard',
        },
      ],
    });
    expect(snsEnvelope(digests[0]!).Subject).toMatch(new RegExp(`^IoT policy sweep \\(${ACCOUNT}\\): 1 DRIFT, `));
    expect(snsEnvelope(digests[0]!).MessageAttributes?.severity?.Value).toBe('high');
  });
});
