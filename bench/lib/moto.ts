/**
 * The moto server the benchmarks talk to: MOTO_ENDPOINT when it is set, else a private one that the run starts on
 * BENCH_MOTO_PORT (default 5099) with the project's emulator tooling (scripts/emulator) and stops at the end. A
 * private server keeps the benchmark's thousands of principals out of other people's tests, and does not vanish
 * mid-run when somebody's test run stops the server it started.
 */
import { build } from 'esbuild';
import { answers, startEmulator } from '../../scripts/emulator/emulator.js';

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
    if (await answers(endpoint)) return { endpoint, stop: () => undefined };
    log(`moto: nothing answers at MOTO_ENDPOINT=${endpoint}`);
    return null;
  }
  const port = Number(process.env.BENCH_MOTO_PORT ?? '5099');
  const result = await startEmulator({ port, log: (line) => log(`moto: ${line}`) });
  if (!result.ok) {
    log(`moto: no emulator could be started (${result.tried.map((t) => `${t.route}: ${t.reason}`).join('; ')})`);
    return null;
  }
  process.env.MOTO_ENDPOINT = result.emulator.endpoint;
  return { endpoint: result.emulator.endpoint, stop: () => result.emulator.stop() };
}

export const motoAnswers = (endpoint = motoEndpoint()): Promise<boolean> => answers(endpoint);

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
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'error',
  });
  return outfile;
}
