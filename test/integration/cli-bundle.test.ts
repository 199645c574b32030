// The bundled CLI (built as `npm ci` builds dist/, with its chunks) against moto, in a process of its own: the
// commands that load the AWS SDK on first use (audit, evaluate --athena) must find every client in their chunks.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeWithEmulator } from './helpers/emulator.js';
import { accountEnv, isolatedAccount, type IsolatedAccount } from './sweep-account.js';

const BUILD = '.build/cli-bundle-test';

describeWithEmulator('the bundled CLI against the emulator', () => {
  let account: IsolatedAccount;
  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-cli.mjs', BUILD]);
    account = await isolatedAccount();
  }, 60_000);

  const run = (args: string[]) => {
    const env = { ...process.env, ...accountEnv(account), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const result = spawnSync(process.execPath, [join(BUILD, 'cli.js'), ...args], { env, encoding: 'utf8' });
    return { status: result.status, out: result.stdout, err: result.stderr };
  };

  it('audit: asks STS for the account and lists the governed policies (read-only)', () => {
    const { status, out, err } = run(['audit', '--allowlist', 'infra/allowlist.example.yml']);
    expect(err).not.toMatch(/not a constructor|internal error/);
    expect(err).toContain(`auditing account ${account.accountId}`);
    expect(out).toMatch(new RegExp(`account ${account.accountId}\\) in 1 IAM call \\(ListPolicies 1`));
    expect(status).toBe(0);
  });

  it('evaluate --athena: runs the query through the Athena client loaded on first use', () => {
    const args = ['--athena', 'db.logs', '--since', '2026-11-01', '--output', 's3://athena-results-bucket/x/'];
    const { status, out, err } = run(['evaluate', '--allowlist', 'infra/allowlist.example.yml', ...args]);
    expect(err + out).not.toMatch(/not a constructor|internal error/);
    // moto runs no SQL: the query reads nothing, which the CLI reports as an input problem (exit 2).
    expect(out).toMatch(/athena query [\w-]+: the query scanned no data/);
    expect(status).toBe(2);
  });
});
