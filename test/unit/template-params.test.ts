// The stage-parameter checks serverless.yml runs at package time (infra/stage-params.ts), without packaging.
import { describe, expect, it } from 'vitest';
import {
  checkAlertEmail,
  checkAllowlistPath,
  checkChatTopic,
  checkCreateTrail,
  checkFindingsBus,
  checkIdentityCenterRegion,
  checkLogLevel,
  checkMode,
  checkParamNames,
  checkStage,
  checkSweepSchedule,
  oslsCommand,
  PARAM_NAMES,
  checkStaleAfter,
  shippedAllowlistPath,
  StageParamError,
  writeShippedAllowlist,
} from '../../infra/stage-params.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAllowlistDocument } from '../../functions/config/allowlist-file.js';
import { readShippedAllowlist } from '../../functions/core/allowlist-shipped.js';
import { REPO_ROOT, runOsls, withServiceDirectory } from '../../scripts/package-stack.js';

describe('stage parameters', () => {
  it.each(['alert', 'dry-run', 'remediate'])('accepts mode=%s', (mode) => {
    expect(checkMode(mode)).toBe(mode);
  });

  it.each(['remediation', 'Alert', '', undefined, true])(
    'rejects mode=%s, naming the parameter and the choices',
    (mode) => {
      expect(() => checkMode(mode)).toThrow(StageParamError);
      expect(() => checkMode(mode)).toThrow(/mode=.*alert, remediate, dry-run/);
    },
  );

  it('accepts createTrail as text or YAML boolean, and nothing else', () => {
    expect(checkCreateTrail('true')).toBe('true');
    expect(checkCreateTrail(false)).toBe('false');
    expect(() => checkCreateTrail('yes')).toThrow(/createTrail=.*true or false/);
  });

  it('accepts chatTopic as text or YAML boolean, and nothing else', () => {
    expect(checkChatTopic('true')).toBe('true');
    expect(checkChatTopic(false)).toBe('false');
    for (const bad of ['yes', 'slack', '', undefined])
      expect(() => checkChatTopic(bad), String(bad)).toThrow(/chatTopic=.*true or false/);
  });

  it('requires alertEmail: one address, or none for no subscription; empty is refused', () => {
    expect(checkAlertEmail('none')).toBe('');
    expect(checkAlertEmail(' secops@example.com ')).toBe('secops@example.com');
    for (const missing of ['', ' ', undefined])
      expect(() => checkAlertEmail(missing)).toThrow(/alertEmail=.*is required.*alertEmail=none/);
    expect(() => checkAlertEmail('', 'package')).toThrow(/is required/);
    // Removing a stage, or printing its outputs, builds no template to deploy.
    for (const command of ['remove', 'info', 'print']) expect(checkAlertEmail('', command)).toBe('');
    expect(oslsCommand(['node', 'serverless.js', 'remove', '--stage', 'prod'])).toBe('remove');
    expect(oslsCommand(['node', 'serverless.js', '--stage', 'prod', 'deploy'])).toBe('deploy');
    for (const bad of ['secops', 'a@b.com,c@d.com', 'a b@example.com'])
      expect(() => checkAlertEmail(bad), bad).toThrow(/alertEmail/);
  });

  it('accepts a bus name, not an ARN (the IAM permission is built from the name)', () => {
    expect(checkFindingsBus('')).toBe('');
    expect(checkFindingsBus('security-findings')).toBe('security-findings');
    expect(() => checkFindingsBus('arn:aws:events:us-east-1:111122223333:event-bus/central')).toThrow(
      /findingsBus=.*name of an event bus/,
    );
  });

  it('accepts an empty identityCenterRegion or a Region name, in any partition', () => {
    expect(checkIdentityCenterRegion('')).toBe('');
    expect(checkIdentityCenterRegion(undefined)).toBe('');
    for (const region of ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'us-gov-west-1', 'cn-north-1'])
      expect(checkIdentityCenterRegion(` ${region} `)).toBe(region);
    for (const bad of [
      'eu-west',
      'EU-WEST-1',
      'Ireland',
      'eu-west-1a',
      'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6',
      'eu-west-1,us-east-1',
    ]) {
      expect(() => checkIdentityCenterRegion(bad), bad).toThrow(StageParamError);
      expect(() => checkIdentityCenterRegion(bad), bad).toThrow(/identityCenterRegion=.*such as eu-west-1/);
    }
  });

  it('accepts staleAfter durations of at least an hour, as the functions read STALE_AFTER', () => {
    expect(checkStaleAfter(undefined)).toBe('24h');
    for (const value of ['24h', ' 6h ', '90m', '7d']) expect(checkStaleAfter(value)).toBe(value.trim());
    for (const bad of ['24', '30m', '1 day', '-2h', 'forever'])
      expect(() => checkStaleAfter(bad), bad).toThrow(
        /--param="staleAfter=\.\.\." must be a duration of at least 1 hour/,
      );
  });

  it('accepts the four log levels in any case', () => {
    expect(checkLogLevel('debug')).toBe('DEBUG');
    expect(() => checkLogLevel('verbose')).toThrow(/logLevel/);
  });

  it.each([
    'rate(1 hour)',
    'rate(5 minutes)',
    'rate(6 hours)',
    'rate(1 day)',
    'rate(2 days)',
    'cron(15 * * * ? *)',
    'cron(0 6 ? * MON-FRI *)',
  ])('accepts sweepSchedule=%s', (schedule) => {
    expect(checkSweepSchedule(` ${schedule} `)).toBe(schedule);
  });

  it.each([
    'rate(1 minute)', // shorter than a run may take (the sweep's 5-minute timeout)
    'rate(4 minutes)',
    'rate(2 hour)', // AWS wants the plural
    'rate(1 hours)',
    'rate(0 hours)',
    'rate(01 hour)',
    'rate(1h)',
    'cron(0 * * * ?)', // five fields
    'at(2027-01-01T00:00:00)', // one-time
    '1 hour',
    '',
    undefined,
  ])('rejects sweepSchedule=%s, naming the parameter and the forms', (schedule) => {
    expect(() => checkSweepSchedule(schedule)).toThrow(StageParamError);
    expect(() => checkSweepSchedule(schedule)).toThrow(
      /sweepSchedule=.*rate\(N minutes\|hours\|days\) of at least 5 minutes.*cron\(/,
    );
  });

  describe('allowlist', () => {
    it('accepts a valid allowlist inside the service directory, normalising its path', () => {
      expect(checkAllowlistPath('infra/allowlist.yml', REPO_ROOT)).toBe('infra/allowlist.yml');
      expect(checkAllowlistPath('./infra/../infra/allowlist.example.yml', REPO_ROOT)).toBe(
        'infra/allowlist.example.yml',
      );
    });

    it.each([
      ['/etc/allowlist.yml', /must be a path inside/],
      ['../allowlist.yml', /must be a path inside/],
      ['infra/missing.yml', /file not found/],
      ['package.json', /invalid allowlist/],
      ['', /must name an allowlist file/],
    ])('rejects %s', (path, message) => {
      expect(() => checkAllowlistPath(path, REPO_ROOT)).toThrow(message);
    });

    it('is compiled to JSON under .build/, named after the file, for the functions to ship and read', () => {
      expect(shippedAllowlistPath('infra/allowlist.yml')).toBe('.build/infra/allowlist.json');
      expect(shippedAllowlistPath('infra/allowlist.prod.yaml')).toBe('.build/infra/allowlist.prod.json');
      expect(shippedAllowlistPath('allowlist')).toBe('.build/allowlist.json');
      const service = mkdtempSync(join(tmpdir(), 'ipg-params-'));
      mkdirSync(join(service, 'infra'));
      cpSync(join(REPO_ROOT, 'infra/allowlist.example.yml'), join(service, 'infra/allowlist.example.yml'));
      expect(writeShippedAllowlist('./infra/allowlist.example.yml', service)).toBe(
        '.build/infra/allowlist.example.json',
      );
      const shipped = readFileSync(join(service, '.build/infra/allowlist.example.json'), 'utf8');
      const source = loadAllowlistDocument(join(service, 'infra/allowlist.example.yml'));
      expect(JSON.parse(shipped)).toMatchObject({
        format: 'iot-policy-guard/compiled-allowlist',
        formatVersion: 1,
        compiledFrom: 'infra/allowlist.example.yml',
      });
      expect(JSON.parse(shipped).document).toEqual(source.document);
      expect(JSON.parse(shipped).document).toMatchObject({
        version: 1,
        mode: 'alert',
        scope: 'aws-iot',
        modes: expect.any(Object),
      });
      expect(readShippedAllowlist(shipped, 'shipped.json').allow.length).toBe(source.allowlist.allow.length);
    });

    it('is not compiled when invalid: a key written twice stops packaging, as every other problem does', () => {
      const service = mkdtempSync(join(tmpdir(), 'ipg-params-'));
      writeFileSync(
        join(service, 'allowlist.yml'),
        'version: 1\nallow:\n  - policy: "*"\n    principal: role/a\n    reason: r\n    principal: role/*\n',
      );
      expect(() => writeShippedAllowlist('allowlist.yml', service)).toThrow(
        new RegExp(
          String.raw`--param="allowlist=allowlist.yml": .*invalid allowlist[\s\S]*duplicate key "principal" ` +
            String.raw`in one mapping \(only one value can count\) \(line 6\)`,
        ),
      );
      expect(existsSync(join(service, '.build'))).toBe(false);
    });
  });

  it('refuses a --param whose name is not a parameter, instead of ignoring it', () => {
    expect(() =>
      checkParamNames(['node', 'osls', 'package', '--param=mode=remediate', '--param', 'logLevel=DEBUG']),
    ).not.toThrow();
    expect(() => checkParamNames(['--param=Mode=remediate'])).toThrow(
      /--param="Mode=..." is not a parameter of this stack \(did you mean mode\?\)/,
    );
    expect(() => checkParamNames(['--param', 'identityCentreRegion=eu-west-1'])).toThrow(StageParamError);
  });

  it('knows exactly the parameters serverless.yml declares', () => {
    const block = /\nparams:\n {2}default:\n((?: {4}.*\n)+)/.exec(readFileSync('serverless.yml', 'utf8'))?.[1] ?? '';
    const declared = block
      .split('\n')
      .map((line) => /^ {4}(\w+):/.exec(line)?.[1])
      .filter(Boolean);
    expect([...declared].sort()).toEqual([...PARAM_NAMES].sort());
  });

  it('keeps stage names short enough for the role names', () => {
    expect(checkStage('prod')).toBe('prod');
    expect(() => checkStage('a-very-long-stage-name-xx')).toThrow(/--stage must be 1 to 20/);
  });

  it.each(['cron(* * * * ? *)', 'cron(*/2 * * * ? *)', 'cron(0,1 * * * ? *)', 'cron(0-3 * * * ? *)'])(
    'refuses %s: runs closer than the sweep timeout',
    (cron) => {
      expect(() => checkSweepSchedule(cron)).toThrow(/sweepSchedule/);
    },
  );

  it.each(['cron(0/10 * * * ? *)', 'cron(15 * * * ? *)', 'cron(0,30 * * * ? *)', 'cron(0 3 * * ? *)'])(
    'accepts %s',
    (cron) => {
      expect(checkSweepSchedule(cron)).toBe(cron);
    },
  );
});

describe('deploy guardrails, through the real commands', () => {
  const dir = join(tmpdir(), `iot-policy-guard-guardrails-${process.pid}`);

  it('stops packaging when alertEmail is not given, and says how to give it', async () => {
    const env = {
      ...process.env,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      SLS_TELEMETRY_DISABLED: '1',
    };
    const packaging = withServiceDirectory(() =>
      runOsls(['package', '--package', join(dir, 'no-email')], env, 'package'),
    );
    await expect(packaging).rejects.toThrow(/alertEmail=.*is required.*alertEmail=none/s);
  }, 120_000);

  it('packages another stage with `npm run package -- --stage prod`', async () => {
    const out = join(dir, 'prod');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    await withServiceDirectory(() =>
      promisify(execFile)(
        npm,
        ['run', 'package', '--', '--stage', 'prod', '--param=alertEmail=secops@example.com', '--package', out],
        {
          cwd: REPO_ROOT,
          env: {
            ...process.env,
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
            SLS_TELEMETRY_DISABLED: '1',
          },
          timeout: 120_000,
        },
      ),
    );
    const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
      Resources: Record<string, { Properties?: { FunctionName?: string } }>;
    };
    expect(template.Resources.AttachGuardLambdaFunction?.Properties?.FunctionName).toBe(
      'iot-policy-guard-prod-attach-guard',
    );
  }, 120_000);
});
