/**
 * What the sweep's self-check reads (docs/self-check.md): the names and ARNs of the stack's own resources, which the
 * deploy sets in the sweep's environment (serverless.yml). Read and validated once, at cold start, like
 * guard-config.ts.
 */
import { ConfigError, type GuardConfig } from './guard-config.js';

export interface SelfCheckConfig {
  /** attach-guard's rules on the default bus (the IAM rule and, with Identity Center, the permission-set rule). */
  readonly ruleNames: readonly string[];
  /** What each rule must target: attach-guard's function ARN. */
  readonly ruleTarget: string;
  readonly schedule: { readonly groupName: string; readonly name: string };
  readonly topicArn: string;
  readonly keyArn: string;
  /** The trail to check (name or ARN); null when the stack neither created nor was told of one. */
  readonly trail: string | null;
  /** Where the trail lives when given by ARN (its client is built there); null: the function's Region. */
  readonly trailRegion: string | null;
  /** Event sources whose write management events the trail must record. */
  readonly trailSources: readonly string[];
}

const RULE_NAME = /^[\w.-]{1,64}$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]{1,64}$/;
const SCHEDULE = /^([\w.-]{1,64})\/([\w.-]{1,64})$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[\w-]{1,128}$/;
const TRAIL_NAME = /^[A-Za-z0-9][\w.-]{1,126}[A-Za-z0-9]$/;
const TRAIL_ARN = /^arn:aws[a-z-]*:cloudtrail:([a-z0-9-]+):\d{12}:trail\/[A-Za-z0-9][\w.-]{1,126}[A-Za-z0-9]$/;

/** The variables that switch the self-check on; all or none (SELF_CHECK_TRAIL is optional). */
export const SELF_CHECK_VARIABLES = [
  'SELF_CHECK_RULE_NAMES',
  'SELF_CHECK_RULE_TARGET',
  'SELF_CHECK_SCHEDULE',
  'ALERT_KEY_ARN',
] as const;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the self-check's targets; null when none of SELF_CHECK_VARIABLES is set (a sweep run outside the deployed
 * stack, e.g. a local run: the deploy always sets them). Some set and some not, or a malformed value, is a ConfigError.
 */
export function loadSelfCheckConfig(
  env: Env,
  guard: Pick<GuardConfig, 'alertTopicArn' | 'identityCenterRegion'>,
): SelfCheckConfig | null {
  const value = (name: string) => env[name]?.trim() ?? '';
  const missing = SELF_CHECK_VARIABLES.filter((name) => value(name) === '');
  if (missing.length === SELF_CHECK_VARIABLES.length) return null;
  if (missing.length > 0)
    throw new ConfigError(
      `the self-check needs ${SELF_CHECK_VARIABLES.join(', ')} together; missing: ${missing.join(', ')}`,
    );

  const ruleNames = value('SELF_CHECK_RULE_NAMES')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const badRule = ruleNames.find((n) => !RULE_NAME.test(n));
  if (ruleNames.length === 0 || badRule !== undefined) {
    throw new ConfigError(
      `SELF_CHECK_RULE_NAMES must be EventBridge rule names separated by commas, got ` +
        `"${badRule ?? value('SELF_CHECK_RULE_NAMES')}"`,
    );
  }
  const ruleTarget = value('SELF_CHECK_RULE_TARGET');
  if (!LAMBDA_ARN.test(ruleTarget))
    throw new ConfigError(
      `SELF_CHECK_RULE_TARGET must be attach-guard's function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME), got ` +
        `"${ruleTarget}"`,
    );
  const schedule = SCHEDULE.exec(value('SELF_CHECK_SCHEDULE'));
  if (!schedule)
    throw new ConfigError(
      `SELF_CHECK_SCHEDULE must be GROUP/NAME of the sweep's EventBridge Scheduler schedule, got ` +
        `"${value('SELF_CHECK_SCHEDULE')}"`,
    );
  const keyArn = value('ALERT_KEY_ARN');
  if (!KEY_ARN.test(keyArn))
    throw new ConfigError(`ALERT_KEY_ARN must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), got "${keyArn}"`);
  const trail = value('SELF_CHECK_TRAIL') || null;
  const trailArn = trail === null ? null : TRAIL_ARN.exec(trail);
  if (trail !== null && !trailArn && !TRAIL_NAME.test(trail)) {
    throw new ConfigError(`SELF_CHECK_TRAIL must be a CloudTrail trail name or ARN (or empty), got "${trail}"`);
  }
  return Object.freeze({
    ruleNames: Object.freeze(ruleNames),
    ruleTarget,
    schedule: Object.freeze({ groupName: schedule[1] ?? '', name: schedule[2] ?? '' }),
    topicArn: guard.alertTopicArn,
    keyArn,
    trail,
    trailRegion: trailArn?.[1] ?? null,
    // IAM's attach calls always; IAM Identity Center's when the guard watches it.
    trailSources: Object.freeze(
      guard.identityCenterRegion ? ['iam.amazonaws.com', 'sso.amazonaws.com'] : ['iam.amazonaws.com'],
    ),
  });
}
