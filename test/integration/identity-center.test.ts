// IAM Identity Center end to end against moto: the real attach-guard and sweep handler modules (configuration from the
// environment, clients built by the runtime), moto's sso-admin in eu-west-1, and the alerts read back through SQS.
// Its own file, because it sets process.env; its own account (STS AssumeRole), because moto makes one Identity Center
// instance per account and Region and the sweep acts on every permission set of that instance.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  AttachManagedPolicyToPermissionSetCommand,
  CreatePermissionSetCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert } from '../../functions/core/alert.js';
import { digestSchema } from '../../functions/core/digest-schema.js';
import { fixture, fresh } from '../support/fixtures.js';
import {
  awsClientConfig,
  createSqsQueueSubscribedToTopic,
  describeWithEmulator,
  receiveAll,
  snsEnvelope,
  uniqueName,
} from './helpers/emulator.js';
import { accountEnv, isolatedAccount, type IsolatedAccount } from './sweep-account.js';
import { lambdaContext } from '../support/lambda-context.js';

// Identity Center lives in one Region, rarely us-east-1; the functions run in us-east-1 and must follow the event
// there.
const REGION = 'eu-west-1';
// moto's sso-admin rejects AWS managed policies under a path (service-role/AWSIoTLogging is "ResourceNotFound"; AWS
// accepts it) and accepts them only at the root path: these tests use root-path IoT policies. The reader and the
// adapter are path-agnostic, and the unit tests cover a path-qualified policy (AWSIoTRuleActions).
const aws = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const validateAlert = new Ajv2020({ allErrors: true }).compile(
  JSON.parse(readFileSync('infra/alert.schema.json', 'utf8')),
);

type Handler = (event: unknown, context: Context) => Promise<unknown>;

describeWithEmulator('IAM Identity Center against moto', () => {
  const saved = { ...process.env };
  let account: IsolatedAccount;
  let sso: SSOAdminClient;
  let sns: SNSClient;
  let topicArn: string;
  let queueUrl: string;
  let instanceArn: string;
  let attachGuard: Handler;
  let sweep: Handler;
  // The tests run in order and build on each other: the sweep finds what the first two left behind.
  let ingest: string;

  const createPermissionSet = async (name: string, ...policies: string[]): Promise<string> => {
    const { PermissionSet } = await sso.send(new CreatePermissionSetCommand({ InstanceArn: instanceArn, Name: name }));
    const arn = PermissionSet!.PermissionSetArn!;
    for (const ManagedPolicyArn of policies)
      await sso.send(
        new AttachManagedPolicyToPermissionSetCommand({
          InstanceArn: instanceArn,
          PermissionSetArn: arn,
          ManagedPolicyArn,
        }),
      );
    return arn;
  };
  const policiesOf = async (permissionSetArn: string): Promise<string[]> =>
    (
      (
        await sso.send(
          new ListManagedPoliciesInPermissionSetCommand({
            InstanceArn: instanceArn,
            PermissionSetArn: permissionSetArn,
          }),
        )
      ).AttachedManagedPolicies ?? []
    )
      .map((p) => p.Arn!)
      .sort();

  /** The EventBridge delivery of this attach call, from the real-shaped fixture. */
  const attachEvent = (permissionSetArn: string, policyArn: string): unknown => {
    const event = fixture<{ id: string; account: string; detail: Record<string, unknown> }>(
      'AttachManagedPolicyToPermissionSet.eventbridge-full-access',
    );
    event.id = crypto.randomUUID();
    event.account = account.accountId;
    event.detail.eventID = crypto.randomUUID();
    event.detail.recipientAccountId = account.accountId;
    event.detail.requestParameters = { instanceArn, permissionSetArn, managedPolicyArn: policyArn };
    return fresh(event);
  };

  beforeAll(async () => {
    account = await isolatedAccount();
    sso = new SSOAdminClient({ ...account.config, region: REGION });
    const { Instances = [] } = await sso.send(new ListInstancesCommand({}));
    expect(Instances).toHaveLength(1);
    instanceArn = Instances[0]!.InstanceArn!;

    sns = new SNSClient(awsClientConfig());
    ({ TopicArn: topicArn = '' } = await sns.send(new CreateTopicCommand({ Name: uniqueName('ic-alerts') })));
    ({ queueUrl } = await createSqsQueueSubscribedToTopic(topicArn));

    const dir = mkdtempSync(join(tmpdir(), 'ipg-ic-'));
    const allowlistPath = join(dir, 'allowlist.yml');
    // By name: the functions have to look the name up in Identity Center (CloudTrail carries only the ARN).
    writeFileSync(
      allowlistPath,
      'version: 1\nmode: remediate\nallow:\n  - policy: AWSIoTDataAccess\n    principal: ' +
        'permission-set/IoTIngest*\n    reason: the ingest team\n',
    );
    Object.assign(process.env, {
      ...accountEnv(account),
      ALERT_TOPIC_ARN: topicArn,
      ALLOWLIST_PATH: allowlistPath,
      IDENTITY_CENTER_REGION: REGION,
      LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    delete process.env.GUARD_MODE;
    ({ handler: attachGuard } = (await import('../../functions/attach-guard/handler.js')) as unknown as {
      handler: Handler;
    });
    ({ handler: sweep } = (await import('../../functions/sweep/handler.js')) as unknown as { handler: Handler });
  });

  afterAll(async () => {
    process.env = saved;
    await sns?.send(new DeleteTopicCommand({ TopicArn: topicArn }));
    sns?.destroy();
    sso?.destroy();
  });

  it(
    'attach-guard takes a governed policy off a permission ' + 'set and provisions it, through the real code path',
    async () => {
      const admins = await createPermissionSet('IoTAdmins', aws('AWSIoTFullAccess'), aws('ReadOnlyAccess'));
      const event = attachEvent(admins, aws('AWSIoTFullAccess'));

      expect(await attachGuard(event, lambdaContext('attach-guard', { account: account.accountId }))).toEqual({
        outcome: 'reverted',
      });
      expect(await policiesOf(admins)).toEqual([aws('ReadOnlyAccess')]);
      // EventBridge delivers at least once: the second delivery finds it gone, and provisions again.
      expect(
        await attachGuard(structuredClone(event), lambdaContext('attach-guard', { account: account.accountId })),
      ).toEqual({
        outcome: 'already-detached',
      });

      const messages = await receiveAll(queueUrl, { expect: 2 });
      expect(messages).toHaveLength(2);
      const alerts = messages.map((m) => JSON.parse(snsEnvelope(m).Message) as Alert);
      for (const alert of alerts) {
        expect(validateAlert(alert), JSON.stringify(validateAlert.errors)).toBe(true);
        expect(alert).toMatchObject({
          source: 'event',
          account: account.accountId,
          region: REGION,
          principal: { type: 'permission-set', name: admins },
          permissionSet: { arn: admins, name: 'IoTAdmins', instanceArn },
          policyName: 'AWSIoTFullAccess',
          // moto provisions at once; AWS usually answers IN_PROGRESS.
          provisioning: { status: 'SUCCEEDED', requestId: expect.any(String) },
        });
      }
      expect(alerts.map((a) => a.outcome).sort()).toEqual(['already-detached', 'reverted']);
      expect(snsEnvelope(messages[0]!).Subject).toMatch(
        new RegExp(`^IoT policy AWSIoTFullAccess on permission-set/IoTAdmins \\(${account.accountId}\\): `),
      );
    },
  );

  it('attach-guard allows what an entry allows by permission set name, after looking the name up', async () => {
    ingest = await createPermissionSet('IoTIngestTeam', aws('AWSIoTDataAccess'));
    expect(
      await attachGuard(
        attachEvent(ingest, aws('AWSIoTDataAccess')),
        lambdaContext('attach-guard', { account: account.accountId }),
      ),
    ).toEqual({ outcome: null });
    expect(await policiesOf(ingest)).toEqual([aws('AWSIoTDataAccess')]);
  });

  it('the sweep finds a permission set holding a governed policy that no event reported, and reverts it', async () => {
    const legacy = await createPermissionSet('LegacyOps', aws('AWSIoTConfigAccess'), aws('AWSIoTDataAccess'));

    const result = (await sweep(
      { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
      lambdaContext('sweep', { account: account.accountId }),
    )) as Record<string, unknown>[];

    // IAM of the account is empty; Identity Center: IoTAdmins (ReadOnlyAccess only), IoTIngestTeam (allowed), LegacyOps
    // (two violations).
    expect(result).toEqual([
      expect.objectContaining({
        account: account.accountId,
        attachments: 3,
        violations: 2,
        digest: true,
        outcomes: expect.objectContaining({ reverted: 2 }),
      }),
    ]);
    expect(await policiesOf(legacy)).toEqual([]);
    expect(await policiesOf(ingest)).toEqual([aws('AWSIoTDataAccess')]);

    const messages = await receiveAll(queueUrl, { expect: 3 });
    expect(messages).toHaveLength(3);
    const [digestMessage] = messages.filter((m) => snsEnvelope(m).MessageAttributes?.kind?.Value === 'sweep-digest');
    const digest = digestSchema.parse(JSON.parse(snsEnvelope(digestMessage!).Message));
    expect(digest).toMatchObject({
      account: account.accountId,
      counts: { attachments: 3, allowed: 1, violations: 2 },
      // ListInstances 1, ListPermissionSets 1, ListManagedPoliciesInPermissionSet 3, DescribePermissionSet 2 (the two
      // permission sets holding a governed policy; this container had not looked them up yet).
      identityCenter: { region: REGION, instances: 1, permissionSets: 3, calls: 7 },
    });
    expect(digest.violations.map((v) => [v.permissionSetName, v.policyName, v.outcome])).toEqual([
      ['LegacyOps', 'AWSIoTConfigAccess', 'reverted'],
      ['LegacyOps', 'AWSIoTDataAccess', 'reverted'],
    ]);
    const alerts = messages.filter((m) => m !== digestMessage).map((m) => JSON.parse(snsEnvelope(m).Message) as Alert);
    for (const alert of alerts)
      expect(alert).toMatchObject({
        source: 'sweep',
        outcome: 'reverted',
        permissionSet: { name: 'LegacyOps' },
        provisioning: { status: 'SUCCEEDED' },
      });
  });
});
