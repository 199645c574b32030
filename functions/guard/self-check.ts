/**
 * The self-check of every sweep run (docs/self-check.md): read the stack's own rule(s), schedule, topic subscriptions,
 * trail and key, and report what has drifted, in the digest and as the SelfCheckDrift metric. Only the sweep loads
 * this module, so attach-guard's bundle and cold start carry none of its clients.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SNSClient } from '@aws-sdk/client-sns';
import { SELF_CHECK_METRIC, summarizeSelfCheck, type Observation, type SelfCheckSummary } from '../core/self-check.js';
import { readKey, readRule, readSchedule, readSubscriptions, readTrail } from '../aws/self-check-reads.js';
import { loadSelfCheckConfig, type SelfCheckConfig } from '../config/self-check-config.js';
import type { GuardDeps, GuardLogger } from './respond.js';

export interface SelfCheckClients {
  readonly events: EventBridgeClient;
  readonly scheduler: SchedulerClient;
  readonly sns: SNSClient;
  readonly cloudtrail: CloudTrailClient | null;
  readonly kms: KMSClient;
}

export interface SelfCheck {
  /** Checks the stack's resources once; reports the number of findings through `emit`. Never throws. */
  run(emit: (drift: number) => void): Promise<SelfCheckSummary>;
}

/**
 * The deployed stack's self-check, configured from the environment at cold start (a bad value throws ConfigError);
 * null when its variables are not set (a sweep run outside the deployed stack).
 */
export function createSelfCheck(
  env: Readonly<Record<string, string | undefined>>,
  deps: Pick<GuardDeps, 'config' | 'sns' | 'logger'>,
): SelfCheck | null {
  const config = loadSelfCheckConfig(env, deps.config);
  if (config === null) {
    deps.logger.warn('self-check off', {
      reason: 'SELF_CHECK_RULE_NAMES, SELF_CHECK_RULE_TARGET, SELF_CHECK_SCHEDULE and ALERT_KEY_ARN are not set',
    });
    return null;
  }
  const clients = createSelfCheckClients(config, deps.sns);
  deps.logger.info('self-check configuration', {
    rules: config.ruleNames,
    schedule: `${config.schedule.groupName}/${config.schedule.name}`,
    trail: config.trail,
    key: config.keyArn,
  });
  return { run: (emit) => runSelfCheck(config, clients, deps.logger, emit) };
}

/** What every self-check client is built with (nothing in Lambda; an emulator's endpoint in tests). */
export interface ClientBase {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Builds the self-check's clients once, at cold start; the SNS client is the sweep's own. `base`: tests' endpoint. */
export function createSelfCheckClients(
  config: SelfCheckConfig,
  sns: SNSClient,
  base: ClientBase = {},
): SelfCheckClients {
  return {
    events: new EventBridgeClient({ ...base }),
    scheduler: new SchedulerClient({ ...base }),
    sns,
    // A trail given by ARN is read in its own Region.
    cloudtrail:
      config.trail === null
        ? null
        : new CloudTrailClient({ ...base, ...(config.trailRegion ? { region: config.trailRegion } : {}) }),
    kms: new KMSClient({ ...base }),
  };
}

/** Reads everything the self-check covers, all at once; never throws (a failed read is drift). */
export async function observe(config: SelfCheckConfig, clients: SelfCheckClients): Promise<Observation[]> {
  const rules = config.ruleNames.map(
    async (name): Promise<Observation> => ({
      check: 'attach-rule',
      resource: name,
      target: config.ruleTarget,
      read: await readRule(clients.events, name),
    }),
  );
  const { groupName, name } = config.schedule;
  const others: Promise<Observation>[] = [
    readSchedule(clients.scheduler, groupName, name).then((read) => ({
      check: 'sweep-schedule',
      resource: `${groupName}/${name}`,
      read,
    })),
    readSubscriptions(clients.sns, config.topicArn).then((read) => ({
      check: 'alert-subscription',
      resource: config.topicArn,
      read,
    })),
    readKey(clients.kms, config.keyArn).then((read) => ({ check: 'alert-key', resource: config.keyArn, read })),
  ];
  if (config.trail !== null && clients.cloudtrail) {
    const trail = config.trail;
    others.push(
      readTrail(clients.cloudtrail, trail).then((read) => ({
        check: 'trail',
        resource: trail,
        sources: config.trailSources,
        read,
      })),
    );
  }
  return Promise.all([...rules, ...others]);
}

/** Runs the self-check, logs one line and reports the drift count through `emit`; the summary goes in the digest. */
export async function runSelfCheck(
  config: SelfCheckConfig,
  clients: SelfCheckClients,
  logger: GuardLogger,
  emit: (drift: number) => void,
): Promise<SelfCheckSummary> {
  const summary = summarizeSelfCheck(await observe(config, clients));
  const fields = { checks: summary.checks, drift: summary.drift.length, findings: summary.drift };
  if (summary.drift.length > 0) logger.warn('self-check drift', fields);
  else logger.info('self-check clean', fields);
  emit(summary.drift.length);
  return summary;
}

/**
 * Emits SelfCheckDrift on its own, with the function's name as a dimension besides `service`: two stages in one account
 * and Region share the namespace and service name, and each stage's alarm must see its own sweep only.
 */
export function emitDriftMetric(metrics: Metrics, functionName: string): (drift: number) => void {
  return (drift) => {
    const single = metrics.singleMetric();
    single.addDimension('FunctionName', functionName);
    single.addMetric(SELF_CHECK_METRIC, MetricUnit.Count, drift);
  };
}
