/** sweep: on a schedule, find governed policy attachments the events missed and respond to them as attach-guard does. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { IAMClient } from '@aws-sdk/client-iam';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createRuntime } from '../guard/runtime.js';
import { runSweep, targetOfFunction } from '../guard/sweep.js';

const runtime = createRuntime('sweep');
const { logger, metrics } = runtime;
// A batch of IAM reads shares the account's IAM request quota with everyone else: ride out throttling with more,
// client-side rate-limited retries than the default three attempts.
const deps = { ...runtime.deps, iam: new IAMClient({ maxAttempts: 8, retryMode: 'adaptive' }) };

export const handler = middy(async (_event: unknown, context: Context) => {
  const { digest, published } = await runSweep(targetOfFunction(context.invokedFunctionArn), deps);
  const { attachments, violations, outcomes, listCalls } = digest.counts;
  return { attachments, violations, outcomes, listCalls, digest: published };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
