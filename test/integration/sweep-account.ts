/**
 * A fresh, empty AWS account per test for the sweep and audit tests. The sweep acts on *every* holder of a governed
 * policy in its account, and the moto server is shared and never reset: in the default account it would find (and in
 * remediate mode detach) other tests' attachments. moto's AssumeRole into `arn:aws:iam::ACCOUNT:role/X` returns
 * credentials that act as that account, with its own IAM (see TOOLING.md), so each test gets a new random account.
 */
import { randomInt } from 'node:crypto';
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import type { Principal } from '../../functions/core/types.js';
import { awsClientConfig } from './helpers/emulator.js';

export interface IsolatedAccount {
  readonly accountId: string;
  /** Client options (moto endpoint, region, credentials of a session in the account). */
  readonly config: ReturnType<typeof awsClientConfig> & { credentials: { sessionToken: string } };
}

/** A new account (random id starting with 9, so never the default 123456789012) and credentials acting in it. */
export async function isolatedAccount(): Promise<IsolatedAccount> {
  const base = awsClientConfig();
  const accountId = `9${String(randomInt(0, 1e11 - 1)).padStart(11, '0')}`;
  // A raw query call, signed with nothing real: moto does not check signatures.
  const response = await fetch(base.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        `AWS4-HMAC-SHA256 ` +
        `Credential=${base.credentials.accessKeyId}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, ` +
        `Signature=0`,
    },
    body: new URLSearchParams({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: `arn:aws:iam::${accountId}:role/sweep-test`,
      RoleSessionName: 'sweep-test',
    }),
  });
  const xml = await response.text();
  const field = (name: string): string => {
    const value = new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];
    if (!value) throw new Error(`AssumeRole into ${accountId} returned no ${name}: ${xml.slice(0, 300)}`);
    return value;
  };
  return {
    accountId,
    config: {
      ...base,
      credentials: {
        accessKeyId: field('AccessKeyId'),
        secretAccessKey: field('SecretAccessKey'),
        sessionToken: field('SessionToken'),
      },
    },
  };
}

/** An IAM client that counts the commands it sends, by name (retries of one command count once). */
export function countingIamClient(config: IsolatedAccount['config']): {
  iam: IAMClient;
  calls: Map<string, number>;
  total: () => number;
} {
  const iam = new IAMClient(config);
  const calls = new Map<string, number>();
  iam.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? 'unknown';
      calls.set(name, (calls.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return { iam, calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0) };
}

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** Runs `work` over `items`, `concurrency` at a time. */
export async function inBatches<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < items.length; i += concurrency) await Promise.all(items.slice(i, i + concurrency).map(work));
}

/** Creates the principals (users, roles, groups) in the account. */
export async function createPrincipals(iam: IAMClient, principals: readonly Principal[]): Promise<void> {
  await inBatches(principals, 25, (p) => {
    switch (p.type) {
      case 'user':
        return iam.send(new CreateUserCommand({ UserName: p.name }));
      case 'role':
        return iam.send(new CreateRoleCommand({ RoleName: p.name, AssumeRolePolicyDocument: TRUST_POLICY }));
      case 'group':
        return iam.send(new CreateGroupCommand({ GroupName: p.name }));
      case 'permission-set':
        throw new Error('permission sets are made through sso-admin, not IAM');
    }
  });
}

export async function attach(iam: IAMClient, p: Principal, policyArn: string): Promise<void> {
  switch (p.type) {
    case 'user':
      await iam.send(new AttachUserPolicyCommand({ UserName: p.name, PolicyArn: policyArn }));
      break;
    case 'role':
      await iam.send(new AttachRolePolicyCommand({ RoleName: p.name, PolicyArn: policyArn }));
      break;
    case 'group':
      await iam.send(new AttachGroupPolicyCommand({ GroupName: p.name, PolicyArn: policyArn }));
      break;
  }
}

/** The ARNs of the managed policies attached to a principal. */
export async function attachedPolicies(iam: IAMClient, p: Principal): Promise<string[]> {
  const out =
    p.type === 'user'
      ? await iam.send(new ListAttachedUserPoliciesCommand({ UserName: p.name }))
      : p.type === 'role'
        ? await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: p.name }))
        : await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: p.name }));
  return (out.AttachedPolicies ?? []).map((a) => a.PolicyArn ?? '').sort();
}

export const role = (name: string): Principal => ({ type: 'role', name });
export const user = (name: string): Principal => ({ type: 'user', name });
export const group = (name: string): Principal => ({ type: 'group', name });
export const managed = (qualifiedName: string): string => `arn:aws:iam::aws:policy/${qualifiedName}`;

/** The environment that makes the SDK (as the functions and the CLI build it) act in the account, against moto. */
export function accountEnv(account: IsolatedAccount): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: account.config.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: account.config.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: account.config.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: account.config.credentials.sessionToken,
  };
}
