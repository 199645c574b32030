/** What a function builds once per container: configuration, logger, metrics and SDK clients. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import { PARTITIONS, type Partition } from '../core/arn.js';
import { createAccountAccess } from '../aws/accounts.js';
import { createAlertKeeper } from '../aws/notify.js';
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

/** Reads the configuration (throwing on a bad value, which stops the cold start) and builds the clients. */
export function createRuntime(functionName: string, env: NodeJS.ProcessEnv = process.env, iamConfig: IAMClientConfig = {}): Runtime {
  const logger = new Logger({ serviceName: SERVICE_NAME, logLevel: (env.LOG_LEVEL?.toUpperCase() as 'INFO' | undefined) ?? 'INFO', persistentKeys: { function: functionName } });
  const config = loadGuardConfig(env);
  const metrics = new Metrics({ namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  // The SDK reads AWS_ENDPOINT_URL itself, so the same code runs against an emulator.
  const iam = new IAMClient(iamConfig);
  let sts: STSClient | undefined;
  let sqs: SQSClient | undefined;
  const deps: GuardDeps = {
    config,
    iam,
    accounts: createAccountAccess({
      home: iam,
      makeIam: (credentials) => new IAMClient({ ...iamConfig, credentials }),
      homeAccount: config.homeAccount,
      member: config.memberRole && { ...config.memberRole, partition: partitionOf(config.alertTopicArn) },
      // Loaded and built on first use: single-account deployments never initialise STS.
      sts: async () => (sts ??= new (await import('@aws-sdk/client-sts')).STSClient({})),
    }),
    // One SSO admin client per Region an event comes from, built on first use (Identity Center is regional).
    identityCenter: createIdentityCenterAccess(),
    sns: new SNSClient({}),
    events: config.findingsBusName ? new EventBridgeClient({}) : null,
    // Built on first use: only an alert SNS refused needs SQS.
    undelivered: config.alertFallbackQueueUrl ? createAlertKeeper(config.alertFallbackQueueUrl, async () => (sqs ??= new (await import('@aws-sdk/client-sqs')).SQSClient({}))) : null,
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
    alertOnFailedAttempts: config.alertOnFailedAttempts,
    homeAccount: config.homeAccount,
    memberRole: config.memberRole?.roleName ?? null,
    sweepAccounts: config.sweepAccounts.length,
    identityCenterRegion: config.identityCenterRegion ?? null,
  });
  return { logger, metrics, deps };
}

/** The partition of an ARN such as the alert topic's: where member roles are assumed. */
function partitionOf(arn: string): Partition {
  const partition = arn.split(':')[1] ?? 'aws';
  return (PARTITIONS as readonly string[]).includes(partition) ? (partition as Partition) : 'aws';
}
