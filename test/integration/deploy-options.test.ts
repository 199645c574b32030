// The deployed whole with the optional parameters moto can hold: a findings bus, IAM Identity Center, an organization
// (member role, external id, member accounts to sweep) and the chat topic. Deployed with `osls deploy` into an account
// of its own, read back, and driven through the deployed bundles.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEventBusCommand,
  DescribeRuleCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FINDING_DETAIL_TYPE, FINDING_SOURCE } from '../../functions/aws/notify.js';
import type { ChatNotification } from '../../functions/core/chat.js';
import { deployedFunction, type DeployedFunction } from '../support/deployed-function.js';
import { clientConfig, deployStack, type DeployedStack } from '../support/deployed-stack.js';
import { describeWithEmulator } from './helpers/emulator.js';
import { deployTarget } from './helpers/deploy.js';
import { outcomes, StackDriver, type Queue } from './helpers/stack-driver.js';
import { isolatedAccount } from './sweep-account.js';

const FULL_ACCESS = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';

describeWithEmulator(
  'the deployed stack with a findings bus, IAM Identity Center, an organization and the chat topic',
  () => {
    const stage = `e2eo${randomBytes(3).toString('hex')}`;
    const bus = `${stage}-findings`;
    let member: string;
    let stack: DeployedStack;
    let drive: StackDriver;
    let guard: DeployedFunction;
    let sweep: DeployedFunction;
    let routed: Queue;
    let alerts: Queue;
    let findings: Queue;
    let chats: Queue;

    beforeAll(async () => {
      const target = await deployTarget();
      member = (await isolatedAccount()).accountId;
      // The findings bus is the user's, named by the parameter: it exists before the deploy.
      const setup = new StackDriver({ target, stage } as DeployedStack);
      await setup.events.send(new CreateEventBusCommand({ Name: bus }));
      findings = await setup.queue('findings');
      await setup.events.send(
        new PutRuleCommand({
          Name: `${stage}-findings`,
          EventBusName: bus,
          EventPattern: JSON.stringify({ source: [FINDING_SOURCE] }),
        }),
      );
      await setup.events.send(
        new PutTargetsCommand({
          Rule: `${stage}-findings`,
          EventBusName: bus,
          Targets: [{ Id: 'queue', Arn: findings.arn }],
        }),
      );

      stack = await deployStack(target, stage, {
        mode: 'remediate',
        findingsBus: bus,
        identityCenterRegion: 'us-east-1',
        organizationId: 'o-abcdefghij',
        memberRoleName: 'iot-policy-guard-remediation',
        memberExternalId: 'e2e-external-id',
        sweepAccounts: member,
        chatTopic: 'true',
      });
      drive = new StackDriver(stack);
      const work = join(tmpdir(), `iot-policy-guard-${stage}`);
      [guard, sweep] = await Promise.all([
        deployedFunction(stack, 'attachGuard', work),
        deployedFunction(stack, 'sweep', work),
      ]);
      alerts = await drive.subscribe(stack.physicalId('AlertTopic'));
      chats = await drive.subscribe(stack.physicalId('ChatTopic'));
      ({ queue: routed } = await drive.capture(`iot-policy-guard-${stage}-attach-policy`));
    }, 300_000);

    afterAll(async () => {
      await stack?.remove();
    }, 120_000);

    it(
      'reads back the optional configuration: environment, ' + 'the Identity Center rule, the organization bus policy',
      async () => {
        expect(guard.environment).toMatchObject({
          FINDINGS_BUS_NAME: bus,
          IDENTITY_CENTER_REGION: 'us-east-1',
          HOME_ACCOUNT_ID: stack.target.accountId,
          MEMBER_ROLE_NAME: 'iot-policy-guard-remediation',
          MEMBER_EXTERNAL_ID: 'e2e-external-id',
        });
        expect(sweep.environment.SWEEP_ACCOUNTS).toBe(member);
        for (const fn of [guard, sweep]) expect(fn.environment.CHAT_TOPIC_ARN).toBe(stack.physicalId('ChatTopic'));
        const sns = new SNSClient(clientConfig(stack.target));
        const key = async (TopicArn: string) =>
          (await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes?.KmsMasterKeyId;
        expect(await key(stack.physicalId('ChatTopic'))).toBeTruthy();
        expect(await key(stack.physicalId('ChatTopic'))).toBe(await key(stack.physicalId('AlertTopic')));
        // Every tamper rule also targets the chat topic, with the custom-notification template.
        const { Targets = [] } = await drive.events.send(
          new ListTargetsByRuleCommand({ Rule: `iot-policy-guard-${stage}-tamper-functions` }),
        );
        expect(Targets.map((t) => t.Arn).sort()).toEqual(
          [stack.physicalId('ChatTopic'), stack.physicalId('TamperTopic')].sort(),
        );
        expect(
          JSON.parse(Targets.find((t) => t.Id === 'chat-topic')?.InputTransformer?.InputTemplate ?? '{}'),
        ).toMatchObject({ version: '1.0', source: 'custom' });
        const rule = await drive.events.send(
          new DescribeRuleCommand({ Name: `iot-policy-guard-${stage}-attach-permission-set` }),
        );
        expect(rule.State).toBe('ENABLED');
        expect(JSON.parse(rule.EventPattern ?? '{}')).toMatchObject({ source: ['aws.sso'] });
        // moto holds the bus policy as a placeholder it does not list among the stack's resources: read the deployed
        // template.
        expect(stack.template.Resources.OrganizationBusPolicy?.Type).toBe('AWS::Events::EventBusPolicy');
        expect(stack.resources.AssumeMemberRolePolicy?.type).toBe('AWS::IAM::Policy');
      },
    );

    it('reverts in the home account, alerts, and puts the finding on the findings bus', async () => {
      const role = await drive.roleWith(`${stage}-intruder`, FULL_ACCESS);
      expect((await guard.invoke(await drive.routeAttach(routed, role, FULL_ACCESS))).result).toEqual({
        outcome: 'reverted',
      });
      expect(await drive.attachedTo(role)).toEqual([]);
      expect(outcomes(await drive.receive(alerts, 1))).toEqual(['reverted']);
      // The deployed bundle's chat copy: one custom notification, in the documented format.
      const [chat, ...moreChats] = await drive.receive(chats, 1);
      expect(moreChats).toEqual([]);
      const notification = JSON.parse(
        (JSON.parse(chat?.Body ?? '{}') as { Message: string }).Message,
      ) as ChatNotification;
      const validate = new Ajv2020({ strict: true }).compile(
        JSON.parse(readFileSync('infra/chat-notification.schema.json', 'utf8')),
      );
      expect(validate(notification), JSON.stringify(validate.errors)).toBe(true);
      expect(notification.content.title).toMatch(/: reverted$/);
      const [finding, ...more] = await drive.receive(findings, 1);
      expect(more).toEqual([]);
      expect(JSON.parse(finding?.Body ?? '{}')).toMatchObject({
        source: FINDING_SOURCE,
        'detail-type': FINDING_DETAIL_TYPE,
        detail: { outcome: 'reverted', principal: { name: role } },
      });
    });

    it('sweeps its own account and the member account, through the member role', async () => {
      const result = (await sweep.invoke({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event', detail: {} }))
        .result as { account: string }[];
      expect(result.map((r) => r.account).sort()).toEqual([stack.target.accountId, member].sort());
    });
  },
);
