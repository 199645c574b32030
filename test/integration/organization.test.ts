// Two accounts against moto: the central attach-guard and sweep, running in one account, detach in another by
// assuming its remediation role (real STS AssumeRole through the SDK), and never touch a same-named role at home.
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { fixture, fresh } from '../support/fixtures.js';
import { describeWithEmulator } from './helpers/emulator.js';
import { accountEnv, isolatedAccount, type IsolatedAccount } from './sweep-account.js';
import { lambdaContext } from '../support/lambda-context.js';

const FULL = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';
const DATA = 'arn:aws:iam::aws:policy/AWSIoTDataAccess';
const TRUST = '{"Version":"2012-10-17","Statement":[]}';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

describeWithEmulator('organization: a central guard acting in a member account', () => {
  let home: IsolatedAccount;
  let member: IsolatedAccount;
  let homeIam: IAMClient;
  let memberIam: IAMClient;
  const saved = { ...process.env };

  beforeAll(async () => {
    home = await isolatedAccount();
    member = await isolatedAccount();
    homeIam = new IAMClient(home.config);
    memberIam = new IAMClient(member.config);
    const { TopicArn } = await new SNSClient(home.config).send(new CreateTopicCommand({ Name: 'org-alerts' }));
    // The same role name in both accounts, holding the same policy: only the member's may lose it.
    for (const iam of [homeIam, memberIam]) {
      await iam.send(new CreateRoleCommand({ RoleName: 'fleet-operator', AssumeRolePolicyDocument: TRUST }));
      await iam.send(new AttachRolePolicyCommand({ RoleName: 'fleet-operator', PolicyArn: FULL }));
    }
    await memberIam.send(new CreateRoleCommand({ RoleName: 'found-by-sweep', AssumeRolePolicyDocument: TRUST }));
    await memberIam.send(new AttachRolePolicyCommand({ RoleName: 'found-by-sweep', PolicyArn: DATA }));

    Object.assign(process.env, {
      ...accountEnv(home),
      ALERT_TOPIC_ARN: TopicArn!,
      ALLOWLIST_PATH: 'infra/allowlist.yml',
      GUARD_MODE: 'remediate',
      GOVERNED_SCOPE: 'seed',
      HOME_ACCOUNT_ID: home.accountId,
      MEMBER_ROLE_NAME: 'iot-policy-guard-remediation',
      MEMBER_EXTERNAL_ID: 'org-guard-test',
      SWEEP_ACCOUNTS: member.accountId,
      LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
  });

  afterAll(() => {
    process.env = saved;
  });

  const attached = async (iam: IAMClient, role: string) =>
    ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? []).map(
      (p) => p.PolicyArn,
    );
  const context = (account: string) => lambdaContext('f', { account });
  const load = async (module: 'attach-guard' | 'sweep'): Promise<Handler> => {
    vi.resetModules();
    const loaded =
      module === 'attach-guard'
        ? await import('../../functions/attach-guard/handler.js')
        : await import('../../functions/sweep/handler.js');
    return loaded.handler as unknown as Handler;
  };

  it('attach-guard detaches in the account the event came from, and only there', async () => {
    const handler = await load('attach-guard');
    const event = fixture<{ account: string; detail: Record<string, unknown> }>(
      'AttachRolePolicy.eventbridge-full-access',
    );
    event.account = member.accountId;
    event.detail.recipientAccountId = member.accountId;
    event.detail.requestParameters = { roleName: 'fleet-operator', policyArn: FULL };
    expect(await handler(fresh(event), context(home.accountId))).toEqual({ outcome: 'reverted' });
    expect(await attached(memberIam, 'fleet-operator')).toEqual([]);
    expect(await attached(homeIam, 'fleet-operator')).toEqual([FULL]);
  });

  it('the sweep covers its own account and the member accounts', async () => {
    const handler = await load('sweep');
    const results = (await handler({}, context(home.accountId))) as {
      account: string;
      outcomes: Record<string, number>;
    }[];
    expect(results.map((r) => r.account)).toEqual([home.accountId, member.accountId]);
    expect(results[1]!.outcomes).toMatchObject({ reverted: 1 });
    expect(await attached(memberIam, 'found-by-sweep')).toEqual([]);
    // At home the same sweep reverted fleet-operator's forbidden policy: the allowlist holds everywhere.
    expect(results[0]!.outcomes).toMatchObject({ reverted: 1 });
  });
});
