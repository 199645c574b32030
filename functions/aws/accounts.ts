/**
 * Acting in the account an event came from. The central deployment receives the events of every member account (the
 * member template forwards them) and detaches there by assuming the member's remediation role, with an external id;
 * the sweep lists there through the member's read-only role, which exists in every mode.
 * Credentials are cached per account until shortly before they expire; one account's missing role never stops the
 * others: it surfaces as an AccountAccessError, which respond() reports as `not-remediable`.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import type { Partition } from '../core/arn.js';
import { errorCode, RemediationError } from './failure.js';

/** STS answers that mean the member role will not be assumed by us, however often we try. */
const REFUSED = new Set(['AccessDenied', 'InvalidIdentityToken', 'RegionDisabled', 'MalformedPolicyDocument']);

export interface MemberRole {
  /** Name of the remediation role the member template creates in every member account. */
  readonly roleName: string;
  /** Name of the read-only role beside it (list the holders of governed policies): the sweep's, in every mode. */
  readonly readRoleName: string;
  readonly externalId: string;
  readonly partition: Partition;
}

/** The guard could not get credentials for an account (no member role configured, role missing, trust refused). */
export class AccountAccessError extends Error {
  override readonly name = 'AccountAccessError';
  constructor(
    message: string,
    readonly account: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface AccountAccess {
  /** The IAM client that acts in `account` (the home client for the home account or an unknown one). */
  iamFor(account: string | null): Promise<IAMClient>;
  /** The IAM client that reads in `account`, through the member's read-only role: what the sweep lists with. */
  readIamFor(account: string | null): Promise<IAMClient>;
}

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date };

// Refresh a little before expiry so that a detach never starts with credentials about to lapse.
const REFRESH_MARGIN_MS = 5 * 60_000;
const SESSION_SECONDS = 3600;

export interface AccountAccessOptions {
  readonly home: IAMClient;
  /** The account the function runs in; events from it use `home`. */
  readonly homeAccount: string | null;
  /** null: single-account deployment; an event from any other account is refused, never acted on in this one. */
  readonly member: MemberRole | null;
  readonly sts: () => Promise<STSClient>;
  readonly now?: () => number;
  readonly makeIam?: (credentials: Credentials) => IAMClient;
}

/** Builds the per-account client source. */
export function createAccountAccess(options: AccountAccessOptions): AccountAccess {
  const now = options.now ?? Date.now;
  const makeIam = options.makeIam ?? ((credentials: Credentials) => new IAMClient({ credentials }));
  // One cache per role: the read role's session never stands in for the remediation role's.
  const caches = { remediation: new Map<string, CachedClient>(), read: new Map<string, CachedClient>() };

  async function clientFor(account: string | null, which: keyof typeof caches): Promise<IAMClient> {
    if (options.homeAccount === null || account === options.homeAccount) return options.home;
    if (account === null) {
      // Acting "at home" on an event whose account is unknown could detach a same-named principal in the wrong account.
      throw new AccountAccessError(
        `the event names no account, so the guard cannot tell where to act (this is ${options.homeAccount})`,
        'unknown',
      );
    }
    if (options.member === null) {
      throw new AccountAccessError(
        `the event is from account ${account}, not this one (${options.homeAccount}), and no member role is ` +
          `configured (MEMBER_ROLE_NAME)`,
        account,
      );
    }
    const cache = caches[which];
    const cached = cache.get(account);
    if (cached && now() < cached.refreshAt) return cached.iam;
    const { externalId, partition } = options.member;
    const roleName = which === 'read' ? options.member.readRoleName : options.member.roleName;
    const roleArn = `arn:${partition}:iam::${account}:role/${roleName}`;
    let credentials: Credentials;
    try {
      // Loaded on first use: single-account deployments never initialise STS at cold start.
      const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
      const out = await (await options.sts()).send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: 'iot-policy-guard',
          ExternalId: externalId,
          DurationSeconds: SESSION_SECONDS,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
        throw new Error('AssumeRole returned no credentials');
      credentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration ?? new Date(now() + SESSION_SECONDS * 1000),
      };
    } catch (error) {
      cache.delete(account);
      const code = errorCode(error);
      const message = `cannot assume ${roleArn}: ${code}: ${(error as Error).message}`;
      // Refused (the role is missing, or its trust policy or external id does not admit us): nothing a retry fixes.
      if (REFUSED.has(code)) throw new AccountAccessError(message, account, { cause: error });
      // Throttling, a network error, an STS outage: fail the invocation so that it is retried.
      throw new RemediationError(message, code, { cause: error });
    }
    const iam = makeIam(credentials);
    cache.set(account, { iam, refreshAt: credentials.expiration.getTime() - REFRESH_MARGIN_MS });
    return iam;
  }

  return {
    iamFor: (account) => clientFor(account, 'remediation'),
    readIamFor: (account) => clientFor(account, 'read'),
  };
}

/**
 * The account the STS client's credentials act in (STS GetCallerIdentity, which needs no permission). The CLI's
 * `audit` asks when no --account is given; the functions take their account from their own ARN instead.
 */
export async function callerAccount(sts: STSClient): Promise<string> {
  // Loaded on use, like AssumeRoleCommand above: the functions' bundles never need it at cold start.
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const { Account } = await sts.send(new GetCallerIdentityCommand({}));
  if (!Account || !/^\d{12}$/.test(Account))
    throw new Error(`STS GetCallerIdentity answered no account id (${JSON.stringify(Account ?? null)})`);
  return Account;
}

type CachedClient = { iam: IAMClient; refreshAt: number };
