/** What a function builds once per container: configuration, logger, metrics and SDK clients. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MetricsOptions } from '@aws-lambda-powertools/metrics/types';
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import { PARTITIONS, type Partition } from '../core/arn.js';
import { createAccountAccess } from '../aws/accounts.js';
import { createAlertKeeper } from '../aws/notify.js';
import { onFirstUse } from '../aws/lazy.js';
import { createIdentityCenterAccess } from '../aws/sso.js';
import { loadGuardConfig } from '../config/guard-config.js';
import type { GuardDeps } from './respond.js';

export const SERVICE_NAME = 'iot-policy-guard';
export const METRICS_NAMESPACE = 'IotPolicyGuard';

export interface Runtime {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly deps: GuardDeps;
}

/**
 * Reads the configuration (rejecting a bad value, which stops the cold start) and builds the clients: IAM and SNS
 * now, STS, EventBridge, SQS and SSO admin (SDK modules included) on first use (aws/lazy.ts).
 */
export async function createRuntime(
  functionName: string,
  env: NodeJS.ProcessEnv = process.env,
  iamConfig: IAMClientConfig = {},
): Promise<Runtime> {
  const logger = new Logger({
    serviceName: SERVICE_NAME,
    logLevel: (env.LOG_LEVEL?.toUpperCase() as 'INFO' | undefined) ?? 'INFO',
    persistentKeys: { function: functionName },
  });
  const config = await loadGuardConfig(env);
  const metrics = new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    logger: metricsLogger(logger),
  });
  // The SDK reads AWS_ENDPOINT_URL itself, so the same code runs against an emulator.
  const iam = new IAMClient(iamConfig);
  const deps: GuardDeps = {
    config,
    iam,
    accounts: createAccountAccess({
      home: iam,
      makeIam: (credentials) => new IAMClient({ ...iamConfig, credentials }),
      homeAccount: config.homeAccount,
      member: config.memberRole && { ...config.memberRole, partition: partitionOf(config.alertTopicArn) },
      // Loaded and built on first use: single-account deployments never initialise STS.
      sts: onFirstUse(async () => new (await import('@aws-sdk/client-sts')).STSClient({})),
    }),
    // One SSO admin client per Region an event comes from, built on first use (Identity Center is regional).
    identityCenter: createIdentityCenterAccess(),
    sns: new SNSClient({}),
    events: config.findingsBusName
      ? onFirstUse(async () => new (await import('@aws-sdk/client-eventbridge')).EventBridgeClient({}))
      : null,
    // Built on first use: only an alert SNS refused needs SQS.
    undelivered: config.alertFallbackQueueUrl
      ? createAlertKeeper(
          config.alertFallbackQueueUrl,
          onFirstUse(async () => new (await import('@aws-sdk/client-sqs')).SQSClient({})),
        )
      : null,
    logger,
    metrics: { addMetric: (name, _unit, value) => metrics.addMetric(name, MetricUnit.Count, value) },
    now: () => new Date(),
  };
  logger.info('configuration', {
    mode: config.mode,
    scope: config.scope,
    allowlist: config.allowlist.source,
    entries: config.allowlist.allow.length,
    findingsBus: config.findingsBusName,
    chatTopic: config.chatTopicArn ?? null,
    alertOnFailedAttempts: config.alertOnFailedAttempts,
    homeAccount: config.homeAccount,
    memberRole: config.memberRole?.roleName ?? null,
    sweepAccounts: config.sweepAccounts.length,
    identityCenterRegion: config.identityCenterRegion ?? null,
    staleAfterMs: config.staleAfterMs,
    alertFallbackQueue: config.alertFallbackQueueUrl !== null && config.alertFallbackQueueUrl !== undefined,
  });
  return { logger, metrics, deps };
}

// Powertools warns on every flush without metrics; most invocations (an allowed or not-governed event) have none.
const NO_METRICS = 'No application metrics to publish';

/**
 * The logger Powertools Metrics reports its own problems to (its `logger` option): ours, with the warning about an
 * empty flush at debug level. The metrics themselves never go through it (EMF goes straight to stdout).
 */
function metricsLogger(logger: Logger): NonNullable<MetricsOptions['logger']> {
  const forward =
    (log: (message: string, ...extra: { detail: unknown }[]) => void) =>
    (...content: unknown[]) =>
      log.call(logger, String(content[0] ?? ''), ...content.slice(1).map((detail) => ({ detail })));
  const warn = forward(logger.warn);
  return {
    trace: forward(logger.debug),
    debug: forward(logger.debug),
    info: forward(logger.info),
    warn: (...content: unknown[]) =>
      String(content[0] ?? '').startsWith(NO_METRICS) ? logger.debug(String(content[0])) : warn(...content),
    error: forward(logger.error),
  };
}

/** The partition of an ARN such as the alert topic's: where member roles are assumed. */
function partitionOf(arn: string): Partition {
  const partition = arn.split(':')[1] ?? 'aws';
  return (PARTITIONS as readonly string[]).includes(partition) ? (partition as Partition) : 'aws';
}
