/**
 * What the sweep's self-check reads, made in the emulator through the real SDK as a deploy leaves it: the attach rule
 * targeting attach-guard, the sweep's schedule, the alert topic with an SQS subscription, the key and a logging trail.
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleCommand, CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { loadSelfCheckConfig, type SelfCheckConfig } from '../../../functions/config/self-check-config.js';
import { awsClientConfig, createSqsQueueSubscribedToTopic, uniqueName } from './emulator.js';

const ACCOUNT = '123456789012'; // the emulator's default account

export interface SelfCheckedResources {
  readonly name: string;
  readonly rule: string;
  readonly attachGuard: string;
  /** CreateSchedule's input without State (UpdateSchedule takes it whole). */
  readonly schedule: {
    Name: string;
    GroupName: string;
    ScheduleExpression: string;
    FlexibleTimeWindow: { Mode: 'OFF' };
    Target: { Arn: string; RoleArn: string };
  };
  readonly topicArn: string;
  readonly queueUrl: string;
  readonly subscriptionArn: string;
  readonly keyId: string;
  /** The sweep's environment for these resources (SELF_CHECK_*, ALERT_KEY_ARN). */
  readonly environment: Readonly<Record<string, string>>;
  readonly config: SelfCheckConfig;
}

/** Makes the resources under a fresh name, all healthy. */
export async function createSelfCheckedResources(): Promise<SelfCheckedResources> {
  const client = awsClientConfig();
  const events = new EventBridgeClient(client);
  const scheduler = new SchedulerClient(client);
  const sns = new SNSClient(client);
  const kms = new KMSClient(client);
  const cloudtrail = new CloudTrailClient(client);
  const name = uniqueName('sc');
  const rule = `${name}-attach-policy`;
  const attachGuard = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}-attach-guard`;
  await events.send(
    new PutRuleCommand({ Name: rule, EventPattern: JSON.stringify({ source: ['aws.iam'] }), State: 'ENABLED' }),
  );
  await events.send(new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'attach-guard', Arn: attachGuard }] }));
  await scheduler.send(new CreateScheduleGroupCommand({ Name: name }));
  const schedule = {
    Name: `${name}-sweep`,
    GroupName: name,
    ScheduleExpression: 'rate(1 hour)',
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    Target: {
      Arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}-sweep`,
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${name}-scheduler`,
    },
  };
  await scheduler.send(new CreateScheduleCommand({ ...schedule, State: 'ENABLED' }));
  const { TopicArn: topicArn = '' } = await sns.send(new CreateTopicCommand({ Name: `${name}-alerts` }));
  const { queueUrl, subscriptionArn } = await createSqsQueueSubscribedToTopic(topicArn);
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: `${name} alerts` }));
  const bucket = name.toLowerCase();
  await new S3Client({ ...client, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: bucket }));
  await cloudtrail.send(
    new CreateTrailCommand({
      Name: name,
      S3BucketName: bucket,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
    }),
  );
  await cloudtrail.send(new StartLoggingCommand({ Name: name }));
  await cloudtrail.send(
    new PutEventSelectorsCommand({
      TrailName: name,
      EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }],
    }),
  );
  const environment = {
    SELF_CHECK_RULE_NAMES: rule,
    SELF_CHECK_RULE_TARGET: attachGuard,
    SELF_CHECK_SCHEDULE: `${name}/${name}-sweep`,
    SELF_CHECK_TRAIL: name,
    ALERT_KEY_ARN: KeyMetadata?.Arn ?? '',
  };
  const config = loadSelfCheckConfig(environment, { alertTopicArn: topicArn, identityCenterRegion: null });
  if (!config) throw new Error('no self-check configuration');
  return {
    name,
    rule,
    attachGuard,
    schedule,
    topicArn,
    queueUrl,
    subscriptionArn,
    keyId: KeyMetadata?.KeyId ?? '',
    environment,
    config,
  };
}
