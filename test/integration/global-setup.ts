import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the moto server, or null when none answers and integration tests are skipped. */
    motoEndpoint: string | null;
  }
}

const DEFAULT_ENDPOINT = 'http://127.0.0.1:5055';
const MOTO_DIR = '/opt/moto';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// The shared scripts sit beside the checkout (as in CI); MOTO_START_SCRIPT names them from anywhere else.
const startScript = process.env.MOTO_START_SCRIPT ?? join(dirname(repoRoot), 'shared', 'emulator', 'start-moto.sh');

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts moto with the shared script when it was installed once on this machine; returns its pid or null. */
function tryAutoStart(endpoint: string): number | null {
  const url = new URL(endpoint);
  // start-moto.sh binds 127.0.0.1 only, so it cannot serve any other host.
  if (!['127.0.0.1', 'localhost'].includes(url.hostname)) return null;
  if (!existsSync(join(MOTO_DIR, '.installed')) || !existsSync(startScript)) return null;
  const port = url.port || '80';
  try {
    const out = execFileSync('sh', [startScript, port, MOTO_DIR], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    const pid = Number.parseInt(out.trim().split('\n').pop() ?? '', 10);
    if (!Number.isInteger(pid)) return null;
    console.error(`[integration] started moto on port ${port} (pid ${pid}, log /tmp/moto-${port}.log)`);
    return pid;
  } catch (error) {
    console.error(`[integration] could not start moto on port ${port}: ${(error as Error).message}`);
    return null;
  }
}

function stopServer(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const endpoint = (process.env.MOTO_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let startedPid: number | null = null;
  let reachable = await answers(endpoint);

  if (!reachable) {
    startedPid = tryAutoStart(endpoint);
    if (startedPid !== null) reachable = await answers(endpoint);
  }
  const stop = (): void => {
    if (startedPid !== null) stopServer(startedPid);
    startedPid = null;
  };
  // Teardown does not run when the process is interrupted; do not leave our server behind then either.
  process.once('exit', stop);

  if (!reachable) {
    stop();
    const howTo = [
      `  sh ../shared/emulator/install-moto.sh /opt/moto && sh ../shared/emulator/start-moto.sh 5055 /opt/moto`,
      `  or: pip install 'moto[server]' && moto_server -p 5055`,
      `  (set MOTO_ENDPOINT if it listens elsewhere, MOTO_START_SCRIPT to let the tests start it from another checkout)`,
    ];
    if (process.env.CI === 'true') {
      throw new Error(
        [`No AWS API emulator (moto) answers at ${endpoint}/moto-api/; CI must not skip integration tests. Start one:`, ...howTo].join('\n'),
      );
    }
    const rule = '!'.repeat(78);
    console.error(
      [
        '',
        rule,
        `INTEGRATION TESTS SKIPPED: no AWS API emulator at ${endpoint}`,
        'To run them, start moto from the repo root:',
        ...howTo,
        rule,
        '',
      ].join('\n'),
    );
  }

  project.provide('motoEndpoint', reachable ? endpoint : null);
  return stop;
}
