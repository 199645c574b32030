/**
 * Packages the stack with `osls package` into a directory of its own, offline and without AWS credentials, and reads
 * the result back: the CloudFormation template and the function's zip. Used by the template and event-pattern tests.
 *
 * osls and serverless-esbuild work in the service directory (.esbuild/, .serverless/), so two packagings at once
 * would trample each other: callers in different test workers take turns through a lock directory.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OSLS = join(REPO_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
const LOCK = join(
  tmpdir(),
  `iot-policy-guard-package-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`,
);
const STALE_LOCK_MS = 300_000;

export type Template = {
  Conditions?: Record<string, unknown>;
  Resources: Record<
    string,
    { Type: string; Condition?: string; DependsOn?: unknown; Properties?: Record<string, unknown> }
  >;
  Outputs?: Record<string, unknown>;
};

export interface PackagedStack {
  readonly dir: string;
  readonly template: Template;
  /** Wall-clock time of `osls package`, lock wait excluded. */
  readonly millis: number;
  /** Path of a function's deployment package, e.g. `artifact('attachGuard')`. */
  artifact(functionKey: string): string;
}

/** Parameters every test packaging gets unless it names them: alertEmail is required (none: no subscription). */
export const TEST_DEFAULT_PARAMS: Readonly<Record<string, string>> = { alertEmail: 'none' };

/**
 * Runs `osls package --stage STAGE --package DIR [--param=k=v ...]` with the AWS credential variables removed, and
 * returns the template it wrote. Throws with osls's output when packaging fails.
 */
export async function packageStack(
  dir: string,
  params: Record<string, string> = {},
  stage = 'dev',
): Promise<PackagedStack> {
  rmSync(dir, { recursive: true, force: true });
  const args = [
    'package',
    '--stage',
    stage,
    '--package',
    dir,
    ...Object.entries({ ...TEST_DEFAULT_PARAMS, ...params }).map(([k, v]) => `--param=${k}=${v}`),
  ];
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  Object.assign(env, {
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  });
  let millis = 0;
  await withServiceDirectory(async () => {
    const started = Date.now();
    await runOsls(args, env, 'package');
    millis = Date.now() - started;
  });
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  return { dir, template, millis, artifact: (functionKey) => join(dir, `${functionKey}.zip`) };
}

/** Runs osls with these arguments in the repository; throws with its output when it fails. */
export async function runOsls(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  what: string,
  timeout = 120_000,
): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [OSLS, ...args], {
      cwd: REPO_ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
      timeout,
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`osls ${what} failed:\n${stdout}\n${stderr}`, { cause: error });
  }
}

/**
 * Runs `work` while no other packaging or deploy of this checkout uses the service directory (.esbuild/, .serverless/).
 */
export async function withServiceDirectory<T>(work: () => Promise<T>): Promise<T> {
  const release = await acquireLock();
  try {
    return await work();
  } finally {
    release();
  }
}

async function acquireLock(): Promise<() => void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A holder that died (killed test run) leaves its lock behind; packaging never takes this long.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // Released meanwhile.
      }
      await new Promise((done) => setTimeout(done, 200));
    }
  }
}

/** The pseudo parameters of the account the tests pretend to deploy to. */
export const TEST_PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::StackName': 'iot-policy-guard-dev',
};

/**
 * Replaces every `Fn::Sub` whose variables are all pseudo parameters by the string CloudFormation would make of it;
 * anything else (a `Ref`, a `Fn::Sub` of a resource attribute) stays as it is.
 */
export function substitutePseudoParameters(
  value: unknown,
  pseudo: Readonly<Record<string, string>> = TEST_PSEUDO_PARAMETERS,
): unknown {
  if (Array.isArray(value)) return value.map((inner) => substitutePseudoParameters(inner, pseudo));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && first[0] === 'Fn::Sub' && typeof first[1] === 'string') {
    const names = [...first[1].matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1] ?? '');
    if (names.every((name) => name in pseudo))
      return first[1].replace(/\$\{([^}]+)\}/g, (_, name: string) => pseudo[name] ?? '');
  }
  return Object.fromEntries(entries.map(([key, inner]) => [key, substitutePseudoParameters(inner, pseudo)]));
}
