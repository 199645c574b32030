/** Entry point of the bundled CLI (dist/cli.js). */
import { runCli } from './main.js';

runCli(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    // Only a bug gets here: user errors are reported by runCli without a stack trace.
    process.stderr.write(`iot-policy-guard: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 2;
  },
);
