// The sweep's self-check against the emulator through the real SDK clients: the resources it reads are made there
// (a rule targeting attach-guard, the schedule, a topic with an SQS subscription, a key, a trail), then changed.
import { CloudTrailClient, PutEventSelectorsCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { DisableRuleCommand, EventBridgeClient, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { DisableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { ListSubscriptionsByTopicCommand, SNSClient, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { beforeAll, expect, it } from 'vitest';
import type { SelfCheckConfig } from '../../functions/config/self-check-config.js';
import { createSelfCheckClients, runSelfCheck } from '../../functions/guard/self-check.js';
import { guardDeps } from '../support/guard.js';
import { awsClientConfig, describeWithEmulator } from './helpers/emulator.js';
import { createSelfCheckedResources } from './helpers/self-checked-resources.js';

describeWithEmulator('self-check against the emulator', () => {
  let events: EventBridgeClient;
  let scheduler: SchedulerClient;
  let sns: SNSClient;
  let kms: KMSClient;
  let cloudtrail: CloudTrailClient;

  beforeAll(() => {
    const config = awsClientConfig();
    events = new EventBridgeClient(config);
    scheduler = new SchedulerClient(config);
    sns = new SNSClient(config);
    kms = new KMSClient(config);
    cloudtrail = new CloudTrailClient(config);
  });

  async function selfCheck(config: SelfCheckConfig) {
    const emitted: number[] = [];
    const summary = await runSelfCheck(
      config,
      createSelfCheckClients(config, sns, awsClientConfig()),
      guardDeps().logger,
      (n) => void emitted.push(n),
    );
    return { summary, emitted, problems: summary.drift.map((d) => `${d.check} ${d.resource}: ${d.problem}`) };
  }

  it(
    'is clean as deployed (moto reports an SQS subscription confirmed at ' +
      'once), then reports the disabled rule and the deleted subscription',
    async () => {
      const stack = await createSelfCheckedResources();
      // What the self-check takes as confirmed: a real subscription ARN, never "PendingConfirmation".
      const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: stack.topicArn }));
      expect(Subscriptions.map((s) => s.SubscriptionArn)).toEqual([stack.subscriptionArn]);
      expect(stack.subscriptionArn).toMatch(new RegExp(`^${stack.topicArn}:`));

      expect(await selfCheck(stack.config)).toEqual({ summary: { checks: 5, drift: [] }, emitted: [0], problems: [] });

      await events.send(new DisableRuleCommand({ Name: stack.rule }));
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: stack.subscriptionArn }));
      const after = await selfCheck(stack.config);
      expect(after.problems).toEqual([
        `attach-rule ${stack.rule}: the rule is DISABLED: no attach event reaches attach-guard`,
        `alert-subscription ${stack.topicArn}: the alert topic has no subscription: alerts and digests reach nobody`,
      ]);
      expect(after.emitted).toEqual([2]);
    },
  );

  it(
    'reports a rule without its target, a disabled schedule, a trail ' +
      'not logging and one without management events, a disabled key',
    async () => {
      const stack = await createSelfCheckedResources();
      await events.send(new RemoveTargetsCommand({ Rule: stack.rule, Ids: ['attach-guard'] }));
      await scheduler.send(new UpdateScheduleCommand({ ...stack.schedule, State: 'DISABLED' }));
      await cloudtrail.send(new StopLoggingCommand({ Name: stack.name }));
      await cloudtrail.send(
        new PutEventSelectorsCommand({
          TrailName: stack.name,
          AdvancedEventSelectors: [
            {
              Name: 'S3 data only',
              FieldSelectors: [
                { Field: 'eventCategory', Equals: ['Data'] },
                { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
              ],
            },
          ],
        }),
      );
      await kms.send(new DisableKeyCommand({ KeyId: stack.keyId }));
      expect((await selfCheck(stack.config)).problems).toEqual([
        `attach-rule ${stack.rule}: the rule does not target attach-guard (${stack.attachGuard}); its targets: none`,
        `sweep-schedule ${stack.name}/${stack.name}-sweep: the schedule is DISABLED: the sweep does not run on it`,
        `alert-key ${stack.config.keyArn}: the key is Disabled: alerts, alarm notifications and the ` +
          'dead-letter queue fail',
        `trail ${stack.name}: the trail is not logging: no CloudTrail event reaches the guard`,
        `trail ${stack.name}: the trail's event selectors do not record write management events of iam.amazonaws.com`,
      ]);

      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: stack.keyId, PendingWindowInDays: 7 }));
      const pending = (await selfCheck(stack.config)).summary.drift.filter((d) => d.check === 'alert-key');
      expect(pending).toEqual([
        {
          check: 'alert-key',
          resource: stack.config.keyArn,
          problem: expect.stringMatching(/^the key is PendingDeletion \(deletion scheduled for \d{4}-\d\d-\d\dT.*\): /),
        },
      ]);
    },
  );

  it('reports resources that are gone', async () => {
    const stack = await createSelfCheckedResources();
    const config = {
      ...stack.config,
      ruleNames: [`${stack.rule}-gone`],
      schedule: { groupName: stack.name, name: 'gone' },
      trail: `${stack.name}-gone`,
      topicArn: `${stack.topicArn}-gone`,
    };
    expect((await selfCheck(config)).problems).toEqual([
      `attach-rule ${stack.rule}-gone: the rule does not exist: no attach event reaches attach-guard`,
      `sweep-schedule ${stack.name}/gone: the schedule does not exist: the sweep does not run`,
      `alert-subscription ${stack.topicArn}-gone: the alert topic does not exist: alerts and digests go nowhere`,
      `trail ${stack.name}-gone: the trail does not exist`,
    ]);
  });
});
