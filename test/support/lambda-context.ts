/** A Lambda context as the runtime hands it to a handler, for tests that invoke the functions' handlers. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * The context of one invocation of `functionName` in `account`; `remainingMs` is what getRemainingTimeInMillis
 * answers (the sweep stops starting accounts when little is left).
 */
export function lambdaContext(
  functionName: string,
  { account = '123456789012', remainingMs = 60_000 }: { account?: string; remainingMs?: number } = {},
): Context {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${account}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/26/[$LATEST]test',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}
