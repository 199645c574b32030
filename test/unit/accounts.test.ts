import { DetachRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AccountAccessError, createAccountAccess } from '../../functions/aws/accounts.js';
import { handleAttachEvent } from '../../functions/guard/attach-event.js';
import { fixture } from '../support/fixtures.js';
import { guardDeps } from '../support/guard.js';

const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const sns = mockClient(SNSClient);
const HOME = '123456789012';
const MEMBER = {
  roleName: 'iot-policy-guard-remediation',
  readRoleName: 'iot-policy-guard-remediation-read',
  externalId: 'ext-123',
  partition: 'aws' as const,
};
const creds = (n: number) => ({
  Credentials: {
    AccessKeyId: `AK${n}`,
    SecretAccessKey: 's',
    SessionToken: 't',
    Expiration: new Date(Date.now() + 3600_000),
  },
});

beforeEach(() => {
  sts.reset();
  iam.reset();
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: '1' });
});

describe('createAccountAccess', () => {
  const home = new IAMClient({ region: 'us-east-1' });
  const stsClient = new STSClient({ region: 'us-east-1' });

  it('uses the home client for the home account, and refuses an event that names no account', async () => {
    const access = createAccountAccess({ home, homeAccount: HOME, member: MEMBER, sts: async () => stsClient });
    expect(await access.iamFor(HOME)).toBe(home);
    await expect(access.iamFor(null)).rejects.toThrow(/names no account/);
    expect(sts.calls()).toHaveLength(0);
  });

  it('a throttled or failed AssumeRole fails the invocation (retry), it is no "not-remediable"', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const access = createAccountAccess({ home, homeAccount: HOME, member: MEMBER, sts: async () => stsClient });
    await expect(access.iamFor('222222222222')).rejects.toMatchObject({ name: 'RemediationError', code: 'Throttling' });
  });

  it('assumes the member role with the external id, once per account while the credentials last', async () => {
    sts.on(AssumeRoleCommand).resolves(creds(1));
    const access = createAccountAccess({ home, homeAccount: HOME, member: MEMBER, sts: async () => stsClient });
    const first = await access.iamFor('222222222222');
    expect(await access.iamFor('222222222222')).toBe(first);
    expect(first).not.toBe(home);
    await access.iamFor('333333333333');
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      {
        RoleArn: 'arn:aws:iam::222222222222:role/iot-policy-guard-remediation',
        RoleSessionName: 'iot-policy-guard',
        ExternalId: 'ext-123',
        DurationSeconds: 3600,
      },
      expect.objectContaining({ RoleArn: 'arn:aws:iam::333333333333:role/iot-policy-guard-remediation' }),
    ]);
  });

  it('reads through the read-only role, with its own session: never the remediation role for a listing', async () => {
    sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => creds(input.RoleArn.endsWith('-read') ? 2 : 1));
    const access = createAccountAccess({ home, homeAccount: HOME, member: MEMBER, sts: async () => stsClient });
    expect(await access.readIamFor(HOME)).toBe(home);
    const reader = await access.readIamFor('222222222222');
    expect(await access.readIamFor('222222222222')).toBe(reader);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      {
        RoleArn: 'arn:aws:iam::222222222222:role/iot-policy-guard-remediation-read',
        RoleSessionName: 'iot-policy-guard',
        ExternalId: 'ext-123',
        DurationSeconds: 3600,
      },
    ]);
    const remediator = await access.iamFor('222222222222');
    expect(remediator).not.toBe(reader);
    expect(sts.commandCalls(AssumeRoleCommand)[1]?.args[0].input.RoleArn).toBe(
      'arn:aws:iam::222222222222:role/iot-policy-guard-remediation',
    );
  });

  it('assumes again when the credentials are about to expire', async () => {
    sts.on(AssumeRoleCommand).resolves(creds(1));
    let now = Date.now();
    const access = createAccountAccess({
      home,
      homeAccount: HOME,
      member: MEMBER,
      sts: async () => stsClient,
      now: () => now,
    });
    await access.iamFor('222222222222');
    now += 56 * 60_000;
    await access.iamFor('222222222222');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('refuses another account when no member role is configured: never acts in the wrong account', async () => {
    const access = createAccountAccess({ home, homeAccount: HOME, member: null, sts: async () => stsClient });
    await expect(access.iamFor('222222222222')).rejects.toThrow(
      /from account 222222222222, not this one .*no member role is configured/,
    );
  });

  it('a role that cannot be assumed is an AccountAccessError naming the role', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' }));
    const access = createAccountAccess({ home, homeAccount: HOME, member: MEMBER, sts: async () => stsClient });
    const failure = access.iamFor('222222222222');
    await expect(failure).rejects.toBeInstanceOf(AccountAccessError);
    await expect(access.iamFor('222222222222')).rejects.toThrow(
      /cannot assume arn:aws:iam::222222222222:role\/iot-policy-guard-remediation: AccessDenied/,
    );
  });
});

describe('attach-guard in an organization', () => {
  const event = () => {
    const e = fixture<{ account: string; detail: Record<string, unknown> }>('AttachRolePolicy.eventbridge-full-access');
    e.account = '222222222222';
    e.detail.recipientAccountId = '222222222222';
    return e;
  };

  it('detaches in the member account through its role', async () => {
    sts.on(AssumeRoleCommand).resolves(creds(1));
    iam.on(DetachRolePolicyCommand).resolves({});
    const deps = guardDeps();
    const member = new IAMClient({ region: 'us-east-1' });
    const accounts = createAccountAccess({
      home: deps.iam,
      homeAccount: HOME,
      member: MEMBER,
      sts: async () => new STSClient({ region: 'us-east-1' }),
      makeIam: () => member,
    });
    const response = await handleAttachEvent(event(), { ...deps, accounts });
    expect(response.outcome).toBe('reverted');
    expect(response.alert).toMatchObject({ account: '222222222222' });
    expect(iam.commandCalls(DetachRolePolicyCommand)).toHaveLength(1);
    expect(iam.commandCalls(DetachRolePolicyCommand)[0]!.thisValue).toBe(member);
  });

  it('a missing member role is "not-remediable" with the reason, and the invocation succeeds', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('role does not exist'), { name: 'AccessDenied' }));
    const deps = guardDeps();
    const accounts = createAccountAccess({
      home: deps.iam,
      homeAccount: HOME,
      member: MEMBER,
      sts: async () => new STSClient({ region: 'us-east-1' }),
    });
    const response = await handleAttachEvent(event(), { ...deps, accounts });
    expect(response.outcome).toBe('not-remediable');
    expect(response.alert?.error).toMatchObject({
      name: 'AccountAccessError',
      message: expect.stringContaining('cannot assume arn:aws:iam::222222222222:role/'),
    });
    expect(iam.calls()).toHaveLength(0);
  });

  it('an STS outage alerts "remediation-failed" and fails the invocation so that it is retried', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable' }));
    const deps = guardDeps();
    const accounts = createAccountAccess({
      home: deps.iam,
      homeAccount: HOME,
      member: MEMBER,
      sts: async () => new STSClient({ region: 'us-east-1' }),
    });
    await expect(handleAttachEvent(event(), { ...deps, accounts })).rejects.toThrow(/cannot assume/);
    const alert = JSON.parse(JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!).default) as {
      outcome: string;
    };
    expect(alert.outcome).toBe('remediation-failed');
  });
});
