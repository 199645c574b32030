/** Deps for the guard's unit tests: real SDK clients (stubbed with aws-sdk-client-mock by the test), recorded logs. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import type { GuardConfig } from '../../functions/config/guard-config.js';
import { createAlertKeeper } from '../../functions/aws/notify.js';
import { createIdentityCenterAccess } from '../../functions/aws/sso.js';
import type { GuardDeps } from '../../functions/guard/respond.js';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

export const TOPIC = 'arn:aws:sns:us-east-1:123456789012:iot-policy-guard-alerts';
export const HANDLED_AT = new Date('2026-11-26T12:00:00Z');

export const TEST_ALLOWLIST = parseAllowlist(
  `version: 1
mode: remediate
modes:
  AWSIoTConfigReadOnlyAccess: alert
allow:
  - policy: service-role/AWSIoTLogging
    principal: role/iot-logging-role
    reason: the IoT logging role
`,
  'test-allowlist.yml',
);

/** A configuration as loadGuardConfig returns it: one account, no findings bus or member role; `config` overrides. */
export function guardConfig(config: Partial<GuardConfig> = {}): GuardConfig {
  return {
    alertTopicArn: TOPIC,
    mode: 'remediate',
    allowlist: TEST_ALLOWLIST,
    scope: 'aws-iot',
    findingsBusName: null,
    alertOnFailedAttempts: false,
    homeAccount: null,
    memberRole: null,
    sweepAccounts: [],
    ...config,
  };
}

export function guardDeps(
  config: Partial<GuardConfig> = {},
): GuardDeps & { logs: LogLine[]; metrics: GuardDeps['metrics'] & { counts: Record<string, number> } } {
  const logs: LogLine[] = [];
  const log = (level: LogLine['level']) => (message: string, fields: Record<string, unknown>) =>
    void logs.push({ level, message, fields });
  const counts: Record<string, number> = {};
  // The fixtures were recorded months before HANDLED_AT: staleness has tests of its own (attach-guard-doubt.test.ts).
  const fullConfig = guardConfig({ staleAfterMs: 365 * 86_400_000, ...config });
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const events = new EventBridgeClient({ region: 'us-east-1', credentials, maxAttempts: 1 });
  return {
    config: fullConfig,
    iam: new IAMClient({ region: 'us-east-1', credentials, maxAttempts: 1 }),
    identityCenter: createIdentityCenterAccess({ credentials, maxAttempts: 1 }),
    sns: new SNSClient({ region: 'us-east-1', credentials, maxAttempts: 1 }),
    events: fullConfig.findingsBusName ? async () => events : null,
    undelivered: fullConfig.alertFallbackQueueUrl
      ? createAlertKeeper(
          fullConfig.alertFallbackQueueUrl,
          async () => new SQSClient({ region: 'us-east-1', credentials, maxAttempts: 1 }),
        )
      : null,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    metrics: {
      counts,
      addMetric: (name, _unit, value) => {
        counts[name] = (counts[name] ?? 0) + value;
      },
    },
    now: () => HANDLED_AT,
    logs,
  };
}
