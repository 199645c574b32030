/**
 * Checks the deploy's stage parameters when serverless.yml is resolved (through template-values.cjs), so that a typo
 * stops `osls package` with a message naming the parameter, instead of deploying a function that fails every cold
 * start (the guard reads its configuration once, at start-up, and refuses a bad value).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, normalize, resolve, sep } from 'node:path';
import { loadAllowlistDocument } from '../functions/config/allowlist-file.js';
import { DEFAULT_STALE_AFTER, parseStaleAfter } from '../functions/config/guard-config.js';
import type { AllowlistDocument } from '../functions/core/allowlist.js';
import { renderShippedAllowlist } from '../functions/core/allowlist-shipped.js';
import { GUARD_MODES, type GuardMode } from '../functions/core/alert.js';
import {
  EXTERNAL_ID_RULE,
  isAccountId,
  isExternalId,
  isRegion,
  isRoleName,
  ROLE_NAME_MAX,
} from '../functions/core/aws-names.js';
import { MEMBER_READ_ROLE_SUFFIX } from '../functions/config/guard-config.js';

/** A stage parameter has a value the deploy cannot use; the message names the parameter. */
export class StageParamError extends Error {
  override readonly name = 'StageParamError';
}

/** `mode`: alert, dry-run or remediate. */
export function checkMode(value: unknown): GuardMode {
  if (typeof value === 'string' && (GUARD_MODES as readonly string[]).includes(value)) return value as GuardMode;
  throw new StageParamError(
    `--param="mode=..." must be one of ${GUARD_MODES.join(', ')}; got ${JSON.stringify(value)}`,
  );
}

/** `createTrail`: true or false, as text or as a YAML boolean. */
export function checkCreateTrail(value: unknown): 'true' | 'false' {
  const text = String(value);
  if (text === 'true' || text === 'false') return text;
  throw new StageParamError(`--param="createTrail=..." must be true or false; got ${JSON.stringify(value)}`);
}

/**
 * `chatTopic`: true or false. true creates the chat topic (infra/alerts.yml) that Slack and Teams channels subscribe
 * to.
 */
export function checkChatTopic(value: unknown): 'true' | 'false' {
  const text = String(value);
  if (text === 'true' || text === 'false') return text;
  throw new StageParamError(`--param="chatTopic=..." must be true or false; got ${JSON.stringify(value)}`);
}

/**
 * `alertEmail`: one e-mail address, or `none` for no e-mail subscription (returned as ''). Required by the commands
 * that build a template to deploy (`package`, `deploy`): a deploy that forgot it would silently delete the
 * subscription an earlier deploy of the stage made. `remove`, `info` and the like need no value.
 */
export function checkAlertEmail(value: unknown, command = 'deploy'): string {
  const text = String(value ?? '').trim();
  if (text === 'none') return '';
  if (text === '' && !['package', 'deploy'].includes(command)) return '';
  if (text === '') {
    throw new StageParamError(
      '--param="alertEmail=..." is required: the address that receives the alerts (confirm the mail AWS sends it). ' +
        'Give alertEmail=none to deploy without an e-mail subscription. Left out, a deploy would delete the ' +
        'subscription an earlier deploy made; keep the value in a `params` block for the stage (serverless.yml).',
    );
  }
  if (/^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$/.test(text)) return text;
  throw new StageParamError(
    `--param="alertEmail=..." must be one e-mail address, or none; got ${JSON.stringify(value)}`,
  );
}

/** osls options that take the next argument as their value. */
const VALUED_OPTIONS = new Set([
  '--stage',
  '-s',
  '--region',
  '-r',
  '--param',
  '--package',
  '-p',
  '--config',
  '-c',
  '--aws-profile',
]);

/**
 * The osls command of this process (`package`, `deploy`, `remove`, ...): its first argument that is no option or option
 * value.
 */
export function oslsCommand(argv: readonly string[]): string {
  const args = argv.slice(2);
  return args.find((arg, i) => !arg.startsWith('-') && !VALUED_OPTIONS.has(args[i - 1] ?? '')) ?? '';
}

/** `findingsBus`: empty (no finding events) or the name of a bus in the stack's account and Region, not an ARN. */
export function checkFindingsBus(value: unknown): string {
  const text = String(value ?? '').trim();
  if (text === '' || /^[\w.\-/]{1,256}$/.test(text)) return text;
  throw new StageParamError(
    `--param="findingsBus=..." must be the name of an event bus in this account and Region (to reach another ` +
      `account, add a rule there that forwards to it); got ${JSON.stringify(value)}`,
  );
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$/;
const UNIT_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 1440 };
/** The sweep's timeout: a shorter interval would start a run before the previous one may have finished. */
const SWEEP_MIN_INTERVAL_MINUTES = 5;

/**
 * `sweepSchedule`: when the sweep runs, as an EventBridge Scheduler expression, `rate(N unit)` (singular unit for 1,
 * plural otherwise, as AWS requires) of at least five minutes, or `cron(minutes hours day-of-month month day-of-week
 * year)` in UTC. One-time `at(...)` schedules are refused: the sweep is a standing check.
 */
export function checkSweepSchedule(value: unknown): string {
  const text = String(value ?? '').trim();
  const rate = RATE.exec(text);
  if (rate) {
    const count = Number(rate[1]);
    const unit = rate[2] ?? '';
    const singular = unit.replace(/s$/, '');
    if (
      count >= 1 &&
      String(count) === rate[1] &&
      (count === 1) === (unit === singular) &&
      count * (UNIT_MINUTES[singular] ?? 0) >= SWEEP_MIN_INTERVAL_MINUTES
    ) {
      return text;
    }
  } else if (CRON.test(text) && cronMinutesApart(text) >= SWEEP_MIN_INTERVAL_MINUTES) {
    return text;
  }
  throw new StageParamError(
    `--param="sweepSchedule=..." must be rate(N minutes|hours|days) of at least ${SWEEP_MIN_INTERVAL_MINUTES} ` +
      `minutes (rate(1 hour), rate(6 hours), rate(1 day)) or cron(minutes hours day-of-month month day-of-week ` +
      `year), e.g. cron(15 * * * ? *); got ${JSON.stringify(value)}`,
  );
}

/**
 * The least number of minutes between two runs of a cron expression, judged by its minutes field alone (hours and
 * days only spread runs further apart): `*` is 1, `*\/N` and `A/N` are N, a list or range is its smallest gap (a single
 * value is once an hour at most, 60).
 */
function cronMinutesApart(expression: string): number {
  const minutes = expression.slice('cron('.length).split(' ')[0] ?? '*';
  if (minutes === '*') return 1;
  const step = /^(?:\*|\d+)\/(\d+)$/.exec(minutes);
  if (step) return Number(step[1]);
  if (/^\d+$/.test(minutes)) return 60;
  const values = minutes.split(',').flatMap((part) => {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (!range) return /^\d+$/.test(part) ? [Number(part)] : [Number.NaN];
    return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  });
  if (values.some(Number.isNaN) || values.length === 0) return 0;
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const gaps = sorted.map((v, i) => ((sorted[(i + 1) % sorted.length] ?? v) - v + 60) % 60 || 60);
  return Math.min(...gaps);
}

/** The stack's parameters (serverless.yml `params.default`); a test keeps the two lists equal. */
export const PARAM_NAMES = [
  'alertEmail',
  'mode',
  'allowlist',
  'createTrail',
  'findingsBus',
  'logLevel',
  'sweepSchedule',
  'chatTopic',
  'organizationId',
  'memberRoleName',
  'memberExternalId',
  'sweepAccounts',
  'identityCenterRegion',
  'staleAfter',
  'watchTrail',
  'deployerRoleArn',
  'operatorRoleArns',
] as const;

/** Every `--param` on the command line names a parameter of this stack: a misspelt one would be ignored silently. */
export function checkParamNames(argv: readonly string[]): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = arg.startsWith('--param=')
      ? arg.slice('--param='.length)
      : arg === '--param'
        ? (argv[i + 1] ?? '')
        : null;
    if (value === null) continue;
    const name = value.split('=')[0] ?? '';
    if ((PARAM_NAMES as readonly string[]).includes(name)) continue;
    const near = PARAM_NAMES.find((known) => known.toLowerCase() === name.toLowerCase());
    throw new StageParamError(
      `--param="${name}=..." is not a parameter of this stack${near ? ` (did you mean ${near}?)` : ''}; the ` +
        `parameters are ${PARAM_NAMES.join(', ')}`,
    );
  }
}

/** The stage: part of every role name, which IAM caps at 64 characters. */
export function checkStage(value: unknown): string {
  const text = String(value ?? '');
  if (/^[a-zA-Z0-9-]{1,20}$/.test(text)) return text;
  throw new StageParamError(
    `--stage must be 1 to 20 letters, digits or hyphens (it is part of the functions' role names, which IAM limits ` +
      `to 64 characters); got ${JSON.stringify(value)}`,
  );
}

/** `staleAfter`: STALE_AFTER, the age beyond which attach-guard alerts on an event instead of acting on it. */
export function checkStaleAfter(value: unknown): string {
  const text = String(value ?? '').trim() || DEFAULT_STALE_AFTER;
  if (parseStaleAfter(text) !== null) return text;
  throw new StageParamError(
    `--param="staleAfter=..." must be a duration of at least 1 hour such as 24h (the default), 90m or 7d; got ` +
      `${JSON.stringify(value)}`,
  );
}

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

/** `logLevel`: the function's Powertools log level. */
export function checkLogLevel(value: unknown): (typeof LOG_LEVELS)[number] {
  const text = String(value ?? '').toUpperCase();
  if ((LOG_LEVELS as readonly string[]).includes(text)) return text as (typeof LOG_LEVELS)[number];
  throw new StageParamError(
    `--param="logLevel=..." must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(value)}`,
  );
}

/**
 * `allowlist`: a valid allowlist file inside the service directory, given relative to it (normalised path returned).
 * The deploy ships it compiled to JSON (writeShippedAllowlist) at a path inside the service directory, and the function
 * resolves ALLOWLIST_PATH against its task root, so a path outside cannot work.
 */
export function checkAllowlistPath(value: unknown, serviceDir: string): string {
  return readAllowlistParam(value, serviceDir).path;
}

/** Where the deploy writes the compiled allowlist: `.build/` + the file's path, with `.json` for its extension. */
export function shippedAllowlistPath(allowlistPath: string): string {
  return `.build/${allowlistPath.replace(/\.[^./]*$/, '')}.json`;
}

/**
 * `allowlist` at package time: checks the file as checkAllowlistPath does and writes what that one parse validated
 * (the strict YAML reader's result, defaults filled in) as a compiled allowlist (functions/core/allowlist-shipped.ts:
 * format version and checksum) to shippedAllowlistPath, relative to the service directory (git-ignored `.build/`), and
 * returns that path: serverless.yml packages it with each function and sets ALLOWLIST_PATH to it, so that the functions
 * read it with JSON.parse, and load neither a YAML reader nor the schema at cold start. The YAML file itself is not
 * shipped: the functions could not read it (their bundles have no YAML reader).
 */
export function writeShippedAllowlist(value: unknown, serviceDir: string): string {
  const { path, document } = readAllowlistParam(value, serviceDir);
  const shipped = shippedAllowlistPath(path);
  const target = resolve(serviceDir, shipped);
  mkdirSync(dirname(target), { recursive: true });
  // Written whole, then renamed: a packaging never zips a half-written file.
  const partial = `${target}.${process.pid}.tmp`;
  writeFileSync(partial, renderShippedAllowlist(document, path));
  renameSync(partial, target);
  return shipped;
}

function readAllowlistParam(value: unknown, serviceDir: string): { path: string; document: AllowlistDocument } {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new StageParamError(`--param="allowlist=..." must name an allowlist file; got ${JSON.stringify(value)}`);
  }
  const path = normalize(value.trim()).split(sep).join('/');
  if (isAbsolute(path) || path === '..' || path.startsWith('../')) {
    throw new StageParamError(
      `--param="allowlist=${value}" must be a path inside ${serviceDir}, relative to it: the file is packaged with ` +
        `the function`,
    );
  }
  try {
    return { path, document: loadAllowlistDocument(resolve(serviceDir, path)).document };
  } catch (error) {
    throw new StageParamError(`--param="allowlist=${value}": ${(error as Error).message}`, { cause: error });
  }
}

/**
 * `organizationId`: empty, or the AWS Organizations id whose accounts may forward events to this stack's bus. Required
 * with memberRoleName: without it the functions could assume a role of that name in any AWS account.
 */
export function checkOrganizationId(value: unknown, roleName: unknown = ''): string {
  const text = String(value ?? '').trim();
  if (text === '' && String(roleName ?? '').trim() !== '') {
    throw new StageParamError(
      '--param="organizationId=..." is required with memberRoleName: it confines the assume-role permission to the ' +
        "organization's accounts",
    );
  }
  if (text === '' || /^o-[a-z0-9]{10,32}$/.test(text)) return text;
  throw new StageParamError(
    `--param="organizationId=..." must be an organization id such as o-a1b2c3d4e5 (or empty); got ` +
      `${JSON.stringify(value)}`,
  );
}

/**
 * `memberRoleName`: empty (single account), or the remediation role the member template creates in each account. The
 * read-only role beside it is named after it (`<name>-read`), so it leaves room for the suffix in IAM's 64 characters.
 */
export function checkMemberRoleName(value: unknown): string {
  const text = String(value ?? '').trim();
  if (text === '' || isRoleName(text, ROLE_NAME_MAX - MEMBER_READ_ROLE_SUFFIX.length)) return text;
  throw new StageParamError(
    `--param="memberRoleName=..." must be an IAM role name of at most ` +
      `${ROLE_NAME_MAX - MEMBER_READ_ROLE_SUFFIX.length} characters (the read-only role is named ` +
      `<name>${MEMBER_READ_ROLE_SUFFIX}), or empty; got ${JSON.stringify(value)}`,
  );
}

/** The member accounts' read-only role (the sweep lists through it in every mode): MEMBER_READ_ROLE_NAME. */
export function memberReadRoleName(memberRoleName: unknown): string {
  const role = checkMemberRoleName(memberRoleName);
  return role === '' ? '' : `${role}${MEMBER_READ_ROLE_SUFFIX}`;
}

/** `memberExternalId`: required with memberRoleName (the member template's ExternalId), empty without it. */
export function checkMemberExternalId(value: unknown, roleName: unknown): string {
  const text = String(value ?? '').trim();
  const role = String(roleName ?? '').trim();
  if (role === '' && text === '') return '';
  if (role === '') throw new StageParamError('--param="memberExternalId=..." needs --param="memberRoleName=..."');
  if (isExternalId(text)) return text;
  throw new StageParamError(`--param="memberExternalId=..." is required with memberRoleName: ${EXTERNAL_ID_RULE}`);
}

/** `sweepAccounts`: member account ids the sweep covers besides its own, comma-separated; needs memberRoleName. */
export function checkSweepAccounts(value: unknown, roleName: unknown): string {
  const accounts = String(value ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const bad = accounts.find((a) => !isAccountId(a));
  if (bad !== undefined)
    throw new StageParamError(
      `--param="sweepAccounts=..." must be 12-digit account ids separated by commas; got ${JSON.stringify(bad)}`,
    );
  if (accounts.length > 0 && String(roleName ?? '').trim() === '')
    throw new StageParamError('--param="sweepAccounts=..." needs --param="memberRoleName=..."');
  return accounts.join(',');
}

/**
 * `identityCenterRegion`: empty (no IAM Identity Center), or the Region where Identity Center is enabled. It switches
 * on the central rule for permission-set attaches, the functions' SSO permissions and the sweep's Identity Center half.
 */
export function checkIdentityCenterRegion(value: unknown): string {
  const text = String(value ?? '').trim();
  // The Region names the functions accept as IDENTITY_CENTER_REGION (functions/config/guard-config.ts).
  if (text === '' || isRegion(text)) return text;
  throw new StageParamError(
    `--param="identityCenterRegion=..." must be the Region where IAM Identity Center is enabled, such as eu-west-1 ` +
      `(or empty); got ${JSON.stringify(value)}`,
  );
}

const TRAIL_NAME = /^[A-Za-z0-9](?:[\w.-]{1,126})[A-Za-z0-9]$/;
const TRAIL_ARN = /^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail\/[A-Za-z0-9][\w.-]{1,126}[A-Za-z0-9]$/;

/**
 * `watchTrail`: empty, or the name (in this account and Region) or ARN of an existing trail that the sweep's
 * self-check watches (docs/self-check.md). Not with createTrail=true: the stack's own trail is watched then.
 */
export function checkWatchTrail(value: unknown, createTrail: unknown): string {
  const text = String(value ?? '').trim();
  if (text === '') return '';
  if (checkCreateTrail(createTrail) === 'true') {
    throw new StageParamError(
      '--param="watchTrail=..." cannot go with createTrail=true: the self-check watches the trail the stack creates',
    );
  }
  if ((TRAIL_NAME.test(text) && !/[._-]{2}/.test(text)) || TRAIL_ARN.test(text)) return text;
  throw new StageParamError(
    `--param="watchTrail=..." must be a CloudTrail trail name (3 to 128 letters, digits, periods, underscores or ` +
      `hyphens, starting and ending with a letter or digit) or a trail ARN; got ${JSON.stringify(value)}`,
  );
}

/**
 * The trail the self-check watches (SELF_CHECK_TRAIL): the stack's own with createTrail=true, else watchTrail's, else
 * "".
 */
export function watchedTrail(watchTrail: unknown, createTrail: unknown, ownTrailName: string): string {
  const watched = checkWatchTrail(watchTrail, createTrail);
  return checkCreateTrail(createTrail) === 'true' ? ownTrailName : watched;
}

/** The watched trail's ARN, for the sweep role's permission: a name is a trail of the stack's account and Region. */
export function watchedTrailArn(watchTrail: unknown, createTrail: unknown, ownTrailName: string): string {
  const trail = watchedTrail(watchTrail, createTrail, ownTrailName);
  if (trail === '' || trail.startsWith('arn:')) return trail;
  return `arn:\${AWS::Partition}:cloudtrail:\${AWS::Region}:\${AWS::AccountId}:trail/${trail}`;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/**
 * `deployerRoleArn`: empty, or the role that deploys the stack (and so the role CloudFormation acts as). With it, the
 * alert and tamper topics' subscriptions, the dead-letter queue's purge and deletion, and the alert key's
 * administration
 * are denied to every principal but it and the operator roles.
 */
export function checkDeployerRoleArn(value: unknown): string {
  const text = String(value ?? '').trim();
  if (text === '' || ROLE_ARN.test(text)) return text;
  throw new StageParamError(
    `--param="deployerRoleArn=..." must be an IAM role ARN such as arn:aws:iam::111122223333:role/deployer (or ` +
      `empty); got ${JSON.stringify(value)}`,
  );
}

/** `operatorRoleArns`: role ARNs, comma-separated, allowed what deployerRoleArn is allowed; needs deployerRoleArn. */
export function checkOperatorRoleArns(value: unknown, deployer: unknown): string {
  const arns = String(value ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const bad = arns.find((a) => !ROLE_ARN.test(a));
  if (bad !== undefined)
    throw new StageParamError(
      `--param="operatorRoleArns=..." must be IAM role ARNs separated by commas; got ${JSON.stringify(bad)}`,
    );
  if (arns.length > 0 && checkDeployerRoleArn(deployer) === '') {
    throw new StageParamError(
      '--param="operatorRoleArns=..." needs --param="deployerRoleArn=...": without it CloudFormation itself could no ' +
        'longer change the topics, the queue and the key',
    );
  }
  return [...new Set(arns)].join(',');
}

/**
 * The principals allowed the guarded administration: the deployer, then the operators (comma-separated; empty: nobody
 * is singled out).
 */
export function adminPrincipalArns(deployer: unknown, operators: unknown): string {
  const first = checkDeployerRoleArn(deployer);
  return [first, ...checkOperatorRoleArns(operators, deployer).split(',')]
    .filter((a) => a !== '')
    .filter((a, i, all) => all.indexOf(a) === i)
    .join(',');
}
