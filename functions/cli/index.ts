/** Entry point of the bundled CLI (dist/cli.js). */
import { runCli } from './main.js';

// The SDK warns on Node 20 that its releases after early 2027 will need Node 22; the versions here are pinned by the
// lock file, so the warning says nothing about this CLI and would bury its one-line errors.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
