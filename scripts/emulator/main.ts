/**
 * `npm run emulator [-- --port N]`: installs moto on first use (see routes.ts), starts it with the project's mends,
 * checks it, and keeps it running in the foreground until Ctrl-C. The tests' global setup does the same by itself.
 */
import { parseArgs } from 'node:util';
import { answers, startEmulator } from './emulator.js';
import { selfTest } from './self-test.js';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '5055' }, help: { type: 'boolean', default: false } },
});
if (values.help) {
  console.log(`usage: npm run emulator [-- --port N]   (default port 5055)
Installs moto on first use and starts it on 127.0.0.1:N with what the integration tests need; Ctrl-C stops it.
Environment: EMULATOR_DIR (install folder, default .emulator/), EMULATOR_ROUTES (comma-separated subset of
path,venv,debian,docker, tried in that order).`);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  console.error(`error: --port must be a port number, not "${values.port}"`);
  process.exit(2);
}
// Node's fetch (the tests' and the SDK's HTTP in places) refuses the ports of the fetch standard's block list.
if ([5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080].includes(port)) {
  console.error(
    `error: --port ${port} is one that Node's fetch refuses to connect to ("bad port"); choose another, e.g. 5070`,
  );
  process.exit(2);
}
const log = (line: string): void => console.error(`[emulator] ${line}`);
const endpoint = `http://127.0.0.1:${port}`;

if (await answers(endpoint)) {
  const lacking = await selfTest(endpoint);
  log(
    lacking
      ? `something already answers at ${endpoint}, but ${lacking}`
      : `a working emulator already answers at ${endpoint}`,
  );
  process.exit(lacking ? 1 : 0);
}
const result = await startEmulator({ port, log });
if (!result.ok) {
  log('no route worked:');
  for (const { route, reason } of result.tried) log(`  ${route}: ${reason}`);
  process.exit(1);
}
const { emulator } = result;
console.log(`export MOTO_ENDPOINT=${emulator.endpoint}`);
log('running; Ctrl-C stops it');
const stop = (): void => {
  emulator.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => undefined, 1 << 30);
