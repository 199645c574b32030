/**
 * sweep: on a schedule, find governed policy attachments the events missed and respond to them as attach-guard does.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createRuntime } from '../guard/runtime.js';
import { createSelfCheck, emitDriftMetric } from '../guard/self-check.js';
import { sweepAccounts, targetOfFunction } from '../guard/sweep.js';

// A batch of IAM reads shares the account's IAM request quota with everyone else: ride out throttling with more,
// client-side rate-limited retries than the default three attempts.
const { logger, metrics, deps } = await createRuntime('sweep', process.env, { maxAttempts: 8, retryMode: 'adaptive' });
// The guard's own resources, checked every run (docs/self-check.md); only the sweep builds these clients.
const selfCheck = createSelfCheck(process.env, deps);

export const handler = middy(async (_event: unknown, context: Context) => {
  const checked = await selfCheck?.run(emitDriftMetric(metrics, context.functionName));
  // Start each run at another member account (by the hour), so that an organization too large for one run is covered in
  // turn.
  const rotation = Math.floor(deps.now().getTime() / 3_600_000);
  const results = await sweepAccounts(targetOfFunction(context.invokedFunctionArn), deps, {
    remainingMs: () => context.getRemainingTimeInMillis(),
    rotation,
    ...(checked ? { selfCheck: checked } : {}),
  });
  // The heartbeat (infra/tamper.yml): a run that swept every account. Its own dimension, the function, so that two
  // stages in one account do not stand in for each other; sent at once, whatever happens after.
  metrics
    .singleMetric()
    .addDimension('function', context.functionName)
    .addMetric('SweepCompleted', MetricUnit.Count, 1);
  return results.map(({ account, digest, published }) => {
    const { attachments, violations, outcomes, listCalls } = digest.counts;
    return { account, attachments, violations, outcomes, listCalls, digest: published };
  });
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
