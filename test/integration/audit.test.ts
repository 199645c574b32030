// `iot-policy-guard audit` against moto, through runCli exactly as the command line runs it: the SDK finds the
// endpoint and credentials in the environment. Its own file, because it sets process.env.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { IAMClient } from '@aws-sdk/client-iam';
import { beforeAll, afterAll, expect, it } from 'vitest';
import { runCli, type Io } from '../../functions/cli/main.js';
import type { AuditRecord } from '../../functions/cli/audit.js';
import { describeWithEmulator } from './helpers/emulator.js';
import {
  accountEnv,
  attach,
  attachedPolicies,
  countingIamClient,
  createPrincipals,
  group,
  isolatedAccount,
  managed,
  role,
  user,
  type IsolatedAccount,
} from './sweep-account.js';

function capture(): { io: Io; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (c: Buffer) => chunks.out.push(c));
  stderr.on('data', (c: Buffer) => chunks.err.push(c));
  return {
    io: { stdout, stderr, stdin: new PassThrough() },
    out: () => Buffer.concat(chunks.out).toString('utf8'),
    err: () => Buffer.concat(chunks.err).toString('utf8'),
  };
}

async function audit(args: string[]): Promise<{ status: number; out: string; err: string; records: AuditRecord[] }> {
  const c = capture();
  const status = await runCli(['audit', ...args], c.io);
  const out = c.out();
  const records = args.includes('--json')
    ? out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as AuditRecord)
    : [];
  return { status, out, err: c.err(), records };
}

describeWithEmulator('audit against moto', () => {
  let account: IsolatedAccount;
  let iam: IAMClient;
  let allowlistPath: string;

  beforeAll(async () => {
    account = await isolatedAccount();
    iam = countingIamClient(account.config).iam;
    await createPrincipals(iam, [
      ...Array.from({ length: 200 }, (_, i) => role(`app-${i}`)),
      role('iot-ingest-a'),
      role('iot-ingest-b'),
      user('contractor-1'),
      group('auditors'),
      group('devs'),
    ]);
    await attach(iam, role('iot-ingest-a'), managed('AWSIoTDataAccess'));
    await attach(iam, role('iot-ingest-b'), managed('AWSIoTDataAccess'));
    await attach(iam, group('auditors'), managed('AWSIoTConfigReadOnlyAccess'));
    await attach(iam, role('app-42'), managed('AWSIoTFullAccess'));
    await attach(iam, group('devs'), managed('service-role/AWSIoTRuleActions'));
    await attach(iam, user('contractor-1'), managed('AWSIoTConfigAccess'));

    allowlistPath = join(mkdtempSync(join(tmpdir(), 'audit-')), 'allowlist.yml');
    writeFileSync(
      allowlistPath,
      `version: 1
scope: seed
allow:
  - policy: AWSIoTDataAccess
    principal: role/iot-ingest-*
    account: "${account.accountId}"
    reason: ingest
  - policy: AWSIoTConfigReadOnlyAccess
    principal: group/auditors
    reason: audits
  - policy: AWSIoTConfigAccess
    principal: user/contractor-*
    expires: 2026-06-30
    reason: ended
`,
    );
    Object.assign(process.env, {
      ...accountEnv(account),
    });
    delete process.env.AWS_ACCOUNT_ID;
  }, 60_000);

  afterAll(() => iam?.destroy());

  const forbidden = [
    ['role/app-42', managed('AWSIoTFullAccess')],
    ['group/devs', managed('service-role/AWSIoTRuleActions')],
    ['user/contractor-1', managed('AWSIoTConfigAccess')],
  ];

  it(
    'read-only (the default): reports every attachment as ' + "NDJSON with evaluate's fields, exits 1, changes nothing",
    async () => {
      const { status, records, err } = await audit([
        '--allowlist',
        allowlistPath,
        '--account',
        account.accountId,
        '--json',
      ]);

      expect(status).toBe(1);
      expect(records).toHaveLength(6);
      for (const r of records) {
        expect(Object.keys(r).sort()).toEqual(
          [
            'eventId',
            'eventTime',
            'eventName',
            'account',
            'region',
            'actor',
            'principal',
            'policyArn',
            'verdict',
            'action',
            'rule',
            'reason',
            'outcome',
          ].sort(),
        );
        expect(r).toMatchObject({
          eventId: null,
          eventTime: null,
          actor: 'found by sweep',
          account: account.accountId,
          outcome: null,
        });
      }
      const violations = records
        .filter((r) => r.verdict === 'violation')
        .map((r) => [`${r.principal?.type}/${r.principal?.name}`, r.policyArn]);
      expect(violations.sort()).toEqual([...forbidden].sort());
      expect(records.find((r) => r.principal?.name === 'contractor-1')?.reason).toContain('expired on 2026-06-30');
      expect(records.filter((r) => r.verdict === 'allowed')).toHaveLength(3);
      // One ListPolicies call, then the 5 governed policies someone holds; the 200 other roles and the 5 seed policies
      // nobody holds cost nothing.
      expect(err).toContain(
        `5 AWS managed policies attached, 5 governed; 5 of 5 listed (scope seed, partition aws, account ` +
          `${account.accountId}) in 6 IAM calls (ListPolicies 1, ListEntitiesForPolicy 5), 6 attachments`,
      );
      expect(err).toContain('verdicts: 3 violation, 3 allowed, 0 not-governed, 0 failed-attempt');
      expect(err).toContain('read-only: nothing was changed');
      expect(await attachedPolicies(iam, role('app-42'))).toEqual([managed('AWSIoTFullAccess')]);
      expect(await attachedPolicies(iam, group('devs'))).toEqual([managed('service-role/AWSIoTRuleActions')]);
    },
  );

  it('prints a table for people', async () => {
    const { status, out } = await audit(['--allowlist', allowlistPath, '--account', account.accountId]);
    expect(status).toBe(1);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^TIME\s+ACCOUNT\s+PRINCIPAL\s+POLICY\s+ACTOR\s+VERDICT\s+DETAIL$/);
    expect(lines.find((l) => l.includes('role/app-42'))).toMatch(
      /AWSIoTFullAccess\s+found by sweep\s+violation\s+alert: no allowlist entry matches/,
    );
    expect(out).toContain('verdicts: 3 violation, 3 allowed');
  });

  it('finds its account itself with STS GetCallerIdentity when --account is not given', async () => {
    // The credentials carry no account (no AWS_ACCOUNT_ID), and an allowlist entry names one.
    const { status, err, records } = await audit(['--allowlist', allowlistPath, '--json']);
    expect(status).toBe(1);
    expect(err).toContain(`auditing account ${account.accountId} (partition aws, scope seed, read-only)`);
    expect(
      records
        .filter((r) => r.verdict === 'allowed')
        .map((r) => r.principal?.name)
        .sort(),
    ).toEqual(['auditors', 'iot-ingest-a', 'iot-ingest-b']);
  });

  it('--remediate detaches exactly the violations, then a second audit finds the account compliant', async () => {
    process.env.AWS_ACCOUNT_ID = account.accountId;
    try {
      const { status, records, err } = await audit(['--allowlist', allowlistPath, '--json', '--remediate']);
      expect(status).toBe(1);
      expect(records.filter((r) => r.verdict === 'violation').map((r) => r.outcome)).toEqual([
        'reverted',
        'reverted',
        'reverted',
      ]);
      expect(records.filter((r) => r.verdict === 'allowed').map((r) => r.outcome)).toEqual([null, null, null]);
      expect(err).toContain('remediation: 3 reverted');
      expect(err).toContain(`auditing account ${account.accountId} (partition aws, scope seed, REMEDIATE`);

      expect(await attachedPolicies(iam, role('app-42'))).toEqual([]);
      expect(await attachedPolicies(iam, group('devs'))).toEqual([]);
      expect(await attachedPolicies(iam, user('contractor-1'))).toEqual([]);
      expect(await attachedPolicies(iam, role('iot-ingest-a'))).toEqual([managed('AWSIoTDataAccess')]);
      expect(await attachedPolicies(iam, group('auditors'))).toEqual([managed('AWSIoTConfigReadOnlyAccess')]);

      const again = await audit(['--allowlist', allowlistPath, '--json']);
      expect(again.status).toBe(0);
      expect(again.records.map((r) => r.verdict)).toEqual(['allowed', 'allowed', 'allowed']);
    } finally {
      delete process.env.AWS_ACCOUNT_ID;
    }
  });

  it("rejects an --account that is not the credentials' account", async () => {
    process.env.AWS_ACCOUNT_ID = account.accountId;
    try {
      const { status, err } = await audit(['--allowlist', allowlistPath, '--account', '111111111111']);
      expect(status).toBe(2);
      expect(err).toContain(`--account 111111111111, but the credentials are for account ${account.accountId}`);
    } finally {
      delete process.env.AWS_ACCOUNT_ID;
    }
  });
});
