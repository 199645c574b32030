/**
 * Benchmark 3's measuring process (run by bench/revert/revert.ts with node, after esbuild has bundled it):
 * the bundled attach-guard handler against the same two SDK calls (DetachRolePolicy, Publish) made directly, both
 * against moto, alternating, each on a role of its own with AWSIoTFullAccess attached. Writes its results as JSON to
 * the file named by argv[2]; stdout is the function's log (Powertools logger and EMF metrics, as in Lambda).
 *
 * argv: OUT_FILE ITERATIONS HANDLER_BUNDLE
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  PublishCommand,
  SNSClient,
  type PublishCommandInput,
} from '@aws-sdk/client-sns';
import { buildAlert, renderSnsMessage } from '../../functions/core/alert.js';
import { attachmentOf } from '../../functions/core/attachment.js';
import { readAttachEvent } from '../../functions/core/cloudtrail.js';
import { installProbe, mark, requestsSince } from '../lib/http-probe.js';

const POLICY = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';
const FIXTURE = 'test/fixtures/events/AttachRolePolicy.eventbridge-full-access.json';

interface Sample {
  /** Handler called (or first SDK call started) to DetachRolePolicy request issued, ms. */
  readonly toDetachMs: number;
  /** Handler called (or first SDK call started) to Publish request issued, ms. */
  readonly toPublishMs: number;
  /** The whole invocation (or both direct calls), ms. */
  readonly totalMs: number;
}

type Handler = (event: unknown, context: unknown) => Promise<{ outcome: string | null }>;

const [outFile, iterationsArg, bundlePath] = process.argv.slice(2);
if (!outFile || !iterationsArg || !bundlePath) throw new Error('usage: child.js OUT_FILE ITERATIONS HANDLER_BUNDLE');
const iterations = Number(iterationsArg);
const WARMUP = 3;
const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

const context = {
  functionName: 'attach-guard',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:attach-guard',
  memoryLimitInMB: '256',
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 30_000,
};

const template = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
  id: string;
  time: string;
  detail: { eventID: string; eventTime: string; requestParameters: { roleName: string } };
};

function eventFor(roleName: string, i: number): unknown {
  const event = structuredClone(template);
  event.id = `bench-${runId}-${i}`;
  event.detail.eventID = `bench-${runId}-${i}`;
  event.detail.requestParameters.roleName = roleName;
  // Just made: the guard reports an event older than STALE_AFTER instead of detaching.
  event.time = event.detail.eventTime = new Date().toISOString();
  return event;
}

/** The time from `start` to the first request for `action` after `since`. */
function issuedAfter(since: number, start: number, service: string, action: string): number {
  const request = requestsSince(since).find((r) => r.service === service && r.action === action);
  return request ? request.at - start : Number.NaN;
}

function sample(since: number, start: number, end: number): Sample {
  return {
    toDetachMs: issuedAfter(since, start, 'iam', 'DetachRolePolicy'),
    toPublishMs: issuedAfter(since, start, 'sns', 'Publish'),
    totalMs: end - start,
  };
}

async function main(): Promise<void> {
  installProbe();
  // Clients for set-up and for the direct calls: built like the handler's (`{}`, endpoint and region from the
  // environment).
  const iam = new IAMClient({});
  const sns = new SNSClient({});
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `bench-revert-${runId}` }));
  if (!TopicArn) throw new Error('CreateTopic returned no TopicArn');
  process.env.ALERT_TOPIC_ARN = TopicArn;
  const mod = (await import(pathToFileURL(bundlePath as string).href)) as {
    handler?: Handler;
    default?: { handler?: Handler };
  };
  const handler = mod.handler ?? mod.default?.handler;
  if (!handler) throw new Error(`${bundlePath} exports no handler`);

  // The direct calls publish the very message the handler publishes (rendered here, outside the timing).
  const read = readAttachEvent((template as unknown as { detail: unknown }).detail, '123456789012');
  if (read.kind !== 'attach') throw new Error('fixture is not an attach event');
  const message: PublishCommandInput = {
    TopicArn,
    ...renderSnsMessage(
      buildAlert({
        attachment: attachmentOf(read.event),
        decision: { verdict: 'violation', action: 'remediate', rule: null, reason: 'no allowlist entry matches' },
        outcome: 'reverted',
        mode: 'remediate',
        handledAt: new Date(),
      }),
    ),
  };

  const total = WARMUP + iterations;
  const roles = { handler: [] as string[], direct: [] as string[] };
  for (let i = 0; i < total; i++) {
    for (const arm of ['handler', 'direct'] as const) {
      const name = `bench-rv-${runId}-${arm[0]}${i}`;
      await iam.send(
        new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }),
      );
      await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: POLICY }));
      roles[arm].push(name);
    }
  }

  const samples = { handler: [] as Sample[], direct: [] as Sample[] };
  const outcomes: Record<string, number> = {};
  const viaHandler = async (i: number): Promise<Sample> => {
    const event = eventFor(roles.handler[i] as string, i);
    const since = mark();
    const start = performance.now();
    const { outcome } = await handler(event, context);
    const end = performance.now();
    outcomes[String(outcome)] = (outcomes[String(outcome)] ?? 0) + 1;
    return sample(since, start, end);
  };
  const direct = async (i: number): Promise<Sample> => {
    const since = mark();
    const start = performance.now();
    await iam.send(new DetachRolePolicyCommand({ RoleName: roles.direct[i] as string, PolicyArn: POLICY }));
    await sns.send(new PublishCommand(message));
    const end = performance.now();
    return sample(since, start, end);
  };

  for (let i = 0; i < total; i++) {
    const pair = i % 2 === 0 ? [viaHandler, direct] : [direct, viaHandler];
    const results: Sample[] = [];
    for (const fn of pair) results.push(await fn(i));
    if (i < WARMUP) continue;
    const [first, second] = results as [Sample, Sample];
    samples.handler.push(i % 2 === 0 ? first : second);
    samples.direct.push(i % 2 === 0 ? second : first);
  }

  // Check that the handler really detached, then clean up (the emulator outlives the run).
  let stillAttached = 0;
  for (const arm of ['handler', 'direct'] as const) {
    for (const name of roles[arm]) {
      const { AttachedPolicies = [] } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }));
      if (AttachedPolicies.length > 0) stillAttached++;
      await iam.send(new DeleteRoleCommand({ RoleName: name })).catch(() => undefined);
    }
  }
  await sns.send(new DeleteTopicCommand({ TopicArn })).catch(() => undefined);
  writeFileSync(outFile as string, JSON.stringify({ iterations, warmup: WARMUP, samples, outcomes, stillAttached }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
