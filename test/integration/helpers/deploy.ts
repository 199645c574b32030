import type { DeployTarget } from '../../support/deployed-stack.js';
import { isolatedAccount } from '../sweep-account.js';

/** A deploy target in a new, empty account of the emulator. */
export async function deployTarget(): Promise<DeployTarget> {
  const { accountId, config } = await isolatedAccount();
  return { endpoint: config.endpoint, accountId, credentials: config.credentials };
}
