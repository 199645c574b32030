/**
 * Brings up the AWS API emulator (moto) for the integration tests, with the project's own tooling
 * (scripts/emulator/): an emulator that already answers at MOTO_ENDPOINT (default http://127.0.0.1:5055) is used
 * when it passes the self-test; otherwise one is installed on first use and started on that port, and stopped at the
 * end of the run. Only when no route works are the integration tests skipped, and the run ends saying so; with
 * CI=true that fails the run instead.
 */
import type { TestProject } from 'vitest/node';
import { answers, startEmulator } from '../../scripts/emulator/emulator.js';
import { selfTest } from '../../scripts/emulator/self-test.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the moto server, or null when none could be had and integration tests are skipped. */
    motoEndpoint: string | null;
  }
}

const DEFAULT_ENDPOINT = 'http://127.0.0.1:5055';
const log = (line: string): void => console.error(`[emulator] ${line}`);

export default async function setup(project: TestProject): Promise<() => void> {
  const endpoint = (process.env.MOTO_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  if (await answers(endpoint)) {
    const lacking = await selfTest(endpoint);
    if (lacking)
      throw new Error(
        `The emulator at ${endpoint} ${lacking}. Stop it (or unset MOTO_ENDPOINT) and let the tests start their own.`,
      );
    log(`using the emulator that answers at ${endpoint}`);
    project.provide('motoEndpoint', endpoint);
    return () => undefined;
  }

  const url = new URL(endpoint);
  const why = ['127.0.0.1', 'localhost'].includes(url.hostname)
    ? await startOn(Number(url.port || '80'))
    : {
        started: null,
        tried: [`nothing answers at ${endpoint}, and an emulator can only be started on this machine (127.0.0.1)`],
      };
  if (why.started) {
    project.provide('motoEndpoint', why.started.endpoint);
    return () => why.started?.stop();
  }

  const lines = [
    `No AWS API emulator at ${endpoint}, and none could be started:`,
    ...why.tried.map((t) => `  - ${t}`),
    'See docs/emulator.md (npm run emulator).',
  ];
  if (process.env.CI === 'true') throw new Error(['CI must not skip integration tests.', ...lines].join('\n'));
  project.provide('motoEndpoint', null);
  // Said again at the very end, under the summary, where it cannot be missed.
  return () => console.error(['', `INTEGRATION TESTS SKIPPED: ${lines[0]}`, ...lines.slice(1), ''].join('\n'));
}

async function startOn(port: number): Promise<{ started: { endpoint: string; stop(): void } | null; tried: string[] }> {
  log(
    `nothing answers on port ${port}: starting moto there (installed on first use; this can take a few minutes once)`,
  );
  const result = await startEmulator({ port, log });
  if (result.ok) return { started: result.emulator, tried: [] };
  return { started: null, tried: result.tried.map(({ route, reason }) => `${route}: ${reason}`) };
}
