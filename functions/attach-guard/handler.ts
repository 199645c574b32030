/** attach-guard: EventBridge delivers one `AWS API Call via CloudTrail` attach-policy event; we decide and respond. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { handleAttachEvent } from '../guard/attach-event.js';
import { createRuntime } from '../guard/runtime.js';

const { logger, metrics, deps } = createRuntime('attach-guard');

export const handler = middy(async (event: unknown) => {
  const { outcome } = await handleAttachEvent(event, deps);
  return { outcome };
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
