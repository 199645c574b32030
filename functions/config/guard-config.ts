/**
 * The functions' configuration, read and validated once at cold start into a frozen object. A bad value stops
 * start-up with a message that names the variable and what it expected.
 */
import { isAbsolute, resolve } from 'node:path';
import { GUARD_MODES, type GuardMode } from '../core/alert.js';
import { AllowlistError, type Allowlist } from '../core/allowlist.js';
import { SCOPES, type Scope } from '../core/types.js';
import { loadAllowlistFile } from './allowlist-file.js';

export interface GuardConfig {
  readonly alertTopicArn: string;
  /** alert: never detach; remediate: detach where the allowlist's modes say so; dry-run: detach nothing, say what would be done. */
  readonly mode: GuardMode;
  /** The allowlist, with its top-level mode replaced by GUARD_MODE=remediate when set. */
  readonly allowlist: Allowlist;
  readonly scope: Scope;
  readonly findingsBusName: string | null;
  readonly alertOnFailedAttempts: boolean;
}

/** A configuration value is missing or wrong; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The allowlist shipped with the function, relative to the function's root. */
export const SHIPPED_ALLOWLIST = 'infra/allowlist.yml';
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;
const BUS_NAME = /^(arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[\w.\-/]{1,256}$/;

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the guard's configuration from the environment. */
export function loadGuardConfig(env: Env = process.env): GuardConfig {
  const alertTopicArn = required(env, 'ALERT_TOPIC_ARN');
  if (!SNS_TOPIC_ARN.test(alertTopicArn)) {
    throw new ConfigError(`ALERT_TOPIC_ARN must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got "${alertTopicArn}"`);
  }
  const guardMode = oneOf(env, 'GUARD_MODE', GUARD_MODES);
  const governedScope = oneOf(env, 'GOVERNED_SCOPE', SCOPES);
  const bus = env.FINDINGS_BUS_NAME?.trim() || null;
  if (bus !== null && !BUS_NAME.test(bus)) throw new ConfigError(`FINDINGS_BUS_NAME must be an event bus name or ARN, got "${bus}"`);
  const failed = oneOf(env, 'ALERT_ON_FAILED_ATTEMPTS', ['true', 'false'] as const) ?? 'false';
  oneOf(env, 'LOG_LEVEL', ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL', 'TRACE', 'debug', 'info', 'warn', 'error', 'silent', 'critical', 'trace'] as const);
  // The allowlist last: every variable above is checked even when the file is the problem.
  const root = env.LAMBDA_TASK_ROOT ?? process.cwd();
  const path = env.ALLOWLIST_PATH?.trim() || SHIPPED_ALLOWLIST;
  let allowlist: Allowlist;
  try {
    allowlist = loadAllowlistFile(isAbsolute(path) ? path : resolve(root, path));
  } catch (error) {
    if (error instanceof AllowlistError) throw new ConfigError(`ALLOWLIST_PATH: ${error.message}`, { cause: error });
    throw error;
  }
  const mode = guardMode ?? allowlist.mode;
  const scope = governedScope ?? allowlist.scope;
  return Object.freeze({
    alertTopicArn,
    mode,
    allowlist: mode === 'remediate' ? Object.freeze({ ...allowlist, mode: 'remediate' as const }) : allowlist,
    scope,
    findingsBusName: bus,
    alertOnFailedAttempts: failed === 'true',
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
    throw new ConfigError(`${name} must be one of ${[...new Set(allowed.map((a) => a.toLowerCase()))].join(', ')}; got "${value}"`);
  }
  return value as T;
}
