/** What a function builds once per container: configuration, logger, metrics and SDK clients. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import { loadGuardConfig } from '../config/guard-config.js';
import type { GuardDeps } from './respond.js';

export const SERVICE_NAME = 'iot-policy-guard';
export const METRICS_NAMESPACE = 'IotPolicyGuard';

export interface Runtime {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly deps: GuardDeps;
}

/** Reads the configuration (throwing on a bad value, which stops the cold start) and builds the clients. */
export function createRuntime(functionName: string, env: NodeJS.ProcessEnv = process.env): Runtime {
  const logger = new Logger({ serviceName: SERVICE_NAME, logLevel: (env.LOG_LEVEL?.toUpperCase() as 'INFO' | undefined) ?? 'INFO', persistentKeys: { function: functionName } });
  const config = loadGuardConfig(env);
  const metrics = new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  // The SDK reads AWS_ENDPOINT_URL itself, so the same code runs against an emulator.
  const deps: GuardDeps = {
    config,
    iam: new IAMClient({}),
    sns: new SNSClient({}),
    events: config.findingsBusName ? new EventBridgeClient({}) : null,
    logger,
    metrics: { addMetric: (name, _unit, value) => metrics.addMetric(name, MetricUnit.Count, value) },
    now: () => new Date(),
  };
  logger.info('configuration', { mode: config.mode, scope: config.scope, allowlist: config.allowlist.source, entries: config.allowlist.allow.length, findingsBus: config.findingsBusName, alertOnFailedAttempts: config.alertOnFailedAttempts });
  return { logger, metrics, deps };
}
