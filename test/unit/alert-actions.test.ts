// What an alert gives people to act on: console links per partition, the command that removes an attachment left in
// place (quoted against hostile names), and where the action came from.
import { execFileSync } from 'node:child_process';
import { DetachRolePolicyCommand, UnmodifiableEntityException } from '@aws-sdk/client-iam';
import { PublishCommand } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { renderSnsMessage, renderText, type Alert } from '../../functions/core/alert.js';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import { attachmentOf } from '../../functions/core/attachment.js';
import { consoleLinks } from '../../functions/core/console-links.js';
import { remediationCommand, shellQuote } from '../../functions/core/remediation-command.js';
import { handleAttachEvent } from '../../functions/guard/attach-event.js';
import { alertOf, eventOf, stubGuardClients, VIOLATION as violation } from '../support/alerts.js';
import { fixture } from '../support/fixtures.js';
import { guardDeps } from '../support/guard.js';

const { iam, sns } = stubGuardClients();
const emailOf = (alert: Alert): string => JSON.parse(renderSnsMessage(alert).Message).email as string;
const PS = 'arn:aws:sso:::permissionSet/ssoins-6804a1b2c3d4e5f6/ps-3a7c9e1f5b2d4a6c';
const INSTANCE = 'arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6';

describe('console links', () => {
  it.each([
    [
      'AttachRolePolicy.eventbridge-full-access',
      'https://console.aws.amazon.com/iam/home#/roles/details/iot-fleet-operator',
      'https://console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/',
    ],
    [
      'AttachUserPolicy.eventbridge-assumed-role',
      'https://console.aws.amazon.com/iam/home#/users/details/',
      'https://console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/',
    ],
    [
      'AttachGroupPolicy.eventbridge-console',
      'https://console.aws.amazon.com/iam/home#/groups/details/',
      'https://console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/',
    ],
    [
      'AttachRolePolicy.record-aws-cn',
      'https://console.amazonaws.cn/iam/home#/roles/details/iot-gateway-cn',
      'https://console.amazonaws.cn/cloudtrail/home?region=cn-north-1#/events/17d104f6-6e33-42b0-b3e4-5fcec83c2a8d',
    ],
  ])('%s: the principal in the IAM console, the event in CloudTrail, in its partition', (name, principal, event) => {
    const alert = alertOf(eventOf(name));
    expect(alert.links?.principal?.startsWith(principal)).toBe(true);
    expect(alert.links?.event).toBe(event.endsWith('/') ? `${event}${alert.eventId}` : event);
  });

  it('uses the GovCloud console for aws-us-gov, by the policy ARN (or the Region when the ARN is not one)', () => {
    const links = consoleLinks({
      policyArn: 'arn:aws-us-gov:iam::aws:policy/AWSIoTFullAccess',
      principal: { type: 'user', name: 'ops' },
      region: 'us-gov-west-1',
      eventId: 'e-1',
    });
    expect(links).toEqual({
      principal: 'https://console.amazonaws-us-gov.com/iam/home#/users/details/ops',
      event: 'https://console.amazonaws-us-gov.com/cloudtrail/home?region=us-gov-west-1#/events/e-1',
    });
    expect(
      consoleLinks({
        policyArn: '(unknown)',
        principal: { type: 'role', name: 'r' },
        region: 'cn-northwest-1',
        eventId: null,
      }).principal,
    ).toBe('https://console.amazonaws.cn/iam/home#/roles/details/r');
  });

  it('has no event link for the sweep, and no links in a partition without a public console', () => {
    const sweep = alertOf({
      ...attachmentOf(eventOf('AttachRolePolicy.eventbridge-full-access')),
      source: { kind: 'sweep', foundAt: '2026-11-26T11:00:00.000Z' },
    });
    expect(sweep.links).toEqual({
      principal: 'https://console.aws.amazon.com/iam/home#/roles/details/iot-fleet-operator',
      event: null,
    });
    expect(
      consoleLinks({
        policyArn: 'arn:aws-iso:iam::aws:policy/AWSIoTFullAccess',
        principal: { type: 'role', name: 'r' },
        region: 'us-iso-east-1',
        eventId: 'e',
      }),
    ).toEqual({ principal: null, event: null });
  });

  it('links a permission set to IAM Identity Center in its Region', () => {
    const event = eventOf('AttachManagedPolicyToPermissionSet.eventbridge-full-access');
    expect(alertOf(event).links?.principal).toBe(
      `https://console.aws.amazon.com/singlesignon/home?region=${event.region}`,
    );
  });

  it('encodes what comes from the event, so nothing leaves its place in the URL', () => {
    const links = consoleLinks({
      policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess',
      principal: { type: 'role', name: 'a#b/../c?d' },
      region: 'us-east-1',
      eventId: 'x#/y',
    });
    expect(links.principal).toBe('https://console.aws.amazon.com/iam/home#/roles/details/a%23b%2F..%2Fc%3Fd');
    expect(links.event).toBe('https://console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/x%23%2Fy');
  });
});

/** The words a POSIX shell makes of a command line, with `aws` replaced by a function that prints its arguments. */
function argumentsOf(command: string): string[][] {
  const out = execFileSync('/bin/sh', ['-c', `aws() { printf '%s\\0' "$@"; printf '\\1'; }\n${command}`], {
    encoding: 'utf8',
  });
  return out
    .split('\u0001')
    .filter((s) => s !== '')
    .map((call) => call.split('\0').slice(0, -1));
}

describe('remediationCommand', () => {
  it.each([
    ['user', 'aws iam detach-user-policy --user-name ops --policy-arn arn:aws:iam::aws:policy/AWSIoTFullAccess'],
    ['role', 'aws iam detach-role-policy --role-name ops --policy-arn arn:aws:iam::aws:policy/AWSIoTFullAccess'],
    ['group', 'aws iam detach-group-policy --group-name ops --policy-arn arn:aws:iam::aws:policy/AWSIoTFullAccess'],
  ] as const)('%s: the exact aws iam command', (type, command) => {
    expect(
      remediationCommand({
        principal: { type, name: 'ops' },
        policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess',
        region: null,
        instanceArn: null,
      }),
    ).toBe(command);
  });

  it('permission set: detach, then provision to every account it is provisioned to, in its Region', () => {
    const command = remediationCommand({
      principal: { type: 'permission-set', name: PS },
      policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess',
      region: 'eu-west-1',
      instanceArn: INSTANCE,
    });
    expect(command).toBe(
      `aws sso-admin detach-managed-policy-from-permission-set --instance-arn ${INSTANCE} --permission-set-arn ${PS} ` +
        `--region eu-west-1 ` +
        '--managed-policy-arn arn:aws:iam::aws:policy/AWSIoTFullAccess' +
        ` && aws sso-admin provision-permission-set --instance-arn ${INSTANCE} --permission-set-arn ${PS} --region ` +
        `eu-west-1 --target-type ALL_PROVISIONED_ACCOUNTS`,
    );
    expect(argumentsOf(command!)).toEqual([
      [
        'sso-admin',
        'detach-managed-policy-from-permission-set',
        '--instance-arn',
        INSTANCE,
        '--permission-set-arn',
        PS,
        '--region',
        'eu-west-1',
        '--managed-policy-arn',
        'arn:aws:iam::aws:policy/AWSIoTFullAccess',
      ],
      [
        'sso-admin',
        'provision-permission-set',
        '--instance-arn',
        INSTANCE,
        '--permission-set-arn',
        PS,
        '--region',
        'eu-west-1',
        '--target-type',
        'ALL_PROVISIONED_ACCOUNTS',
      ],
    ]);
  });

  it.each([`it's`, 'a; rm -rf ~ #', '$(touch /tmp/pwned)`id`', `'"'"'`, 'two words\\', '*'])(
    'quotes the hostile name %j into exactly one argument',
    (name) => {
      const command = remediationCommand({
        principal: { type: 'role', name },
        policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess',
        region: null,
        instanceArn: null,
      });
      expect(argumentsOf(command!)).toEqual([
        ['iam', 'detach-role-policy', '--role-name', name, '--policy-arn', 'arn:aws:iam::aws:policy/AWSIoTFullAccess'],
      ]);
    },
  );

  it.each(['line\nbreak', 'carriage\rreturn', 'bidi\u202Eoverride', 'nul\u0000byte', 'line\u2028separator', ''])(
    'gives no command for the name %j, which no terminal would show as it runs',
    (name) => {
      expect(
        remediationCommand({
          principal: { type: 'user', name },
          policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess',
          region: null,
          instanceArn: null,
        }),
      ).toBeNull();
    },
  );

  it('gives no command without a real policy ARN, or for a permission set without its instance or Region', () => {
    expect(
      remediationCommand({
        principal: { type: 'role', name: 'r' },
        policyArn: 'AWSIoTFullAccess; id',
        region: null,
        instanceArn: null,
      }),
    ).toBeNull();
    const set = {
      principal: { type: 'permission-set' as const, name: PS },
      policyArn: 'arn:aws:iam::aws:policy/AWSIoTFullAccess',
    };
    expect(remediationCommand({ ...set, region: null, instanceArn: INSTANCE })).toBeNull();
    expect(remediationCommand({ ...set, region: 'eu-west-1', instanceArn: null })).toBeNull();
    expect(remediationCommand({ ...set, region: 'eu-west-1;id', instanceArn: INSTANCE })).toBeNull();
  });

  it('shellQuote leaves safe words alone and quotes everything else', () => {
    expect(shellQuote('arn:aws:iam::aws:policy/service-role/AWSIoTLogging')).toBe(
      'arn:aws:iam::aws:policy/service-role/AWSIoTLogging',
    );
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(shellQuote('')).toBe(`''`);
  });

  it('is in the alert for every attachment left in place, and only then', () => {
    const event = eventOf('AttachRolePolicy.eventbridge-full-access');
    const expected =
      'aws iam detach-role-policy --role-name iot-fleet-operator --policy-arn arn:aws:iam::aws:policy/AWSIoTFullAccess';
    for (const outcome of ['alert-only', 'dry-run', 'not-remediable', 'remediation-failed'] as const) {
      const alert = alertOf(event, {
        outcome,
        ...(outcome === 'not-remediable' ? { error: { name: 'AccountAccessError', message: 'no role' } } : {}),
      });
      expect(alert.remediationCommand, outcome).toBe(expected);
      expect(emailOf(alert), outcome).toContain(
        `To detach it now, run this with credentials for account 123456789012:\n\n  ${expected}`,
      );
    }
    for (const outcome of ['reverted', 'already-detached'] as const)
      expect(alertOf(event, { outcome }).remediationCommand, outcome).toBeNull();
    // Too old to act on (check first), or not read safely: no ready-made command.
    for (const outcome of ['stale', 'unreadable'] as const)
      expect(alertOf(event, { outcome }).remediationCommand, outcome).toBeNull();
    // IAM refuses any change to the principal (service-linked roles); a failed attempt attached nothing.
    expect(
      alertOf(event, {
        outcome: 'not-remediable',
        error: { name: 'UnmodifiableEntity', message: 'protected', kind: 'refused' },
      }).remediationCommand,
    ).toBeNull();
    expect(
      alertOf(event, {
        decision: { verdict: 'failed-attempt', action: null, rule: null, reason: 'the call failed: AccessDenied' },
      }).remediationCommand,
    ).toBeNull();
    expect(emailOf(alertOf(event, { outcome: 'reverted' }))).not.toContain('To detach it now');
  });

  it('is not given for an AWSReservedSSO_ role (its permission set is the fix) nor for a name cut to fit', () => {
    const event = eventOf('AttachRolePolicy.eventbridge-full-access');
    expect(
      alertOf({ ...event, principal: { type: 'role', name: 'AWSReservedSSO_IoT_Admins_0a1b2c3d4e5f6a7b' } })
        .remediationCommand,
    ).toBeNull();
    expect(alertOf({ ...event, principal: { type: 'role', name: 'r'.repeat(129) } }).remediationCommand).toBeNull();
  });

  it('is dropped, never cut, when hostile fields force the message to shrink', () => {
    // A permission set's command is longer than the 256 characters each field is cut to when the message is too big.
    const event = eventOf('AttachManagedPolicyToPermissionSet.eventbridge-full-access');
    const huge = '\u0001'.repeat(5000);
    const alert = alertOf(
      {
        ...event,
        eventTime: huge,
        account: huge,
        actor: { ...event.actor, userAgent: huge, arn: huge, issuerArn: huge, invokedBy: huge, sourceIp: huge },
      },
      { decision: { ...violation, reason: huge }, error: { name: huge, message: huge } },
    );
    expect(alert.remediationCommand!.length).toBeGreaterThan(256);
    const sent = JSON.parse(JSON.parse(renderSnsMessage(alert).Message).default) as Alert;
    expect(sent.userAgent!.length).toBeLessThanOrEqual(256);
    expect(sent.remediationCommand).toBeNull();
    expect(sent.links).toEqual(alert.links);
  });
});

describe('actionSource: where the action came from', () => {
  const FULL_ACCESS = fixture('AttachRolePolicy.eventbridge-full-access');
  const READ_ONLY = (() => {
    const body = fixture<{ detail: { requestParameters: { policyArn: string } } }>(
      'AttachRolePolicy.eventbridge-full-access',
    );
    body.detail.requestParameters.policyArn = 'arn:aws:iam::aws:policy/AWSIoTConfigReadOnlyAccess';
    return body;
  })();
  const published = (): Alert =>
    JSON.parse(JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!).default) as Alert;

  it('deploy mode alert: the e-mail says the deploy, never the allowlist, asked for an alert only', async () => {
    await handleAttachEvent(FULL_ACCESS, guardDeps({ mode: 'alert', modeSource: 'deploy' }));
    const alert = published();
    expect(alert).toMatchObject({ outcome: 'alert-only', action: 'alert', actionSource: 'deploy-mode' });
    const email = renderText(alert);
    expect(email).toContain(
      "Action from: the deploy's mode is alert (stage parameter mode=alert): the guard never detaches.",
    );
    expect(email).not.toMatch(/allowlist asks/);
    expect(email).not.toMatch(/allowlist's/);
  });

  it('deploy mode alert also wins over a modes entry asking for remediation', async () => {
    const allowlist = parseAllowlist('version: 1\nmodes:\n  AWSIoTFullAccess: remediate\n', 'modes.yml');
    await handleAttachEvent(FULL_ACCESS, guardDeps({ mode: 'alert', modeSource: 'deploy', allowlist }));
    expect(published()).toMatchObject({ outcome: 'alert-only', actionSource: 'deploy-mode' });
  });

  it('a modes entry keeping the policy at alert in remediate mode: allowlist-modes', async () => {
    await handleAttachEvent(READ_ONLY, guardDeps({ mode: 'remediate', modeSource: 'deploy' }));
    const alert = published();
    expect(alert).toMatchObject({ outcome: 'alert-only', action: 'alert', actionSource: 'allowlist-modes' });
    expect(renderText(alert)).toContain(
      "Action from: the allowlist's `modes` entry for this policy asks for an alert only.",
    );
  });

  it('remediate mode without a modes entry: deploy-mode, and the reverted e-mail says so', async () => {
    iam.on(DetachRolePolicyCommand).resolves({});
    await handleAttachEvent(FULL_ACCESS, guardDeps({ mode: 'remediate', modeSource: 'deploy' }));
    expect(published()).toMatchObject({ outcome: 'reverted', actionSource: 'deploy-mode', remediationCommand: null });
    expect(renderText(published())).toContain(
      "Action from: the deploy's mode is remediate (stage parameter mode=remediate)",
    );
  });

  it('dry-run: dry-run', async () => {
    await handleAttachEvent(FULL_ACCESS, guardDeps({ mode: 'dry-run', modeSource: 'deploy' }));
    expect(published()).toMatchObject({ outcome: 'dry-run', actionSource: 'dry-run' });
    expect(published().remediationCommand).toMatch(/^aws iam detach-role-policy /);
  });

  it('GUARD_MODE unset: the allowlist’s top-level mode', async () => {
    iam.on(DetachRolePolicyCommand).rejects(new UnmodifiableEntityException({ message: 'protected', $metadata: {} }));
    await handleAttachEvent(FULL_ACCESS, guardDeps({ mode: 'remediate', modeSource: 'allowlist' }));
    expect(published()).toMatchObject({
      outcome: 'not-remediable',
      actionSource: 'allowlist-mode',
      remediationCommand: null,
    });
    expect(renderText(published())).toContain(
      "Action from: the allowlist's top-level mode is remediate (GUARD_MODE is not set).",
    );
  });

  it('stale and unreadable events: none (no setting decided what was done)', () => {
    const event = eventOf('AttachRolePolicy.eventbridge-full-access');
    expect(alertOf(event, { outcome: 'stale', decision: { ...violation, action: 'remediate' } })).toMatchObject({
      actionSource: null,
    });
    const unreadable = alertOf(event, {
      outcome: 'unreadable',
      decision: { ...violation, action: null, reason: 'the event cannot be read safely: x' },
    });
    expect(unreadable).toMatchObject({
      actionSource: null,
      links: { principal: null, event: expect.stringContaining('#/events/') },
    });
    expect(renderText(unreadable)).not.toContain('Action from');
  });

  it('failed attempts: none, and the e-mail says nothing was attached', async () => {
    const record = fixture<Record<string, unknown>>('AttachRolePolicy.eventbridge-full-access');
    const detail = { ...(record.detail as object), errorCode: 'AccessDenied', errorMessage: 'not authorized' };
    await handleAttachEvent({ ...record, detail }, guardDeps({ mode: 'alert', alertOnFailedAttempts: true }));
    const alert = published();
    expect(alert).toMatchObject({
      verdict: 'failed-attempt',
      outcome: 'alert-only',
      actionSource: null,
      remediationCommand: null,
    });
    expect(renderText(alert)).toContain(
      'What was done: Nothing was changed: the call failed, so nothing was attached.',
    );
    expect(renderText(alert)).not.toContain('Action from');
  });
});
