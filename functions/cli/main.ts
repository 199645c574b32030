/**
 * `iot-policy-guard`: the command line. Exit status: 0 no violation, 1 at least one violation, 2 usage or input error
 * (an input error wins over violations, because the run did not see everything it was asked to), 3 no violation but
 * at least one unresolved attachment (a permission set an entry matches by name, whose name CloudTrail does not
 * record):
 * neither "compliant" nor "violation" would be true.
 */
import { Command, CommanderError } from 'commander';
import { AllowlistError } from '../core/allowlist.js';
import { CATALOG_COMPILED } from '../core/catalog.js';
import { YamlUnavailableError } from '../core/yaml-library.js';
import { loadAllowlistFile } from '../config/allowlist-file.js';
import packageJson from '../../package.json' with { type: 'json' };
import { registerAudit } from './audit-command.js';
import { defaultIo, EXIT, parseNow, resolveAllowlist, UsageError, type Io } from './common.js';
import { registerEvaluate } from './evaluate-command.js';
import { count } from './format.js';

export type { Io } from './common.js';

/** Runs the CLI with argv (without `node` and the script) and resolves to the exit status. */
export async function runCli(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  let status: number = EXIT.ok;
  const program = new Command('iot-policy-guard')
    .description('Checks AWS IoT managed policy attachments against an allowlist.')
    .version(packageJson.version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)');

  const setStatus = (s: number): void => {
    status = s;
  };
  registerEvaluate(program, { io, say, setStatus });

  program
    .command('validate-allowlist')
    .description('Check an allowlist file and list its entries; exit 2 if it is invalid.')
    .argument('<file>', 'allowlist file (YAML or JSON)')
    .option('--now <iso-time>', 'report expiries as of this time (default: now)')
    .action((file: string, opts: { now?: string }) => {
      const allowlist = loadAllowlistFile(file);
      const now = parseNow(opts.now).getTime();
      const expired = allowlist.allow.filter((e) => e.expiresAt !== null && e.expiresAt <= now);
      io.stdout.write(
        `${file}: valid (mode ${allowlist.mode}, scope ${allowlist.scope}, ` +
          `${count(allowlist.allow.length, 'entry', 'entries')}, ` +
          `${count(allowlist.modes.length, 'mode override')}; policy catalog compiled ${CATALOG_COMPILED})\n`,
      );
      for (const e of expired)
        say(`warning: allow[${e.index}] (${e.principal}) expired on ${e.expires}: it no longer allows anything`);
    });

  registerAudit(program, { io, resolveAllowlist: (path) => resolveAllowlist(path, say), setStatus });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.error;
    if (error instanceof AllowlistError || error instanceof UsageError || error instanceof YamlUnavailableError) {
      say(`iot-policy-guard: ${error.message}`);
      return EXIT.error;
    }
    throw error;
  }
}
