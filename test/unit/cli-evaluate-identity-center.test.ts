// evaluate on IAM Identity Center events: offline, a permission set's name cannot be known, so an entry that matches
// permission sets by name makes the attachment `unresolved` (exit 3), never allowed or a violation by guess.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, jsonLines } from '../support/cli.js';

const EVENTS = 'test/fixtures/events';
const SSO_EVENT = join(EVENTS, 'AttachManagedPolicyToPermissionSet.eventbridge-full-access.json');
const IAM_VIOLATION = join(EVENTS, 'AttachRolePolicy.eventbridge-full-access.json');
const PS = 'arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-3a7c9e1f5b2d4a6c';
const tmp = mkdtempSync(join(tmpdir(), 'ipg-cli-ic-'));

function allowlist(name: string, principal: string): string {
  const path = join(tmp, `${name}.yml`);
  writeFileSync(
    path,
    `version: 1\nallow:\n  - policy: AWSIoTFullAccess\n    principal: "${principal}"\n    reason: test\n`,
  );
  return path;
}

describe('iot-policy-guard evaluate: permission sets', () => {
  it('reports a permission-set attachment with its instance and the Identity Center Region', async () => {
    const run = await cli(['evaluate', '--allowlist', allowlist('empty-ish', 'role/nobody'), '--json', SSO_EVENT]);
    expect(run.status).toBe(1);
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({
        eventName: 'AttachManagedPolicyToPermissionSet',
        account: '111122223333',
        region: 'eu-west-1',
        principal: { type: 'permission-set', name: PS },
        instanceArn: 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6',
        policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess',
        verdict: 'violation',
      }),
    ]);
  });

  it('an entry by ARN glob decides offline', async () => {
    const run = await cli([
      'evaluate',
      '--allowlist',
      allowlist('by-arn', 'permission-set/arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/*'),
      '--json',
      SSO_EVENT,
    ]);
    expect(run.status).toBe(0);
    expect(jsonLines(run.stdout)[0]).toMatchObject({ verdict: 'allowed', rule: 0 });
  });

  it('an entry by name cannot: unresolved, exit 3, and the reason says why and what to do', async () => {
    const run = await cli([
      'evaluate',
      '--allowlist',
      allowlist('by-name', 'permission-set/IoT*'),
      '--json',
      SSO_EVENT,
    ]);
    expect(run.status).toBe(3);
    const [record] = jsonLines(run.stdout);
    expect(record).toMatchObject({ verdict: 'unresolved', action: null, rule: null });
    expect(record!.reason).toMatch(/entry #0 \(permission-set\/IoT\*\) matches permission sets by name/);
    expect(record!.reason).toMatch(/by name.*CloudTrail records only its ARN.*audit.*permission-set\/arn:/);
    expect(run.stderr).toMatch(/verdicts: 0 violation, 0 allowed, 0 not-governed, 0 failed-attempt, 1 unresolved/);
  });

  it('a violation elsewhere still exits 1; the table names the permission set by its ps- id', async () => {
    const run = await cli([
      'evaluate',
      '--allowlist',
      allowlist('by-name-2', 'permission-set/IoT*'),
      SSO_EVENT,
      IAM_VIOLATION,
    ]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/ ps-3a7c9e1f5b2d4a6c +AWSIoTFullAccess .* unresolved\s+undecided: entry #0/);
    expect(run.stdout).toMatch(/verdicts: 1 violation, 0 allowed, 0 not-governed, 0 failed-attempt, 1 unresolved/);
  });
});
