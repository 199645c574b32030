// `iot-policy-guard audit` with IAM mocked: which calls it makes in each mode, what it prints, and its exit codes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  DetachGroupPolicyCommand,
  DetachRolePolicyCommand,
  DetachUserPolicyCommand,
  IAMClient,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { partitionOf, type AuditRecord } from '../../functions/cli/audit.js';
import { runCli, type Io } from '../../functions/cli/main.js';
import { holdIn } from '../support/iam-holders.js';

const ACCOUNT = '123456789012';
const iot = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const iamMock = mockClient(IAMClient);
const snsMock = mockClient(SNSClient);
const stsMock = mockClient(STSClient);

const dir = mkdtempSync(join(tmpdir(), 'audit-unit-'));
const ALLOWLIST = join(dir, 'allowlist.yml');
writeFileSync(
  ALLOWLIST,
  `version: 1
mode: alert
scope: seed
modes:
  AWSIoTFullAccess: remediate
  AWSIoTEventsReadOnlyAccess: alert
allow:
  - policy: AWSIoTDataAccess
    principal: role/iot-ingest-*
    account: "${ACCOUNT}"
    reason: ingest
`,
);
const NO_ACCOUNT_ALLOWLIST = join(dir, 'no-account.yml');
writeFileSync(
  NO_ACCOUNT_ALLOWLIST,
  'version: 1\nscope: seed\nallow:\n  - {policy: AWSIoTDataAccess, principal: role/iot-ingest-*, reason: ingest}\n',
);

const HOLDERS: Record<string, { roles?: string[]; users?: string[]; groups?: string[] }> = {
  [iot('AWSIoTDataAccess')]: { roles: ['iot-ingest-1', 'reporting'] },
  [iot('AWSIoTFullAccess')]: { roles: ['intruder'], groups: ['devs'] },
  [iot('AWSIoTEventsReadOnlyAccess')]: { users: ['viewer'] },
};

function capture(isTTY = false): { io: Io; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  return {
    io: { stdout, stderr, stdin: new PassThrough() },
    out: () => Buffer.concat(out).toString(),
    err: () => Buffer.concat(err).toString(),
  };
}

async function audit(args: string[], isTTY = false) {
  const c = capture(isTTY);
  const status = await runCli(['audit', ...args], c.io);
  const out = c.out();
  const records = args.includes('--json')
    ? out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AuditRecord)
    : [];
  return { status, out, err: c.err(), records };
}

const saved = { ...process.env };
beforeEach(() => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ACCOUNT_ID: ACCOUNT,
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  holdIn(iamMock, HOLDERS);
  stsMock
    .on(GetCallerIdentityCommand)
    .resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/auditor`, UserId: 'AIDAEXAMPLE' });
  iamMock.on(DetachRolePolicyCommand).resolves({});
  iamMock.on(DetachGroupPolicyCommand).resolves({});
  iamMock.on(DetachUserPolicyCommand).resolves({});
});
afterEach(() => {
  iamMock.reset();
  snsMock.reset();
  stsMock.reset();
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

const writes = () =>
  iamMock.commandCalls(DetachRolePolicyCommand).length +
  iamMock.commandCalls(DetachUserPolicyCommand).length +
  iamMock.commandCalls(DetachGroupPolicyCommand).length;

describe('audit, read-only (the default)', () => {
  it('lists and decides, makes no write call and publishes nothing, and exits 1 on violations', async () => {
    const { status, records, err } = await audit(['--allowlist', ALLOWLIST, '--json']);
    expect(status).toBe(1);
    expect(writes()).toBe(0);
    expect(snsMock.calls()).toHaveLength(0);
    // One ListPolicies call, then the three governed policies someone holds, one page each; nothing for the other
    // seven.
    expect(iamMock.commandCalls(ListPoliciesCommand)).toHaveLength(1);
    expect(iamMock.commandCalls(ListEntitiesForPolicyCommand)).toHaveLength(3);
    expect(stsMock.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect(
      records.map((r) => `${r.principal?.type}/${r.principal?.name} ${r.verdict} ${r.action} ${r.outcome}`),
    ).toEqual([
      'role/iot-ingest-1 allowed null null',
      'role/reporting violation alert null',
      'role/intruder violation remediate null',
      'group/devs violation remediate null',
      'user/viewer violation alert null',
    ]);
    expect(records[0]).toEqual({
      eventId: null,
      eventTime: null,
      eventName: 'AttachRolePolicy',
      account: ACCOUNT,
      region: null,
      actor: 'found by sweep',
      principal: { type: 'role', name: 'iot-ingest-1' },
      policyArn: iot('AWSIoTDataAccess'),
      verdict: 'allowed',
      action: null,
      rule: 0,
      reason: 'allowed by entry #0: ingest',
      outcome: null,
    });
    expect(err).toContain(`auditing account ${ACCOUNT} (partition aws, scope seed, read-only)`);
    expect(err).toContain('verdicts: 4 violation, 1 allowed, 0 not-governed, 0 failed-attempt');
    expect(err).toContain(
      '3 AWS managed policies attached, 3 governed; 3 of 3 listed (scope seed, partition aws, account 123456789012) ' +
        'in 4 IAM calls (ListPolicies 1, ListEntitiesForPolicy 3), 5 attachments',
    );
  });

  it('exits 0 when everything is allowed', async () => {
    iamMock.on(ListEntitiesForPolicyCommand).resolves({ IsTruncated: false });
    iamMock
      .on(ListEntitiesForPolicyCommand, { PolicyArn: iot('AWSIoTDataAccess') })
      .resolves({ PolicyRoles: [{ RoleName: 'iot-ingest-9', RoleId: 'AROA9' }], IsTruncated: false });
    const { status, out } = await audit(['--allowlist', ALLOWLIST, '--scope', 'seed']);
    expect(status).toBe(0);
    expect(out).toContain('verdicts: 0 violation, 1 allowed');
  });

  it('shows progress on stderr when it is a terminal, and clears it', async () => {
    const { err } = await audit(['--allowlist', ALLOWLIST, '--json'], true);
    expect(err).toContain('[1/3] AWSIoTDataAccess… 0 attachments so far');
    expect(err).toContain('[3/3] AWSIoTEventsReadOnlyAccess… 4 attachments so far');
    expect(err).toContain('\r\x1b[K');
  });

  it('names a policy that vanished between the two listings', async () => {
    iamMock
      .on(ListEntitiesForPolicyCommand, { PolicyArn: iot('AWSIoTEventsReadOnlyAccess') })
      .rejects(new NoSuchEntityException({ message: 'not found', $metadata: {} }));
    const { out } = await audit(['--allowlist', ALLOWLIST]);
    expect(out).toContain('1 governed policy was no longer found when listed (skipped): AWSIoTEventsReadOnlyAccess');
  });
});

describe('audit --remediate', () => {
  it(
    'detaches the violations whose action is remediate (mode remediate, per-policy alert kept), through the one ' +
      'detach',
    async () => {
      const { status, records, err } = await audit(['--allowlist', ALLOWLIST, '--json', '--remediate']);
      expect(status).toBe(1);
      expect(iamMock.commandCalls(DetachRolePolicyCommand).map((c) => c.args[0].input)).toEqual([
        { RoleName: 'reporting', PolicyArn: iot('AWSIoTDataAccess') },
        { RoleName: 'intruder', PolicyArn: iot('AWSIoTFullAccess') },
      ]);
      expect(iamMock.commandCalls(DetachGroupPolicyCommand).map((c) => c.args[0].input)).toEqual([
        { GroupName: 'devs', PolicyArn: iot('AWSIoTFullAccess') },
      ]);
      expect(iamMock.commandCalls(DetachUserPolicyCommand)).toHaveLength(0);
      expect(snsMock.calls()).toHaveLength(0);
      expect(records.map((r) => r.outcome)).toEqual([null, 'reverted', 'reverted', 'reverted', 'alert-only']);
      expect(err).toContain('remediation: 3 reverted, 1 alert-only');
    },
  );

  it('reports an already-detached attachment, and a failed detach with exit 2 and no stack trace', async () => {
    iamMock
      .on(DetachRolePolicyCommand, { RoleName: 'reporting' })
      .rejects(new NoSuchEntityException({ message: 'gone', $metadata: {} }));
    iamMock.on(DetachRolePolicyCommand, { RoleName: 'intruder' }).rejects(
      Object.assign(new Error('User is not authorized'), {
        name: 'AccessDenied',
        Code: 'AccessDenied',
        $metadata: {},
      }),
    );
    const { status, out } = await audit(['--allowlist', ALLOWLIST, '--remediate']);
    expect(status).toBe(2);
    expect(out).toMatch(
      /role\/reporting\s+AWSIoTDataAccess\s+found by sweep\s+violation\s+remediate: already-detached/,
    );
    expect(out).toMatch(/violation\s+remediate: already-detached; no allowlist entry matches/);
    expect(out).toMatch(/role\/intruder .* remediate: remediation-failed; no allowlist entry matches/);
    expect(out).toContain('remediation: 1 already-detached, 1 remediation-failed, 1 reverted, 1 alert-only');
    expect(out).toContain(
      `problem: detaching ${iot('AWSIoTFullAccess')} from role/intruder failed: AccessDenied: User is not authorized`,
    );
    expect(out).not.toMatch(/\n\s+at /);
  });
});

describe('audit: account and input errors (exit 2, one line, no stack trace)', () => {
  it('asks STS which account the credentials act in when --account is not given', async () => {
    delete process.env.AWS_ACCOUNT_ID;
    const { status, err, records } = await audit(['--allowlist', ALLOWLIST, '--json']);
    expect(status).toBe(1);
    expect(stsMock.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect(err).toContain(`auditing account ${ACCOUNT} (partition aws`);
    // The account-scoped entry applies: the account is known.
    expect(records[0]).toMatchObject({ account: ACCOUNT, verdict: 'allowed' });
  });

  it('takes STS over the account the credentials carry, and asks nothing with --account', async () => {
    process.env.AWS_ACCOUNT_ID = '210987654321';
    expect((await audit(['--allowlist', NO_ACCOUNT_ALLOWLIST])).err).toContain(`auditing account ${ACCOUNT} `);
    stsMock.resetHistory();
    process.env.AWS_ACCOUNT_ID = ACCOUNT;
    expect((await audit(['--allowlist', ALLOWLIST, '--account', ACCOUNT])).err).toContain(
      `auditing account ${ACCOUNT} `,
    );
    expect(stsMock.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  it('when STS cannot answer: the account the credentials carry, saying so', async () => {
    stsMock
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: {} }));
    const { err } = await audit(['--allowlist', ALLOWLIST]);
    expect(err).toContain(
      `account: ${ACCOUNT}, as the credentials say (STS GetCallerIdentity failed: Throttling: Rate exceeded)`,
    );
  });

  it('needs the account when allowlist entries name one and neither STS nor the credentials tell it', async () => {
    delete process.env.AWS_ACCOUNT_ID;
    stsMock
      .on(GetCallerIdentityCommand)
      .rejects(
        Object.assign(new Error('getaddrinfo ENOTFOUND sts.amazonaws.com'), { name: 'Error', code: 'ENOTFOUND' }),
      );
    const { status, err } = await audit(['--allowlist', ALLOWLIST]);
    expect(status).toBe(2);
    expect(err).toContain(
      'cannot tell which account the credentials act in (STS GetCallerIdentity failed: Error: getaddrinfo ENOTFOUND ' +
        'sts.amazonaws.com), and allow[0] (role/iot-ingest-*) applies in account 123456789012 only: pass --account ' +
        'ACCOUNT_ID',
    );
    expect(iamMock.calls()).toHaveLength(0);
  });

  it('runs without the account when no entry names one', async () => {
    delete process.env.AWS_ACCOUNT_ID;
    stsMock
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('not available'), { name: 'InternalFailure', $metadata: {} }));
    const { status, err, records } = await audit(['--allowlist', NO_ACCOUNT_ALLOWLIST, '--json']);
    expect(status).toBe(1);
    expect(err).toContain('account: unknown (STS GetCallerIdentity failed: InternalFailure: not available)');
    expect(records[0]).toMatchObject({ account: null, verdict: 'allowed' });
  });

  it.each([
    [['--account', '12345'], '--account "12345" is not a 12-digit AWS account id'],
    [['--account', '999999999999'], `--account 999999999999, but the credentials are for account ${ACCOUNT}`],
    [['--scope', 'everything'], "argument 'everything' is invalid"],
  ])('%j', async (args, message) => {
    const { status, err } = await audit(['--allowlist', ALLOWLIST, ...args]);
    expect(status).toBe(2);
    expect(err).toContain(message);
    expect(writes()).toBe(0);
  });

  it('reports IAM refusing the listing, after printing what it found', async () => {
    iamMock.on(ListEntitiesForPolicyCommand, { PolicyArn: iot('AWSIoTEventsReadOnlyAccess') }).rejects(
      Object.assign(new Error('not authorized to perform iam:ListEntitiesForPolicy'), {
        name: 'AccessDenied',
        Code: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const { status, out, err } = await audit(['--allowlist', ALLOWLIST]);
    expect(status).toBe(2);
    expect(out).toContain('role/intruder');
    expect(out).toContain('3 governed; 2 of 3 listed');
    expect(err).toMatch(
      new RegExp(
        '^iot-policy-guard: the audit stopped after 2 of 3 policies; what it found so far is above: ' +
          String.raw`access denied \(not authorized to perform iam:ListEntitiesForPolicy\); ` +
          'audit needs iam:ListPolicies and iam:ListEntitiesForPolicy',
        'm',
      ),
    );
  });

  it('reports IAM refusing ListPolicies before anything was listed', async () => {
    iamMock.on(ListPoliciesCommand).rejects(
      Object.assign(new Error('not authorized to perform iam:ListPolicies'), {
        name: 'AccessDenied',
        Code: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    const { status, err } = await audit(['--allowlist', ALLOWLIST]);
    expect(status).toBe(2);
    expect(err).toMatch(
      new RegExp(
        String.raw`^iot-policy-guard: access denied \(not authorized to perform iam:ListPolicies\); ` +
          'audit needs iam:ListPolicies and iam:ListEntitiesForPolicy',
        'm',
      ),
    );
    expect(iamMock.commandCalls(ListEntitiesForPolicyCommand)).toHaveLength(0);
  });

  it('an invalid allowlist is reported as evaluate reports it', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'version: 1\nallow:\n  - {policy: AWSIoTDataAcess, principal: role/x, reason: typo}\n');
    const { status, err } = await audit(['--allowlist', bad]);
    expect(status).toBe(2);
    expect(err).toContain('Did you mean "AWSIoTDataAccess"?');
  });
});

describe('partitionOf', () => {
  it.each([
    ['us-east-1', 'aws'],
    ['eu-central-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
  ])('%s is in %s', (region, partition) => expect(partitionOf(region)).toBe(partition));
});
