/**
 * The functions' configuration, read and validated once at cold start into a frozen object. A bad value stops
 * start-up with a message that names the variable and what it expected.
 */
import { isAbsolute, resolve } from 'node:path';
import { resolveMode, type ModeSource } from '../core/action.js';
import { GUARD_MODES, type GuardMode } from '../core/alert.js';
import { AllowlistError, type Allowlist } from '../core/allowlist.js';
import { EXTERNAL_ID_RULE, isAccountId, isExternalId, isRegion, isRoleName } from '../core/aws-names.js';
import { SCOPES, type Scope } from '../core/types.js';
import { YamlUnavailableError } from '../core/yaml-library.js';
import { loadFunctionAllowlist } from './function-allowlist.js';

export interface GuardConfig {
  readonly alertTopicArn: string;
  /**
   * The chat topic (CHAT_TOPIC_ARN; empty: none): every alert and digest is also published there as an Amazon Q
   * Developer in chat applications (formerly AWS Chatbot) custom notification. Absent or null: no chat.
   */
  readonly chatTopicArn?: string | null;
  /**
   * alert: never detach; remediate: detach where the allowlist's modes say so; dry-run: detach nothing, say what would
   * be done.
   */
  readonly mode: GuardMode;
  /**
   * Where `mode` came from: GUARD_MODE (the deploy's mode parameter; the default when absent), or the allowlist's
   * `mode`.
   */
  readonly modeSource?: ModeSource;
  /** The allowlist, with its top-level mode replaced by GUARD_MODE=remediate when set. */
  readonly allowlist: Allowlist;
  readonly scope: Scope;
  readonly findingsBusName: string | null;
  readonly alertOnFailedAttempts: boolean;
  /** The account the function runs in (HOME_ACCOUNT_ID); events from other accounts need `memberRole`. */
  readonly homeAccount: string | null;
  /**
   * The roles the member template creates in each member account, and their external id: the remediation role (which
   * may detach) and its read-only companion, which the sweep lists through in every mode.
   */
  readonly memberRole: { readonly roleName: string; readonly readRoleName: string; readonly externalId: string } | null;
  /** Member accounts the sweep covers besides its own (SWEEP_ACCOUNTS, comma-separated). */
  readonly sweepAccounts: readonly string[];
  /**
   * Where IAM Identity Center is enabled (IDENTITY_CENTER_REGION): the sweep lists its permission sets there. Absent or
   * null: the sweep leaves Identity Center out (attach-guard acts in each event's own Region regardless).
   */
  readonly identityCenterRegion?: string | null;
  /**
   * STALE_AFTER: an event older than this (by its eventTime) is alerted as `stale` and never acted on. Lambda retries
   * for up to six hours, and dead-letter redrives and archive replays come later still; by then the allowlist or the
   * principal may have changed, and a detach could undo an attachment made legitimately since. Default 24 hours.
   */
  readonly staleAfterMs?: number;
  /**
   * ALERT_FALLBACK_QUEUE_URL: the SQS queue (the deploy's dead-letter queue) that keeps an alert SNS refused. Absent or
   * null: such an alert is only logged.
   */
  readonly alertFallbackQueueUrl?: string | null;
}

/** A configuration value is missing or wrong; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * The allowlist read when ALLOWLIST_PATH is not set (local runs), relative to the function's root. The deploy always
 * sets ALLOWLIST_PATH, to the allowlist it compiled to JSON and shipped in the zip (infra/stage-params.ts).
 */
export const DEFAULT_ALLOWLIST = 'infra/allowlist.yml';
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;
const BUS_NAME = /^(arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[\w.\-/]{1,256}$/;

/** The member template names the read-only role after the remediation role: `<MEMBER_ROLE_NAME>-read`. */
export const MEMBER_READ_ROLE_SUFFIX = '-read';

// https://sqs.REGION.amazonaws.com/ACCOUNT/NAME, or an emulator's http://HOST:PORT/ACCOUNT/NAME.
const QUEUE_URL = /^https?:\/\/[\w.:-]+\/\d{12}\/[\w-]{1,80}(\.fifo)?$/;

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_STALE_AFTER = '24h';
export const DEFAULT_STALE_AFTER_MS = 86_400_000;
const DURATION = /^([1-9]\d{0,5})([mhd])$/;
const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const MIN_STALE_AFTER_MS = 3_600_000;

/** A STALE_AFTER value (`90m`, `24h`, `7d`, at least an hour) in milliseconds; null when it is not one. */
export function parseStaleAfter(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  return ms >= MIN_STALE_AFTER_MS ? ms : null;
}

/**
 * Reads the guard's configuration from the environment. Asynchronous only for a local run's YAML allowlist, whose
 * reader is loaded on first use (function-allowlist.ts).
 */
export async function loadGuardConfig(env: Env = process.env): Promise<GuardConfig> {
  const alertTopicArn = required(env, 'ALERT_TOPIC_ARN');
  if (!SNS_TOPIC_ARN.test(alertTopicArn)) {
    throw new ConfigError(
      `ALERT_TOPIC_ARN must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got "${alertTopicArn}"`,
    );
  }
  const chatTopicArn = env.CHAT_TOPIC_ARN?.trim() || null;
  if (chatTopicArn !== null && !SNS_TOPIC_ARN.test(chatTopicArn)) {
    throw new ConfigError(
      `CHAT_TOPIC_ARN must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME) or empty, got "${chatTopicArn}"`,
    );
  }
  const guardMode = oneOf(env, 'GUARD_MODE', GUARD_MODES);
  const governedScope = oneOf(env, 'GOVERNED_SCOPE', SCOPES);
  const bus = env.FINDINGS_BUS_NAME?.trim() || null;
  if (bus !== null && !BUS_NAME.test(bus))
    throw new ConfigError(`FINDINGS_BUS_NAME must be an event bus name or ARN, got "${bus}"`);
  const failed = oneOf(env, 'ALERT_ON_FAILED_ATTEMPTS', ['true', 'false'] as const) ?? 'false';
  oneOf(env, 'LOG_LEVEL', [
    'DEBUG',
    'INFO',
    'WARN',
    'ERROR',
    'SILENT',
    'CRITICAL',
    'TRACE',
    'debug',
    'info',
    'warn',
    'error',
    'silent',
    'critical',
    'trace',
  ] as const);
  // The alert topic lives in the function's own account, so its ARN names the home account when HOME_ACCOUNT_ID does
  // not.
  const homeAccount = env.HOME_ACCOUNT_ID?.trim() || (alertTopicArn.split(':')[4] ?? null);
  if (homeAccount !== null && !isAccountId(homeAccount))
    throw new ConfigError(`HOME_ACCOUNT_ID must be a 12-digit account id, got "${homeAccount}"`);
  const roleName = env.MEMBER_ROLE_NAME?.trim() || null;
  const externalId = env.MEMBER_EXTERNAL_ID?.trim() || null;
  if ((roleName === null) !== (externalId === null))
    throw new ConfigError('MEMBER_ROLE_NAME and MEMBER_EXTERNAL_ID go together: set both or neither');
  if (roleName !== null && !isRoleName(roleName))
    throw new ConfigError(`MEMBER_ROLE_NAME must be an IAM role name, got "${roleName}"`);
  if (externalId !== null && !isExternalId(externalId))
    throw new ConfigError(`MEMBER_EXTERNAL_ID must be ${EXTERNAL_ID_RULE}`);
  const readRoleName =
    env.MEMBER_READ_ROLE_NAME?.trim() || (roleName === null ? null : `${roleName}${MEMBER_READ_ROLE_SUFFIX}`);
  if (readRoleName !== null && !isRoleName(readRoleName))
    throw new ConfigError(`MEMBER_READ_ROLE_NAME must be an IAM role name, got "${readRoleName}"`);
  if (readRoleName !== null && roleName === null)
    throw new ConfigError('MEMBER_READ_ROLE_NAME needs MEMBER_ROLE_NAME and MEMBER_EXTERNAL_ID');
  if (roleName !== null && homeAccount === null)
    throw new ConfigError('MEMBER_ROLE_NAME needs HOME_ACCOUNT_ID, to tell member accounts from this one');
  const sweepAccounts = (env.SWEEP_ACCOUNTS ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const badAccount = sweepAccounts.find((a) => !isAccountId(a));
  if (badAccount !== undefined)
    throw new ConfigError(`SWEEP_ACCOUNTS must be 12-digit account ids separated by commas, got "${badAccount}"`);
  if (sweepAccounts.length > 0 && roleName === null)
    throw new ConfigError('SWEEP_ACCOUNTS needs MEMBER_ROLE_NAME and MEMBER_EXTERNAL_ID');
  const identityCenterRegion = env.IDENTITY_CENTER_REGION?.trim() || null;
  if (identityCenterRegion !== null && !isRegion(identityCenterRegion)) {
    throw new ConfigError(
      `IDENTITY_CENTER_REGION must be an AWS Region such as eu-west-1 (where IAM Identity Center is enabled), got ` +
        `"${identityCenterRegion}"`,
    );
  }
  const staleAfter = env.STALE_AFTER?.trim() || DEFAULT_STALE_AFTER;
  const staleAfterMs = parseStaleAfter(staleAfter);
  if (staleAfterMs === null)
    throw new ConfigError(
      `STALE_AFTER must be a duration of at least 1 hour such as 24h, 90m or 7d; got "${staleAfter}"`,
    );
  const alertFallbackQueueUrl = env.ALERT_FALLBACK_QUEUE_URL?.trim() || null;
  if (alertFallbackQueueUrl !== null && !QUEUE_URL.test(alertFallbackQueueUrl)) {
    throw new ConfigError(
      `ALERT_FALLBACK_QUEUE_URL must be an SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME), got ` +
        `"${alertFallbackQueueUrl}"`,
    );
  }
  // The allowlist last: every variable above is checked even when the file is the problem.
  const root = env.LAMBDA_TASK_ROOT ?? process.cwd();
  const path = env.ALLOWLIST_PATH?.trim() || DEFAULT_ALLOWLIST;
  let allowlist: Allowlist;
  try {
    // A .json file (what the deploy ships) is read without any YAML or schema code: neither loads at cold start.
    allowlist = await loadFunctionAllowlist(isAbsolute(path) ? path : resolve(root, path));
  } catch (error) {
    if (error instanceof AllowlistError) throw new ConfigError(`ALLOWLIST_PATH: ${error.message}`, { cause: error });
    if (error instanceof YamlUnavailableError) {
      throw new ConfigError(
        `ALLOWLIST_PATH: ${path} is not a .json file, and this function cannot read YAML (its bundle leaves the ` +
          'yaml package out): the deploy compiles the allowlist to JSON and ships that (.build/…json in the zip); ' +
          'point ALLOWLIST_PATH at a .json allowlist',
        { cause: error },
      );
    }
    throw error;
  }
  const scope = governedScope ?? allowlist.scope;
  return Object.freeze({
    alertTopicArn,
    chatTopicArn,
    ...resolveMode(guardMode, allowlist),
    scope,
    findingsBusName: bus,
    alertOnFailedAttempts: failed === 'true',
    homeAccount,
    memberRole:
      roleName !== null && externalId !== null && readRoleName !== null
        ? Object.freeze({ roleName, readRoleName, externalId })
        : null,
    sweepAccounts: Object.freeze([...new Set(sweepAccounts)]),
    identityCenterRegion,
    staleAfterMs,
    alertFallbackQueueUrl,
  });
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is required`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[]): T | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === '') return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(
      `${name} must be one of ${[...new Set(allowed.map((a) => a.toLowerCase()))].join(', ')}; got "${value}"`,
    );
  }
  return value as T;
}
