// The sweep against moto: hundreds of principals in an account of their own, real IAM and SNS clients, the digest
// received through an SQS queue subscribed to the alert topic, and every IAM call counted.
import { CreatePolicyCommand, type IAMClient } from '@aws-sdk/client-iam';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert } from '../../functions/core/alert.js';
import { alertSchema } from '../../functions/core/alert-schema.js';
import { parseAllowlist } from '../../functions/core/allowlist-read.js';
import { isGoverned } from '../../functions/core/catalog.js';
import type { Digest } from '../../functions/core/digest.js';
import { digestSchema } from '../../functions/core/digest-schema.js';
import type { Principal, Scope } from '../../functions/core/types.js';
import type { GuardConfig } from '../../functions/config/guard-config.js';
import type { GuardDeps } from '../../functions/guard/respond.js';
import { listAttachedAwsPolicies } from '../../functions/aws/list-entities.js';
import { runSweep, type SweepResult } from '../../functions/guard/sweep.js';
import { guardConfig } from '../support/guard.js';
import {
  awsClientConfig,
  createSqsQueueSubscribedToTopic,
  describeWithEmulator,
  receiveAll,
  snsEnvelope,
  uniqueName,
} from './helpers/emulator.js';
import {
  attach,
  attachedPolicies,
  countingIamClient,
  createPrincipals,
  group,
  isolatedAccount,
  managed,
  role,
  user,
  type IsolatedAccount,
} from './sweep-account.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const PAGE_SIZE = 5;

const key = (p: Principal): string => `${p.type}/${p.name}`;
const range = (n: number, name: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => name(i));

interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

function recordingDeps(
  config: GuardConfig,
  iam: IAMClient,
  sns: SNSClient,
): GuardDeps & { logs: LogLine[]; metrics: { addMetric: () => void } } {
  const logs: LogLine[] = [];
  const log = (level: string) => (message: string, fields: Record<string, unknown>) =>
    void logs.push({ level, message, fields });
  return {
    config,
    iam,
    sns,
    events: null,
    logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    metrics: { addMetric: () => undefined },
    now: () => new Date(),
    logs,
  };
}

/** Splits SNS deliveries into per-attachment alerts and digests, checking each against its contract. */
function sortMessages(messages: Awaited<ReturnType<typeof receiveAll>>): { alerts: Alert[]; digests: Digest[] } {
  const alerts: Alert[] = [];
  const digests: Digest[] = [];
  for (const m of messages) {
    const envelope = snsEnvelope(m);
    const body = JSON.parse(envelope.Message) as { kind?: string };
    if (envelope.MessageAttributes?.kind?.Value === 'sweep-digest') digests.push(digestSchema.parse(body));
    else alerts.push(alertSchema.parse(body));
  }
  return { alerts, digests };
}

/**
 * The sweep's IAM list calls by the formula of docs/sweep.md: one ListPolicies page (fewer than 1,000 AWS managed
 * policies are attached here), then for each governed policy someone holds, the pages ListEntitiesForPolicy needs.
 */
function expectedListCalls(
  holders: ReadonlyMap<string, ReadonlySet<string>>,
  scope: Scope,
  pageSize: number,
): { ListPoliciesCommand: number; ListEntitiesForPolicyCommand: number } {
  const held = [...holders].filter(([arn, who]) => who.size > 0 && isGoverned(arn, scope));
  return {
    ListPoliciesCommand: 1,
    ListEntitiesForPolicyCommand: held.reduce((sum, [, who]) => sum + Math.ceil(who.size / pageSize), 0),
  };
}

describeWithEmulator('sweep (seed scope, remediate) in an account with hundreds of principals', () => {
  let account: IsolatedAccount;
  let counted: ReturnType<typeof countingIamClient>;
  let checkIam: IAMClient;
  let sns: SNSClient;
  let sqs: SQSClient;
  let topicArn: string;
  let queueUrl: string;
  /** policy ARN -> holders, as the test put them: the model the IAM call count is computed from. */
  const holders = new Map<string, Set<string>>();
  const timings: string[] = [];

  const fillers = range(300, (i) => `app-${String(i).padStart(3, '0')}`).map(role);
  const ingest = range(12, (i) => `iot-ingest-${String(i).padStart(2, '0')}`).map(role);
  const principals: Principal[] = [
    ...fillers,
    ...ingest,
    role('iot-logging-role'),
    role('other-acct-1'),
    ...range(25, (i) => `dev-${String(i).padStart(2, '0')}`).map(user),
    user('contractor-1'),
    user('contractor-2'),
    ...range(8, (i) => `team-${i}`).map(group),
    group('iot-auditors'),
  ];

  const ALLOWED: [Principal, string][] = [
    ...ingest.map((p): [Principal, string] => [p, managed('AWSIoTDataAccess')]),
    [group('iot-auditors'), managed('AWSIoTConfigReadOnlyAccess')],
    // Allowed by an entry with attachedBy, which the sweep cannot check: it must stay.
    [role('iot-logging-role'), managed('service-role/AWSIoTLogging')],
  ];
  const FORBIDDEN: [Principal, string][] = [
    [role('app-007'), managed('AWSIoTFullAccess')],
    [role('app-123'), managed('AWSIoTFullAccess')],
    [role('app-299'), managed('AWSIoTFullAccess')],
    [user('dev-03'), managed('service-role/AWSIoTRuleActions')],
    [group('team-2'), managed('AWSIoTConfigAccess')],
    // Matches an entry, but the entry is for another account.
    [role('other-acct-1'), managed('AWSIoTDataAccess')],
  ];
  const EXPIRED: [Principal, string][] = [
    [user('contractor-1'), managed('AWSIoTConfigAccess')],
    [user('contractor-2'), managed('AWSIoTConfigAccess')],
  ];
  // A violation whose policy's mode is alert: reported in the digest, left attached, no alert of its own.
  const ALERT_ONLY: [Principal, string][] = [[role('app-050'), managed('AWSIoTEventsReadOnlyAccess')]];

  let config: GuardConfig;
  let customerPolicyArn: string;
  let first: SweepResult;
  let firstDeps: ReturnType<typeof recordingDeps>;
  let firstMessages: Awaited<ReturnType<typeof receiveAll>>;

  beforeAll(async () => {
    let t = Date.now();
    account = await isolatedAccount();
    counted = countingIamClient(account.config);
    checkIam = countingIamClient(account.config).iam;
    await createPrincipals(checkIam, principals);
    // Not governed under seed scope: a catalog policy outside the seed ten, and a customer policy named like one.
    const { Policy } = await checkIam.send(
      new CreatePolicyCommand({
        PolicyName: 'AWSIoTFullAccess',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iot:Describe*', Resource: '*' }],
        }),
      }),
    );
    customerPolicyArn = Policy?.Arn ?? '';
    for (const [p, arn] of [...ALLOWED, ...FORBIDDEN, ...EXPIRED, ...ALERT_ONLY]) {
      await attach(checkIam, p, arn);
      holders.set(arn, (holders.get(arn) ?? new Set()).add(key(p)));
    }
    await attach(checkIam, role('app-010'), managed('service-role/AWSIoTDeviceDefenderAudit'));
    await attach(checkIam, role('app-011'), customerPolicyArn);
    timings.push(`setup of ${principals.length} principals: ${Date.now() - t} ms`);

    sns = new SNSClient(awsClientConfig());
    sqs = new SQSClient(awsClientConfig());
    ({ TopicArn: topicArn = '' } = await sns.send(new CreateTopicCommand({ Name: uniqueName('sweep-alerts') })));
    ({ queueUrl } = await createSqsQueueSubscribedToTopic(topicArn));

    const allowlist = parseAllowlist(
      `version: 1
mode: remediate
scope: seed
modes:
  AWSIoTEventsReadOnlyAccess: alert
allow:
  - policy: AWSIoTDataAccess
    principal: role/iot-ingest-*
    account: "${account.accountId}"
    reason: ingest pipeline
  - policy: AWSIoTConfigReadOnlyAccess
    principal: group/iot-auditors
    reason: audits
  - policy: service-role/AWSIoTLogging
    principal: role/iot-logging-role
    attachedBy: "arn:aws:iam::*:role/ci-deployer*"
    reason: IoT Core logging
  - policy: AWSIoTConfigAccess
    principal: user/contractor-*
    expires: 2026-06-30
    reason: fleet migration (ended)
  - policy: AWSIoTDataAccess
    principal: role/other-acct-*
    account: "111111111111"
    reason: another account only
`,
      'sweep-test.yml',
    );
    config = Object.freeze(guardConfig({ alertTopicArn: topicArn, allowlist, scope: 'seed' }));

    firstDeps = { ...recordingDeps(config, counted.iam, sns), now: () => NOW };
    t = Date.now();
    first = await runSweep({ account: account.accountId, partition: 'aws' }, firstDeps, { pageSize: PAGE_SIZE });
    timings.push(
      `first sweep (${first.digest.counts.listCalls} list calls, ${first.digest.counts.attachments} attachments): ` +
        `${Date.now() - t} ms`,
    );
    firstMessages = await receiveAll(queueUrl, { expect: 9, timeoutMs: 15_000 });
  }, 120_000);

  afterAll(async () => {
    console.info(`[sweep] account ${account?.accountId}: ${timings.join('; ')}`);
    if (topicArn) await sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    if (queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    for (const client of [sns, sqs, counted?.iam, checkIam]) client?.destroy();
  });

  it('detaches exactly the forbidden and the expired attachments, and leaves the rest', async () => {
    for (const [p, arn] of [...FORBIDDEN, ...EXPIRED])
      expect(await attachedPolicies(checkIam, p), key(p)).not.toContain(arn);
    for (const [p, arn] of [...ALLOWED, ...ALERT_ONLY])
      expect(await attachedPolicies(checkIam, p), key(p)).toContain(arn);
    expect(await attachedPolicies(checkIam, role('app-010'))).toEqual([
      managed('service-role/AWSIoTDeviceDefenderAudit'),
    ]);
    expect(await attachedPolicies(checkIam, role('app-011'))).toEqual([customerPolicyArn]);
  });

  it(
    'lists what is attached once, then each governed policy someone holds, one call per page, and one detach per ' +
      'violation to revert: nothing per principal',
    () => {
      const listCalls = expectedListCalls(holders, 'seed', PAGE_SIZE);
      // 7 of the 10 seed policies are held; AWSIoTDataAccess has 13 holders (3 pages of 5), every other one fits in one
      // page. The three seed policies nobody holds, DeviceDefenderAudit (not seed) and the customer policy cost
      // nothing.
      expect(listCalls).toEqual({ ListPoliciesCommand: 1, ListEntitiesForPolicyCommand: 9 });
      expect(Object.fromEntries(counted.calls)).toEqual({
        ...listCalls,
        DetachRolePolicyCommand: 4,
        DetachUserPolicyCommand: 3,
        DetachGroupPolicyCommand: 1,
      });
      expect(first.digest.counts.listCalls).toBe(10);
      expect(principals.length).toBeGreaterThan(340);
    },
  );

  it('sends one digest with the counts and the list, plus one alert per detach', () => {
    const { alerts, digests } = sortMessages(firstMessages);
    expect(digests).toHaveLength(1);
    const digest = digests[0]!;
    expect(digest).toMatchObject({
      kind: 'sweep-digest',
      account: account.accountId,
      partition: 'aws',
      scope: 'seed',
      mode: 'remediate',
      complete: true,
      omitted: 0,
      counts: {
        governedPolicies: 7,
        policiesNotFound: 0,
        listCalls: 10,
        attachments: 23,
        allowed: 14,
        violations: 9,
        failures: 0,
        outcomes: {
          reverted: 8,
          'alert-only': 1,
          'already-detached': 0,
          'not-remediable': 0,
          'remediation-failed': 0,
          'dry-run': 0,
        },
      },
    });
    // Still attached comes first.
    expect(digest.violations[0]).toMatchObject({
      principal: { type: 'role', name: 'app-050' },
      policyName: 'AWSIoTEventsReadOnlyAccess',
      outcome: 'alert-only',
      severity: 'low',
    });
    const listed = digest.violations.map((v) => `${v.principal.type}/${v.principal.name} ${v.policyArn}`).sort();
    expect(listed).toEqual([...FORBIDDEN, ...EXPIRED, ...ALERT_ONLY].map(([p, arn]) => `${key(p)} ${arn}`).sort());
    expect(digest.violations.find((v) => v.principal.name === 'contractor-1')?.reason).toContain(
      'expired on 2026-06-30',
    );
    expect(digest.violations.find((v) => v.principal.name === 'other-acct-1')?.reason).toContain(
      'is for account 111111111111',
    );

    expect(alerts).toHaveLength(8);
    for (const alert of alerts)
      expect(alert).toMatchObject({
        source: 'sweep',
        actor: 'found by sweep',
        eventId: null,
        outcome: 'reverted',
        account: account.accountId,
      });
    expect(alerts.map((a) => `${a.principal.type}/${a.principal.name} ${a.policyArn}`).sort()).toEqual(
      [...FORBIDDEN, ...EXPIRED].map(([p, arn]) => `${key(p)} ${arn}`).sort(),
    );
  });

  it('logs one decision per attachment and a summary line', () => {
    const decisions = firstDeps.logs.filter((l) => l.message === 'decision');
    expect(decisions).toHaveLength(23);
    const allowedLogging = decisions.find((l) => l.fields.principal === 'role/iot-logging-role');
    expect(allowedLogging?.fields).toMatchObject({ verdict: 'allowed', rule: 2 });
    expect(String(allowedLogging?.fields.reason)).toContain('not checked: the sweep cannot tell who attached it');
    const summary = firstDeps.logs.filter((l) => l.message === 'sweep summary');
    expect(summary).toHaveLength(1);
    expect(summary[0]?.fields).toMatchObject({
      attachedPolicies: 8,
      governedPolicies: 7,
      attachments: 23,
      allowed: 14,
      violations: 9,
      listCalls: 10,
      listPoliciesCalls: 1,
      digest: true,
      complete: true,
    });
  });

  it(
    'is idempotent: a second sweep, with 300 more principals, reverts nothing, reports the standing violation, and ' +
      'lists only what is still attached',
    async () => {
      for (const [p, arn] of [...FORBIDDEN, ...EXPIRED]) holders.get(arn)?.delete(key(p));
      await createPrincipals(checkIam, range(300, (i) => `more-${i}`).map(role));
      const again = countingIamClient(account.config);
      const t = Date.now();
      const second = await runSweep(
        { account: account.accountId, partition: 'aws' },
        { ...recordingDeps(config, again.iam, sns), now: () => NOW },
        { pageSize: PAGE_SIZE },
      );
      timings.push(`second sweep over ${principals.length + 300} principals: ${Date.now() - t} ms`);
      again.iam.destroy();

      // The policies whose every holder was detached are no longer attached, so no longer listed.
      expect(expectedListCalls(holders, 'seed', PAGE_SIZE)).toEqual({
        ListPoliciesCommand: 1,
        ListEntitiesForPolicyCommand: 6,
      });
      expect(Object.fromEntries(again.calls)).toEqual(expectedListCalls(holders, 'seed', PAGE_SIZE));
      expect(second.digest.counts).toMatchObject({
        attachments: 15,
        allowed: 14,
        violations: 1,
        outcomes: { 'alert-only': 1, reverted: 0 },
      });
      const { alerts, digests } = sortMessages(await receiveAll(queueUrl, { expect: 2, timeoutMs: 3_000 }));
      expect(alerts).toHaveLength(0);
      expect(digests).toHaveLength(1);
    },
  );
});

describeWithEmulator('sweep of a compliant account', () => {
  it('sends nothing, and logs its summary', async () => {
    const account = await isolatedAccount();
    const { iam, calls } = countingIamClient(account.config);
    const sns = new SNSClient(awsClientConfig());
    const { TopicArn = '' } = await sns.send(new CreateTopicCommand({ Name: uniqueName('sweep-quiet') }));
    const { queueUrl } = await createSqsQueueSubscribedToTopic(TopicArn);
    try {
      await createPrincipals(iam, [role('iot-ingest-a'), role('plain'), group('auditors')]);
      await attach(iam, role('iot-ingest-a'), managed('AWSIoTDataAccess'));
      await attach(iam, group('auditors'), managed('AWSIoTConfigReadOnlyAccess'));
      calls.clear();
      const allowlist = parseAllowlist(
        'version: 1\nmode: remediate\nscope: seed\nallow:\n  - {policy: AWSIoTDataAccess, principal: ' +
          'role/iot-ingest-*, reason: ingest}\n  - {policy: AWSIoTConfigReadOnlyAccess, principal: group/auditors, ' +
          'reason: audit}\n',
        'compliant.yml',
      );
      const config = guardConfig({ alertTopicArn: TopicArn, allowlist, scope: 'seed' });
      const deps = recordingDeps(config, iam, sns);

      const result = await runSweep({ account: account.accountId, partition: 'aws' }, deps);

      expect(result.published).toBe(false);
      expect(Object.fromEntries(calls)).toEqual({ ListPoliciesCommand: 1, ListEntitiesForPolicyCommand: 2 });
      expect(deps.logs.find((l) => l.message === 'sweep summary')?.fields).toMatchObject({
        attachments: 2,
        allowed: 2,
        violations: 0,
        digest: false,
      });
      expect(await receiveAll(queueUrl, { expect: 1, timeoutMs: 2_000 })).toHaveLength(0);
    } finally {
      await sns.send(new DeleteTopicCommand({ TopicArn }));
      sns.destroy();
      iam.destroy();
    }
  });
});

describeWithEmulator('sweep under aws-iot scope', () => {
  it(
    'lists the governed policies attached (catalog members outside the prefix too), and reverts family members ' +
      'outside the seed ten',
    async () => {
      const account = await isolatedAccount();
      const { iam, calls } = countingIamClient(account.config);
      const sns = new SNSClient(awsClientConfig());
      const { TopicArn = '' } = await sns.send(new CreateTopicCommand({ Name: uniqueName('sweep-iot') }));
      try {
        const principals = [...range(40, (i) => `svc-${i}`).map(role), user('gg-admin'), user('wireless-ops')];
        await createPrincipals(iam, principals);
        await attach(iam, user('gg-admin'), managed('AWSGreengrassFullAccess'));
        await attach(iam, user('wireless-ops'), managed('AWSIoTWirelessFullAccess'));
        await attach(iam, role('svc-3'), managed('service-role/AmazonFreeRTOSOTAUpdate'));
        calls.clear();
        const allowlist = parseAllowlist(
          'version: 1\nmode: remediate\nallow:\n  - {policy: AWSIoTWirelessFullAccess, principal: user/wireless-ops, ' +
            'reason: wireless team}\n',
          'iot.yml',
        );
        const config = guardConfig({ alertTopicArn: TopicArn, allowlist, scope: 'aws-iot' });

        const result = await runSweep(
          { account: account.accountId, partition: 'aws' },
          recordingDeps(config, iam, sns),
        );

        expect(Object.fromEntries(calls)).toMatchObject({ ListPoliciesCommand: 1, ListEntitiesForPolicyCommand: 3 });
        expect(result.digest.counts).toMatchObject({
          governedPolicies: 3,
          listCalls: 4,
          attachments: 3,
          allowed: 1,
          violations: 2,
          outcomes: { reverted: 2 },
        });
        expect(await attachedPolicies(iam, user('gg-admin'))).toEqual([]);
        expect(await attachedPolicies(iam, role('svc-3'))).toEqual([]);
        expect(await attachedPolicies(iam, user('wireless-ops'))).toEqual([managed('AWSIoTWirelessFullAccess')]);
      } finally {
        await sns.send(new DeleteTopicCommand({ TopicArn }));
        sns.destroy();
        iam.destroy();
      }
    },
  );
});

describeWithEmulator('ListPolicies (Scope AWS, OnlyAttached) in moto', () => {
  it(
    'returns every attached AWS ' +
      'managed policy with its ' +
      'AttachmentCount, over pages, ' +
      'and no customer ' +
      'policy',
    async () => {
      const account = await isolatedAccount();
      const { iam, calls } = countingIamClient(account.config);
      try {
        await createPrincipals(iam, [role('a'), role('b'), user('c'), group('d')]);
        await attach(iam, role('a'), managed('AWSIoTFullAccess'));
        await attach(iam, user('c'), managed('AWSIoTFullAccess'));
        await attach(iam, group('d'), managed('AWSIoTFullAccess'));
        await attach(iam, role('b'), managed('service-role/AWSIoTLogging'));
        await attach(iam, role('b'), managed('AmazonS3ReadOnlyAccess'));
        const { Policy } = await iam.send(
          new CreatePolicyCommand({
            PolicyName: 'AWSIoTFullAccess',
            PolicyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'iot:Describe*', Resource: '*' }],
            }),
          }),
        );
        await attach(iam, role('a'), Policy?.Arn ?? '');
        calls.clear();

        const { policies, calls: pages } = await listAttachedAwsPolicies(iam, { pageSize: 2 });

        expect([...policies].sort((x, y) => (x.arn < y.arn ? -1 : 1))).toEqual([
          { arn: managed('AWSIoTFullAccess'), attachmentCount: 3 },
          { arn: managed('AmazonS3ReadOnlyAccess'), attachmentCount: 1 },
          { arn: managed('service-role/AWSIoTLogging'), attachmentCount: 1 },
        ]);
        // 3 policies in pages of 2.
        expect(pages).toBe(2);
        expect(Object.fromEntries(calls)).toEqual({ ListPoliciesCommand: 2 });
      } finally {
        iam.destroy();
      }
    },
  );
});
