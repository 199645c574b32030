import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, loadGuardConfig } from '../../functions/config/guard-config.js';

const dir = mkdtempSync(join(tmpdir(), 'ipg-config-'));
const allowlist = join(dir, 'allowlist.yml');
writeFileSync(allowlist, 'version: 1\nmode: alert\nscope: seed\n');
const env = { ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts', ALLOWLIST_PATH: allowlist };

describe('loadGuardConfig', () => {
  it('takes mode and scope from the allowlist by default', () => {
    expect(loadGuardConfig(env)).toMatchObject({ mode: 'alert', scope: 'seed', findingsBusName: null, alertOnFailedAttempts: false });
  });

  it('lets the environment override them; GUARD_MODE=remediate makes remediate the default action', () => {
    const config = loadGuardConfig({ ...env, GUARD_MODE: 'remediate', GOVERNED_SCOPE: 'aws-iot', FINDINGS_BUS_NAME: 'sec', ALERT_ON_FAILED_ATTEMPTS: 'true', LOG_LEVEL: 'DEBUG' });
    expect(config).toMatchObject({ mode: 'remediate', scope: 'aws-iot', findingsBusName: 'sec', alertOnFailedAttempts: true });
    expect(config.allowlist.mode).toBe('remediate');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('records where the mode came from: GUARD_MODE (the deploy), else the allowlist', () => {
    expect(loadGuardConfig(env).modeSource).toBe('allowlist');
    expect(loadGuardConfig({ ...env, GUARD_MODE: 'alert' }).modeSource).toBe('deploy');
  });

  it('reads the chat topic; empty means no chat', () => {
    expect(loadGuardConfig(env).chatTopicArn).toBeNull();
    expect(loadGuardConfig({ ...env, CHAT_TOPIC_ARN: '' }).chatTopicArn).toBeNull();
    expect(loadGuardConfig({ ...env, CHAT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:chat' }).chatTopicArn).toBe('arn:aws:sns:us-east-1:123456789012:chat');
  });

  it('takes the home account from the alert topic when HOME_ACCOUNT_ID is not set', () => {
    expect(loadGuardConfig(env).homeAccount).toBe('123456789012');
  });

  it('reads the organization settings', () => {
    const config = loadGuardConfig({ ...env, HOME_ACCOUNT_ID: '123456789012', MEMBER_ROLE_NAME: 'iot-policy-guard-remediation', MEMBER_EXTERNAL_ID: 'org-guard-1', SWEEP_ACCOUNTS: '222222222222, 333333333333,222222222222' });
    expect(config).toMatchObject({ homeAccount: '123456789012', memberRole: { roleName: 'iot-policy-guard-remediation', externalId: 'org-guard-1' }, sweepAccounts: ['222222222222', '333333333333'] });
    // The read-only role the sweep lists through: named after the remediation role, as the member template names it.
    expect(config.memberRole?.readRoleName).toBe('iot-policy-guard-remediation-read');
    const named = loadGuardConfig({ ...env, HOME_ACCOUNT_ID: '123456789012', MEMBER_ROLE_NAME: 'r', MEMBER_EXTERNAL_ID: 'x1', MEMBER_READ_ROLE_NAME: 'reader' });
    expect(named.memberRole?.readRoleName).toBe('reader');
  });

  it('resolves a relative ALLOWLIST_PATH against LAMBDA_TASK_ROOT', () => {
    expect(loadGuardConfig({ ...env, ALLOWLIST_PATH: 'allowlist.yml', LAMBDA_TASK_ROOT: dir }).allowlist.source).toBe(allowlist);
  });

  it.each([
    [{ ALERT_TOPIC_ARN: undefined }, /ALERT_TOPIC_ARN is required/],
    [{ ALERT_TOPIC_ARN: 'alerts' }, /ALERT_TOPIC_ARN must be an SNS topic ARN/],
    [{ GUARD_MODE: 'revert' }, /GUARD_MODE must be one of alert, remediate, dry-run; got "revert"/],
    [{ ALERT_FALLBACK_QUEUE_URL: 'dead-letters' }, /ALERT_FALLBACK_QUEUE_URL must be an SQS queue URL/],
    [{ GOVERNED_SCOPE: 'all' }, /GOVERNED_SCOPE must be one of aws-iot, seed/],
    [{ ALERT_ON_FAILED_ATTEMPTS: 'yes' }, /ALERT_ON_FAILED_ATTEMPTS must be one of true, false/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ FINDINGS_BUS_NAME: 'bad bus!' }, /FINDINGS_BUS_NAME must be an event bus name or ARN/],
    [{ CHAT_TOPIC_ARN: 'chat' }, /CHAT_TOPIC_ARN must be an SNS topic ARN .* or empty, got "chat"/],
    [{ HOME_ACCOUNT_ID: '12345' }, /HOME_ACCOUNT_ID must be a 12-digit account id/],
    [{ MEMBER_ROLE_NAME: 'guard' }, /MEMBER_ROLE_NAME and MEMBER_EXTERNAL_ID go together/],
    [{ MEMBER_ROLE_NAME: 'bad role', MEMBER_EXTERNAL_ID: 'x1', HOME_ACCOUNT_ID: '123456789012' }, /MEMBER_ROLE_NAME must be an IAM role name/],
    [{ SWEEP_ACCOUNTS: '222222222222' }, /SWEEP_ACCOUNTS needs MEMBER_ROLE_NAME/],
    [{ MEMBER_READ_ROLE_NAME: 'reader' }, /MEMBER_READ_ROLE_NAME needs MEMBER_ROLE_NAME/],
    [{ MEMBER_READ_ROLE_NAME: 'bad reader', MEMBER_ROLE_NAME: 'g', MEMBER_EXTERNAL_ID: 'x1', HOME_ACCOUNT_ID: '123456789012' }, /MEMBER_READ_ROLE_NAME must be an IAM role name/],
    [{ SWEEP_ACCOUNTS: '222222222222,oops', MEMBER_ROLE_NAME: 'g', MEMBER_EXTERNAL_ID: 'x1', HOME_ACCOUNT_ID: '123456789012' }, /SWEEP_ACCOUNTS must be 12-digit account ids .* got "oops"/],
    [{ ALLOWLIST_PATH: join(dir, 'missing.yml') }, /ALLOWLIST_PATH: .*missing\.yml: invalid allowlist[\s\S]*cannot read: file not found/],
  ])('stops start-up naming the variable: %j', (override, message) => {
    expect(() => loadGuardConfig({ ...env, ...override })).toThrow(ConfigError);
    expect(() => loadGuardConfig({ ...env, ...override })).toThrow(message);
  });

  it('a broken allowlist stops start-up with the allowlist problems', () => {
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, 'version: 1\nallow:\n  - policy: AWSIoTFullAccess\n    principal: role/x\n');
    expect(() => loadGuardConfig({ ...env, ALLOWLIST_PATH: broken })).toThrow(/allow\[0\] \(role\/x\) field "reason": is required/);
  });

  describe('a .json ALLOWLIST_PATH (what the deploy ships)', () => {
    const json = join(dir, 'allowlist.json');
    writeFileSync(json, JSON.stringify({ version: 1, mode: 'alert', scope: 'seed', modes: {}, allow: [] }, null, 2));

    it('is read as JSON, to the same configuration as the YAML', () => {
      const fromJson = loadGuardConfig({ ...env, ALLOWLIST_PATH: json });
      expect(fromJson).toMatchObject({ mode: 'alert', scope: 'seed' });
      expect({ ...fromJson, allowlist: { ...fromJson.allowlist, source: null } }).toEqual({ ...loadGuardConfig(env), allowlist: { ...loadGuardConfig(env).allowlist, source: null } });
    });

    it('stops start-up on a key written twice, which JSON.parse would silently drop, and on a JSON syntax error', () => {
      const twice = join(dir, 'twice.json');
      writeFileSync(twice, '{\n  "version": 1,\n  "allow": [\n    {"policy": "*", "principal": "role/x", "reason": "r", "principal": "role/*"}\n  ]\n}\n');
      expect(() => loadGuardConfig({ ...env, ALLOWLIST_PATH: twice })).toThrow(ConfigError);
      expect(() => loadGuardConfig({ ...env, ALLOWLIST_PATH: twice })).toThrow(/ALLOWLIST_PATH: .*twice\.json: invalid allowlist[\s\S]*allow\[0\] \(role\/\*\) field "principal": duplicate key "principal" .*\(line 4\)/);
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{"version": 1,}');
      expect(() => loadGuardConfig({ ...env, ALLOWLIST_PATH: broken })).toThrow(/ALLOWLIST_PATH: .*broken\.json: invalid allowlist[\s\S]*not valid JSON/);
    });

    it('needs no YAML reader; without one (as deployed) a YAML ALLOWLIST_PATH stops start-up saying what to do', async () => {
      vi.resetModules();
      vi.doMock('../../functions/core/yaml-library.js', async (importOriginal) => {
        const actual = await importOriginal<typeof import('../../functions/core/yaml-library.js')>();
        return { ...actual, yamlLibrary: () => { throw new actual.YamlUnavailableError('no yaml package here'); } };
      });
      try {
        const deployed = await import('../../functions/config/guard-config.js');
        expect(deployed.loadGuardConfig({ ...env, ALLOWLIST_PATH: json })).toMatchObject({ scope: 'seed' });
        expect(() => deployed.loadGuardConfig(env)).toThrow(deployed.ConfigError);
        expect(() => deployed.loadGuardConfig(env)).toThrow(/^ALLOWLIST_PATH: .*allowlist\.yml is not a \.json file, and this function cannot read YAML .*the deploy compiles the allowlist to JSON and ships that .*point ALLOWLIST_PATH at a \.json allowlist$/);
      } finally {
        vi.doUnmock('../../functions/core/yaml-library.js');
        vi.resetModules();
      }
    });
  });
});

describe('STALE_AFTER', () => {
  const HOUR = 3_600_000;
  it('defaults to 24 hours and reads minutes, hours and days', () => {
    expect(loadGuardConfig(env).staleAfterMs).toBe(24 * HOUR);
    expect(loadGuardConfig({ ...env, STALE_AFTER: '90m' }).staleAfterMs).toBe(1.5 * HOUR);
    expect(loadGuardConfig({ ...env, STALE_AFTER: '6h' }).staleAfterMs).toBe(6 * HOUR);
    expect(loadGuardConfig({ ...env, STALE_AFTER: '7d' }).staleAfterMs).toBe(168 * HOUR);
  });

  it.each(['24', '1 day', '-1h', '30m', '0h', 'h', '1.5h'])('refuses %j at cold start, naming the variable', (value) => {
    expect(() => loadGuardConfig({ ...env, STALE_AFTER: value })).toThrow(/STALE_AFTER must be a duration of at least 1 hour such as 24h, 90m or 7d/);
  });
});
