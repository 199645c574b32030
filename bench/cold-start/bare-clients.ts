/**
 * The cold-start baseline: a function that contains only the bare IAM and SNS clients and makes the same two calls as
 * attach-guard's revert path (detach, publish). Clients are built at module scope, as in the real handler.
 */
import { DetachRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

const iam = new IAMClient({});
const sns = new SNSClient({});

export interface BareEvent {
  readonly roleName: string;
  readonly policyArn: string;
  readonly topicArn: string;
  readonly message: string;
}

export const handler = async (event: BareEvent): Promise<void> => {
  await iam.send(new DetachRolePolicyCommand({ RoleName: event.roleName, PolicyArn: event.policyArn }));
  await sns.send(new PublishCommand({ TopicArn: event.topicArn, Message: event.message }));
};
