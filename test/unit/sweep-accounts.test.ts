import { IAMClient, ListEntitiesForPolicyCommand, ListPoliciesCommand } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT_BUDGET_MS, sweepAccounts } from '../../functions/guard/sweep.js';
import { guardDeps } from '../support/guard.js';
import { holdIn } from '../support/iam-holders.js';

const iam = mockClient(IAMClient);
mockClient(SNSClient);
const HOME = { account: '111111111111', partition: 'aws' as const };
const MEMBERS = ['222222222222', '333333333333', '444444444444'];

beforeEach(() => {
  iam.reset();
  // Allowed by the test allowlist: nothing to publish.
  holdIn(iam, { 'arn:aws:iam::aws:policy/service-role/AWSIoTLogging': { roles: ['iot-logging-role'] } });
});

function deps() {
  const base = guardDeps({ sweepAccounts: MEMBERS, scope: 'seed' });
  const asked: (string | null)[] = [];
  const remediationAsked: (string | null)[] = [];
  const accounts = {
    iamFor: async (account: string | null) => {
      remediationAsked.push(account);
      return base.iam;
    },
    readIamFor: async (account: string | null) => {
      asked.push(account);
      return base.iam;
    },
  };
  return { deps: { ...base, accounts }, asked, remediationAsked, logs: base.logs };
}

describe('sweepAccounts', () => {
  it('sweeps home first, then the members starting at the rotation', async () => {
    const { deps: d } = deps();
    const results = await sweepAccounts(HOME, d, { rotation: 4 });
    expect(results.map((r) => r.account)).toEqual(['111111111111', '333333333333', '444444444444', '222222222222']);
  });

  it('leaves the accounts that no longer fit in the invocation for the next run, and says which', async () => {
    const { deps: d, logs } = deps();
    // Asked before each member: enough time before the first, too little before the second.
    const answers = [ACCOUNT_BUDGET_MS + 1, ACCOUNT_BUDGET_MS - 1];
    const results = await sweepAccounts(HOME, d, { remainingMs: () => answers.shift() ?? 0 });
    expect(results.map((r) => r.account)).toEqual(['111111111111', '222222222222']);
    const warning = logs.find((l) => l.message === 'sweep out of time');
    expect(warning?.fields).toEqual({ notSwept: ['333333333333', '444444444444'], nextRunStartsAt: '333333333333' });
  });

  it('one member that cannot be reached does not stop the others; the run fails at the end naming it', async () => {
    const { deps: d } = deps();
    const readIamFor = async (account: string | null) => {
      if (account === '333333333333') throw new Error('role missing');
      return d.iam;
    };
    const failing = { ...d, accounts: { ...d.accounts, readIamFor } };
    await expect(sweepAccounts(HOME, failing)).rejects.toThrow(
      /the sweep failed in 1 account: 333333333333: role missing/,
    );
    // Home and two members: one ListPolicies pass and one listing of the one governed policy attached, each.
    expect(iam.commandCalls(ListPoliciesCommand).length).toBe(3);
    expect(iam.commandCalls(ListEntitiesForPolicyCommand).length).toBe(3);
  });

  it(
    'lists the member accounts through their read-only role, in every mode, and never assumes the remediation role ' +
      'to list',
    async () => {
      for (const mode of ['alert', 'remediate'] as const) {
        const { deps: d, asked, remediationAsked } = deps();
        await sweepAccounts(HOME, { ...d, config: { ...d.config, mode } });
        expect(asked, mode).toEqual(MEMBERS);
        // Nothing is attached in this account, so nothing is detached: the remediation role is never needed.
        expect(remediationAsked, mode).toEqual([]);
      }
    },
  );
});
