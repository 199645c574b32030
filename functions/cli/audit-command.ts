/**
 * The `audit` command's options. The audit itself (audit.ts) and the AWS SDK it needs are loaded only when it runs.
 */
import { Option, type Command } from 'commander';
import type { Allowlist } from '../core/allowlist.js';
import { SCOPES, type Scope } from '../core/types.js';
import type { Io } from './common.js';

export interface AuditContext {
  readonly io: Io;
  /**
   * The CLI's allowlist resolution (--allowlist, else the default file, else empty), which says on stderr what it used.
   */
  readonly resolveAllowlist: (path: string | undefined) => Allowlist;
  readonly setStatus: (status: number) => void;
}

export interface AuditOptions {
  allowlist?: string;
  scope?: Scope;
  account?: string;
  json?: boolean;
  remediate?: boolean;
  identityCenterRegion?: string;
}

/** Adds the `audit` command to the CLI. */
export function registerAudit(program: Command, context: AuditContext): void {
  program
    .command('audit')
    .description(
      'Sweep the current AWS account: list who holds each governed policy and check it against an allowlist ' +
        '(read-only unless --remediate).',
    )
    .option('--allowlist <file>', 'allowlist file (default: infra/allowlist.yml if it exists, else an empty allowlist)')
    .addOption(new Option('--scope <scope>', "governed policies (default: the allowlist's scope)").choices(SCOPES))
    .option('--account <id>', 'the account the credentials act in (default: asked of STS GetCallerIdentity)')
    .option('--json', 'one JSON object per attachment on stdout; summary on stderr')
    .option(
      '--remediate',
      "detach every violation whose action is remediate, the allowlist's mode counting as remediate (per-policy " +
        'modes: alert are kept)',
    )
    .option(
      '--identity-center-region <region>',
      'also check the permission sets of IAM Identity Center, enabled in this Region (e.g. eu-west-1)',
    )
    .action(async (opts: AuditOptions) => {
      // The AWS SDK is loaded only when an audit runs: `evaluate` over files never loads it.
      const { auditWithClients } = await import('./audit.js');
      context.setStatus(await auditWithClients(opts, context));
    });
}
