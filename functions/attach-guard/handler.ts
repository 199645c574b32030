/** attach-guard: EventBridge delivers one `AWS API Call via CloudTrail` attach-policy event; we decide and respond. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { handleAttachEvent } from '../guard/attach-event.js';
import { createRuntime } from '../guard/runtime.js';

// Top-level await: the cold start ends once the configuration is read (or fails with it).
const { logger, metrics, deps } = await createRuntime('attach-guard');

export const handler = middy(async (event: unknown) => {
  const { outcome } = await handleAttachEvent(event, deps);
  return { outcome };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
