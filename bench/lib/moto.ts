/**
 * The moto server the benchmarks talk to: MOTO_ENDPOINT when it is set, else a private one that the run starts on
 * BENCH_MOTO_PORT (default 5099) and stops at the end. A private server keeps the benchmark's thousands of principals
 * out of other people's tests, and does not vanish mid-run when somebody's test run stops the server it started.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const MOTO_DIR = '/opt/moto';
const START_SCRIPT = resolve('../shared/emulator/start-moto.sh');

export function motoEndpoint(): string {
  return (process.env.MOTO_ENDPOINT ?? 'http://127.0.0.1:5055').replace(/\/+$/, '');
}

export interface MotoServer {
  readonly endpoint: string;
  /** Stops the server if this run started it. */
  readonly stop: () => void;
}

/** Uses MOTO_ENDPOINT, or starts a private server; returns null (and says why) when neither is possible. */
export async function ensureMoto(log: (line: string) => void): Promise<MotoServer | null> {
  if (process.env.MOTO_ENDPOINT) {
    const endpoint = motoEndpoint();
    if (await motoAnswers(endpoint)) return { endpoint, stop: () => undefined };
    log(`moto: nothing answers at MOTO_ENDPOINT=${endpoint}`);
    return null;
  }
  const port = process.env.BENCH_MOTO_PORT ?? '5099';
  const endpoint = `http://127.0.0.1:${port}`;
  if (!existsSync(join(MOTO_DIR, '.installed')) || !existsSync(START_SCRIPT)) {
    log(`moto: not installed (sh ../shared/emulator/install-moto.sh ${MOTO_DIR}), and MOTO_ENDPOINT is not set`);
    return null;
  }
  const out = execFileSync('sh', [START_SCRIPT, port, MOTO_DIR, `/tmp/moto-bench-${port}.log`], { encoding: 'utf8', timeout: 60_000 });
  const pid = Number.parseInt(out.trim().split('\n').pop() ?? '', 10);
  log(`moto: started a private server at ${endpoint} (pid ${pid}, log /tmp/moto-bench-${port}.log)`);
  process.env.MOTO_ENDPOINT = endpoint;
  const stop = (): void => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', stop);
  return { endpoint, stop };
}

export async function motoAnswers(endpoint = motoEndpoint()): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Environment for a process that talks to moto with the real SDK and dummy credentials. */
export function motoEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    NODE_NO_WARNINGS: '1',
    ...extra,
  };
}

/**
 * Bundles a measuring child script into plain ESM for node (npm packages stay external and resolve from
 * node_modules), so that no TypeScript loader sits in the measured process.
 */
export async function bundleChild(entry: string, outfile: string): Promise<string> {
  await build({ entryPoints: [entry], outfile, bundle: true, packages: 'external', platform: 'node', target: 'node20', format: 'esm', logLevel: 'error' });
  return outfile;
}
