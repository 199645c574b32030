import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, loadGuardConfig } from '../../functions/config/guard-config.js';
import { renderShippedAllowlist } from '../../functions/core/allowlist-shipped.js';

const dir = mkdtempSync(join(tmpdir(), 'ipg-config-'));
const allowlist = join(dir, 'allowlist.yml');
writeFileSync(allowlist, 'version: 1\nmode: alert\nscope: seed\n');
const env = { ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts', ALLOWLIST_PATH: allowlist };

describe('loadGuardConfig', () => {
  it('takes mode and scope from the allowlist by default', async () => {
    expect(await loadGuardConfig(env)).toMatchObject({
      mode: 'alert',
      scope: 'seed',
      findingsBusName: null,
      alertOnFailedAttempts: false,
    });
  });

  it('lets the environment override them; GUARD_MODE=remediate makes remediate the default action', async () => {
    const config = await loadGuardConfig({
      ...env,
      GUARD_MODE: 'remediate',
      GOVERNED_SCOPE: 'aws-iot',
      FINDINGS_BUS_NAME: 'sec',
      ALERT_ON_FAILED_ATTEMPTS: 'true',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config).toMatchObject({
      mode: 'remediate',
      scope: 'aws-iot',
      findingsBusName: 'sec',
      alertOnFailedAttempts: true,
    });
    expect(config.allowlist.mode).toBe('remediate');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('records where the mode came from: GUARD_MODE (the deploy), else the allowlist', async () => {
    expect((await loadGuardConfig(env)).modeSource).toBe('allowlist');
    expect((await loadGuardConfig({ ...env, GUARD_MODE: 'alert' })).modeSource).toBe('deploy');
  });

  it('reads the chat topic; empty means no chat', async () => {
    expect((await loadGuardConfig(env)).chatTopicArn).toBeNull();
    expect((await loadGuardConfig({ ...env, CHAT_TOPIC_ARN: '' })).chatTopicArn).toBeNull();
    expect(
      (await loadGuardConfig({ ...env, CHAT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:chat' })).chatTopicArn,
    ).toBe('arn:aws:sns:us-east-1:123456789012:chat');
  });

  it('takes the home account from the alert topic when HOME_ACCOUNT_ID is not set', async () => {
    expect((await loadGuardConfig(env)).homeAccount).toBe('123456789012');
  });

  it('reads the organization settings', async () => {
    const config = await loadGuardConfig({
      ...env,
      HOME_ACCOUNT_ID: '123456789012',
      MEMBER_ROLE_NAME: 'iot-policy-guard-remediation',
      MEMBER_EXTERNAL_ID: 'org-guard-1',
      SWEEP_ACCOUNTS: '222222222222, 333333333333,222222222222',
    });
    expect(config).toMatchObject({
      homeAccount: '123456789012',
      memberRole: { roleName: 'iot-policy-guard-remediation', externalId: 'org-guard-1' },
      sweepAccounts: ['222222222222', '333333333333'],
    });
    // The read-only role the sweep lists through: named after the remediation role, as the member template names it.
    expect(config.memberRole?.readRoleName).toBe('iot-policy-guard-remediation-read');
    const named = await loadGuardConfig({
      ...env,
      HOME_ACCOUNT_ID: '123456789012',
      MEMBER_ROLE_NAME: 'r',
      MEMBER_EXTERNAL_ID: 'x1',
      MEMBER_READ_ROLE_NAME: 'reader',
    });
    expect(named.memberRole?.readRoleName).toBe('reader');
  });

  it('resolves a relative ALLOWLIST_PATH against LAMBDA_TASK_ROOT', async () => {
    expect(
      (await loadGuardConfig({ ...env, ALLOWLIST_PATH: 'allowlist.yml', LAMBDA_TASK_ROOT: dir })).allowlist.source,
    ).toBe(allowlist);
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
    [
      { MEMBER_ROLE_NAME: 'bad role', MEMBER_EXTERNAL_ID: 'x1', HOME_ACCOUNT_ID: '123456789012' },
      /MEMBER_ROLE_NAME must be an IAM role name/,
    ],
    [{ SWEEP_ACCOUNTS: '222222222222' }, /SWEEP_ACCOUNTS needs MEMBER_ROLE_NAME/],
    [{ MEMBER_READ_ROLE_NAME: 'reader' }, /MEMBER_READ_ROLE_NAME needs MEMBER_ROLE_NAME/],
    [
      {
        MEMBER_READ_ROLE_NAME: 'bad reader',
        MEMBER_ROLE_NAME: 'g',
        MEMBER_EXTERNAL_ID: 'x1',
        HOME_ACCOUNT_ID: '123456789012',
      },
      /MEMBER_READ_ROLE_NAME must be an IAM role name/,
    ],
    [
      {
        SWEEP_ACCOUNTS: '222222222222,oops',
        MEMBER_ROLE_NAME: 'g',
        MEMBER_EXTERNAL_ID: 'x1',
        HOME_ACCOUNT_ID: '123456789012',
      },
      /SWEEP_ACCOUNTS must be 12-digit account ids .* got "oops"/,
    ],
    [
      { ALLOWLIST_PATH: join(dir, 'missing.yml') },
      /ALLOWLIST_PATH: .*missing\.yml: invalid allowlist[\s\S]*cannot read: file not found/,
    ],
  ])('stops start-up naming the variable: %j', async (override, message) => {
    await expect(loadGuardConfig({ ...env, ...override })).rejects.toThrow(ConfigError);
    await expect(loadGuardConfig({ ...env, ...override })).rejects.toThrow(message);
  });

  it('a broken allowlist stops start-up with the allowlist problems', async () => {
    const broken = join(dir, 'broken.yml');
    writeFileSync(broken, 'version: 1\nallow:\n  - policy: AWSIoTFullAccess\n    principal: role/x\n');
    await expect(loadGuardConfig({ ...env, ALLOWLIST_PATH: broken })).rejects.toThrow(
      /allow\[0\] \(role\/x\) field "reason": is required/,
    );
  });

  describe('a .json ALLOWLIST_PATH: the compiled allowlist the deploy ships', () => {
    const document = {
      version: 1,
      mode: 'alert',
      scope: 'seed',
      modes: {},
      allow: [{ policy: '*', principal: 'role/x', reason: 'r' }],
    } as const;
    const compiled = renderShippedAllowlist(document, 'allowlist.yml');
    const json = join(dir, 'allowlist.json');
    writeFileSync(json, compiled);
    const yamlTwin = join(dir, 'twin.yml');
    writeFileSync(
      yamlTwin,
      'version: 1\nmode: alert\nscope: seed\nallow:\n  - policy: "*"\n    principal: role/x\n    reason: r\n',
    );
    const written = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };

    it('is read to the same configuration as the YAML it was compiled from', async () => {
      const fromJson = await loadGuardConfig({ ...env, ALLOWLIST_PATH: json });
      expect(fromJson).toMatchObject({ mode: 'alert', scope: 'seed' });
      const fromYaml = await loadGuardConfig({ ...env, ALLOWLIST_PATH: yamlTwin });
      const matchers = (c: typeof fromJson) => ({
        ...c,
        allowlist: {
          ...c.allowlist,
          source: null,
          allow: c.allowlist.allow.map((e) => ({ ...e, matchesPolicy: null, matchesPrincipalName: null })),
        },
      });
      expect(matchers(fromJson)).toEqual(matchers(fromYaml));
    });

    it.each([
      [
        'hand-edited (its checksum no longer matches)',
        () => compiled.replace('"role/x"', '"role/*"'),
        /changed after packaging \(its document does not match its sha256\)/,
      ],
      [
        'a key added twice by hand',
        () => compiled.replace('"reason": "r"', '"reason": "r", "principal": "role/*"'),
        /changed after packaging/,
      ],
      [
        'truncated',
        () => compiled.slice(0, compiled.length / 2),
        /not a compiled allowlist: not valid JSON \(.*\), truncated or edited\?/,
      ],
      ['empty', () => '', /not a compiled allowlist: not valid JSON/],
      [
        'of another format version',
        () => compiled.replace('"formatVersion": 1', '"formatVersion": 2'),
        /a compiled allowlist of format version 2, but this code reads version 1/,
      ],
      [
        'a plain allowlist, not compiled',
        () => JSON.stringify(document),
        /not a compiled allowlist: no "format": "iot-policy-guard\/compiled-allowlist"/,
      ],
    ])('stops start-up, naming the file and the problem, for one %s', async (_, text, problem) => {
      const path = written('refused.json', text());
      const loading = loadGuardConfig({ ...env, ALLOWLIST_PATH: path });
      await expect(loading).rejects.toThrow(ConfigError);
      await expect(loadGuardConfig({ ...env, ALLOWLIST_PATH: path })).rejects.toThrow(
        /^ALLOWLIST_PATH: .*refused\.json: invalid allowlist \(1 problem\)\n {2}- file: /,
      );
      await expect(loadGuardConfig({ ...env, ALLOWLIST_PATH: path })).rejects.toThrow(problem);
      await expect(loadGuardConfig({ ...env, ALLOWLIST_PATH: path })).rejects.toThrow(
        /the deploy writes this file from the allowlist: change that and package again, never this file/,
      );
    });

    it('is read without the schema or the YAML reader: neither is loaded', async () => {
      vi.resetModules();
      const loaded: string[] = [];
      for (const module of [
        '../../functions/core/allowlist-schema.js',
        '../../functions/core/allowlist-read.js',
        '../../functions/core/yaml-library.js',
      ]) {
        vi.doMock(module, async (importOriginal) => {
          loaded.push(module);
          return importOriginal();
        });
      }
      try {
        const deployed = await import('../../functions/config/guard-config.js');
        expect(await deployed.loadGuardConfig({ ...env, ALLOWLIST_PATH: json })).toMatchObject({ scope: 'seed' });
        expect(loaded.filter((m) => !m.endsWith('yaml-library.js'))).toEqual([]);
        await deployed.loadGuardConfig(env);
        expect(loaded).toContain('../../functions/core/allowlist-schema.js');
      } finally {
        for (const module of [
          '../../functions/core/allowlist-schema.js',
          '../../functions/core/allowlist-read.js',
          '../../functions/core/yaml-library.js',
        ])
          vi.doUnmock(module);
        vi.resetModules();
      }
    });

    it(
      'needs no YAML reader; without one (as deployed) a ' +
        'YAML ALLOWLIST_PATH stops ' +
        'start-up saying what ' +
        'to do',
      async () => {
        vi.resetModules();
        vi.doMock('../../functions/core/yaml-library.js', async (importOriginal) => {
          const actual = await importOriginal<typeof import('../../functions/core/yaml-library.js')>();
          return {
            ...actual,
            yamlLibrary: () => {
              throw new actual.YamlUnavailableError('no yaml package here');
            },
          };
        });
        try {
          const deployed = await import('../../functions/config/guard-config.js');
          expect(await deployed.loadGuardConfig({ ...env, ALLOWLIST_PATH: json })).toMatchObject({ scope: 'seed' });
          await expect(deployed.loadGuardConfig(env)).rejects.toThrow(deployed.ConfigError);
          await expect(deployed.loadGuardConfig(env)).rejects.toThrow(
            new RegExp(
              String.raw`^ALLOWLIST_PATH: .*allowlist\.yml is not a \.json file, ` +
                'and this function cannot read YAML .*' +
                'the deploy compiles the allowlist to JSON and ships that .*' +
                String.raw`point ALLOWLIST_PATH at a \.json allowlist$`,
            ),
          );
        } finally {
          vi.doUnmock('../../functions/core/yaml-library.js');
          vi.resetModules();
        }
      },
    );
  });
});

describe('STALE_AFTER', () => {
  const HOUR = 3_600_000;
  it('defaults to 24 hours and reads minutes, hours and days', async () => {
    expect((await loadGuardConfig(env)).staleAfterMs).toBe(24 * HOUR);
    expect((await loadGuardConfig({ ...env, STALE_AFTER: '90m' })).staleAfterMs).toBe(1.5 * HOUR);
    expect((await loadGuardConfig({ ...env, STALE_AFTER: '6h' })).staleAfterMs).toBe(6 * HOUR);
    expect((await loadGuardConfig({ ...env, STALE_AFTER: '7d' })).staleAfterMs).toBe(168 * HOUR);
  });

  it.each(['24', '1 day', '-1h', '30m', '0h', 'h', '1.5h'])(
    'refuses %j at cold start, naming the variable',
    async (value) => {
      await expect(loadGuardConfig({ ...env, STALE_AFTER: value })).rejects.toThrow(
        /STALE_AFTER must be a duration of at least 1 hour such as 24h, 90m or 7d/,
      );
    },
  );
});
