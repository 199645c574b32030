/**
 * Brings up the AWS API emulator for the integration tests: the first route (routes.ts) that yields a moto server
 * which starts, answers, and passes the self-test. Used by `npm run emulator` and by the tests' global setup.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROUTES, tryRoute, type MotoInstall, type RouteName } from './routes.js';
import { selfTest } from './self-test.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVE = join(HERE, 'serve.py');
export const REPO_ROOT = resolve(HERE, '..', '..');
const START_TIMEOUT_MS = 90_000;

export interface EmulatorOptions {
  port: number;
  /** Install folder; default EMULATOR_DIR, else .emulator/ in the repository (git-ignored). */
  dir?: string;
  /** Routes to try, in order; default EMULATOR_ROUTES (comma-separated), else all four. */
  routes?: readonly RouteName[];
  log: (line: string) => void;
}

export interface RunningEmulator {
  readonly endpoint: string;
  readonly install: MotoInstall;
  readonly logFile: string;
  stop(): void;
}

export type EmulatorResult =
  | { ok: true; emulator: RunningEmulator }
  | { ok: false; tried: readonly { route: RouteName; reason: string }[] };

export function installDir(dir?: string): string {
  return resolve(dir ?? process.env.EMULATOR_DIR ?? join(REPO_ROOT, '.emulator'));
}

export function routesFromEnvironment(): RouteName[] {
  const named = (process.env.EMULATOR_ROUTES ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const unknown = named.filter((r) => !(ROUTES as readonly string[]).includes(r));
  if (unknown.length > 0)
    throw new Error(`EMULATOR_ROUTES: unknown route ${unknown.join(', ')}; the routes are ${ROUTES.join(', ')}`);
  return named.length > 0 ? (named as RouteName[]) : [...ROUTES];
}

/** True when a moto server answers at the endpoint. */
export async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Tries each route in turn; reports every step through `log`. */
export async function startEmulator(options: EmulatorOptions): Promise<EmulatorResult> {
  const dir = installDir(options.dir);
  mkdirSync(dir, { recursive: true });
  const routes = options.routes ?? routesFromEnvironment();
  const tried: { route: RouteName; reason: string }[] = [];
  for (const [i, route] of routes.entries()) {
    const label = `route ${i + 1}/${routes.length} (${route})`;
    const found = tryRoute(route, { dir, log: (line) => options.log(`${label}: ${line}`) });
    if (!found.ok) {
      options.log(`${label}: not available: ${found.reason}`);
      tried.push({ route, reason: found.reason });
      continue;
    }
    options.log(
      `${label}: moto ${found.install.version} at ${found.install.where}; starting it on port ${options.port} ...`,
    );
    const started = await launch(found.install, options.port, dir);
    if (!started.ok) {
      options.log(`${label}: ${started.reason}`);
      tried.push({ route, reason: started.reason });
      continue;
    }
    const lacking = await selfTest(started.emulator.endpoint).catch(
      (error: Error) => `self-test failed: ${error.message}`,
    );
    if (lacking) {
      started.emulator.stop();
      options.log(`${label}: ${lacking}`);
      tried.push({ route, reason: lacking });
      continue;
    }
    options.log(
      `${label}: moto ${found.install.version} answers at ${started.emulator.endpoint} and passed the ` +
        `self-test (log ${started.emulator.logFile})`,
    );
    return started;
  }
  return { ok: false, tried };
}

type Launched = { ok: true; emulator: RunningEmulator } | { ok: false; reason: string };

async function launch(install: MotoInstall, port: number, dir: string): Promise<Launched> {
  const endpoint = `http://127.0.0.1:${port}`;
  const logFile = join(dir, `moto-${port}.log`);
  const out = openSync(logFile, 'w');
  let child: ChildProcess;
  let stop: () => void;
  if (install.route === 'docker') {
    const name = `iot-policy-guard-moto-${port}`;
    child = spawn(
      'docker',
      [
        'run',
        '--rm',
        '--name',
        name,
        '-p',
        `127.0.0.1:${port}:5000`,
        '-v',
        `${HERE}:/mends:ro`,
        '--entrypoint',
        'python',
        install.image,
        '/mends/serve.py',
        '0.0.0.0',
        '5000',
      ],
      {
        stdio: ['ignore', out, out],
      },
    );
    stop = () => void spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  } else {
    const env = { ...process.env, ...(install.pythonPath ? { PYTHONPATH: install.pythonPath } : {}) };
    // From /, so that no folder of the caller shadows one of moto's modules.
    child = spawn(install.python, [SERVE, '127.0.0.1', String(port)], { cwd: '/', env, stdio: ['ignore', out, out] });
    stop = () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    };
  }
  process.once('exit', stop);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      return {
        ok: false,
        reason:
          `the server exited with status ${child.exitCode} before it answered (${lastLine(logFile)}); see ` +
          `${logFile}`,
      };
    if (await answers(endpoint)) return { ok: true, emulator: { endpoint, install, logFile, stop } };
    await Promise.race([exited, new Promise((done) => setTimeout(done, 200))]);
  }
  stop();
  return { ok: false, reason: `the server did not answer within ${START_TIMEOUT_MS / 1000} s; see ${logFile}` };
}

function lastLine(file: string): string {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  return (lines.at(-1) ?? 'no output').trim().slice(0, 200);
}
