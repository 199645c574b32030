/**
 * The deploy's stage parameters and the functions' environment accept the same Regions, role names and external ids
 * (functions/core/aws-names.ts): a value the deploy lets through must not stop every cold start.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGuardConfig } from '../../functions/config/guard-config.js';
import { isAccountId, isExternalId, isRegion, isRoleName } from '../../functions/core/aws-names.js';
import {
  checkIdentityCenterRegion,
  checkMemberExternalId,
  checkMemberRoleName,
  checkSweepAccounts,
} from '../../infra/stage-params.js';

const dir = mkdtempSync(join(tmpdir(), 'ipg-names-'));
writeFileSync(join(dir, 'allowlist.yml'), 'version: 1\n');
const env = {
  ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
  ALLOWLIST_PATH: join(dir, 'allowlist.yml'),
};
const accepts = (check: () => unknown): boolean => {
  try {
    check();
    return true;
  } catch {
    return false;
  }
};
const functionsAccept = async (extra: Record<string, string>): Promise<boolean> =>
  loadGuardConfig({ ...env, ...extra }).then(
    () => true,
    () => false,
  );

describe('AWS names, one rule for the deploy and the functions', () => {
  it.each([
    'eu-west-1',
    'us-gov-west-1',
    'cn-north-1',
    'ap-southeast-2',
    'EU-west-1',
    'eu-west',
    'euwest1',
    'eu-west-1a',
    'us-east-1x',
  ])('Region %j', async (region) => {
    const deploy = accepts(() => checkIdentityCenterRegion(region));
    expect(deploy).toBe(isRegion(region));
    expect(await functionsAccept({ IDENTITY_CENTER_REGION: region })).toBe(deploy);
  });

  it.each(['guard', 'iot+guard=,.@_-', 'r'.repeat(59), 'r'.repeat(60), 'bad role', 'role/x', ''])(
    'role name %j',
    async (role) => {
      const deploy = role !== '' && accepts(() => checkMemberRoleName(role));
      // The deploy keeps room for the read-only role's suffix; the functions check both names at IAM's 64.
      expect(deploy).toBe(isRoleName(role, 59));
      const functions = await functionsAccept({
        HOME_ACCOUNT_ID: '123456789012',
        MEMBER_ROLE_NAME: role,
        MEMBER_EXTERNAL_ID: 'x1',
      });
      expect(functions).toBe(role !== '' && isRoleName(role) && isRoleName(`${role}-read`));
      if (deploy) expect(functions).toBe(true);
    },
  );

  it.each(['x1', 'org:guard/1+=,.@-', 'x', 'a'.repeat(1224), 'a'.repeat(1225), 'has space', 'quote"'])(
    'external id %j',
    async (id) => {
      const deploy = accepts(() => checkMemberExternalId(id, 'guard'));
      expect(deploy).toBe(isExternalId(id));
      expect(
        await functionsAccept({ HOME_ACCOUNT_ID: '123456789012', MEMBER_ROLE_NAME: 'guard', MEMBER_EXTERNAL_ID: id }),
      ).toBe(deploy);
    },
  );

  it.each(['222222222222', '22222222222', '2222222222222', 'o-222222222'])('account id %j', async (account) => {
    const deploy = accepts(() => checkSweepAccounts(account, 'guard'));
    expect(deploy).toBe(isAccountId(account));
    expect(
      await functionsAccept({
        HOME_ACCOUNT_ID: '123456789012',
        MEMBER_ROLE_NAME: 'guard',
        MEMBER_EXTERNAL_ID: 'x1',
        SWEEP_ACCOUNTS: account,
      }),
    ).toBe(deploy);
  });
});
