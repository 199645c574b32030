/**
 * Tamper rules (docs/tamper.md): EventBridge rules that match CloudTrail's record of a change to one of this stack's
 * own resources (the attach rule disabled, a function deleted, the key scheduled for deletion, ...) and send a
 * readable HIGH alert to the tamper topic. The patterns are generated here from the stack's names, so that each names
 * exactly this stack's resources and no other; serverless.yml reads them through template-values.cjs, the member
 * template (member-account.ts) its own, and the tests import them from here.
 *
 * One rule per service and request field: the alert text names the resource from that one field
 * (`requestParameters.<field>`), which exists in every event the rule matches. Only successful calls match (no
 * `errorCode`): a refused attempt changed nothing.
 */
import { MEMBER_READ_ROLE_SUFFIX } from '../functions/config/guard-config.js';

/** A CloudFormation value: a literal, `Fn::Sub` of pseudo parameters, or a `Ref`/`Fn::GetAtt` of a resource. */
export type CfnValue = string | Record<string, unknown>;
/** One value of an EventBridge pattern array: exact, or a prefix/suffix/wildcard matcher. */
export type Matcher = CfnValue | { prefix: CfnValue } | { suffix: CfnValue } | { wildcard: CfnValue };

export interface Watch {
  /** Part of the rule's name and logical id: `iot-policy-guard-dev-tamper-<key>`. */
  readonly key: string;
  /** `aws.lambda`, ...: the event's `source`. */
  readonly source: string;
  readonly eventSource: string;
  readonly eventNames: readonly string[];
  /** The request parameter that names the resource; the alert shows its value. */
  readonly field: string;
  readonly values: readonly Matcher[];
  /** Further request parameters every matched event must have, e.g. the schedule's group. */
  readonly also?: Record<string, readonly Matcher[]>;
  /** A CloudFormation condition the rule exists under. */
  readonly condition?: string;
  readonly description: string;
}

const sub = (text: string): CfnValue => ({ 'Fn::Sub': text });
const ref = (id: string): CfnValue => ({ Ref: id });
const ARN = (service: string, resource: string): string =>
  `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`;

/** The CloudTrail event names watched, by service (the names CloudTrail records, API-version suffixes included). */
export const TAMPER_EVENTS = {
  rules: ['DisableRule', 'DeleteRule', 'PutRule'],
  targets: ['RemoveTargets', 'PutTargets'],
  lambda: [
    'DeleteFunction20150331',
    'UpdateFunctionCode20150331v2',
    'UpdateFunctionConfiguration20150331v2',
    'PutFunctionConcurrency20171031',
    'RemovePermission20150331v2',
    'PutFunctionEventInvokeConfig',
    'UpdateFunctionEventInvokeConfig',
  ],
  trail: ['StopLogging', 'DeleteTrail', 'UpdateTrail'],
  trailSelectors: ['PutEventSelectors', 'PutInsightSelectors'],
  topic: ['DeleteTopic', 'SetTopicAttributes', 'Subscribe'],
  subscription: ['Unsubscribe', 'SetSubscriptionAttributes'],
  key: ['DisableKey', 'ScheduleKeyDeletion', 'PutKeyPolicy'],
  schedule: ['DeleteSchedule', 'UpdateSchedule'],
  scheduleGroup: ['DeleteScheduleGroup'],
  alarms: ['DeleteAlarms', 'DisableAlarmActions'],
  alarm: ['PutMetricAlarm'],
  roles: ['DetachRolePolicy', 'PutRolePolicy', 'DeleteRolePolicy', 'UpdateAssumeRolePolicy', 'DeleteRole'],
  queue: ['PurgeQueue', 'DeleteQueue', 'SetQueueAttributes'],
  stack: ['DeleteStack', 'UpdateStack', 'ExecuteChangeSet'],
} as const;

/**
 * The names of this stack's resources, as serverless.yml and infra/*.yml give them (a template test keeps them equal).
 */
export function stackNames(service: string, stage: string) {
  const prefix = `${service}-${stage}`;
  return {
    prefix,
    stack: prefix,
    functions: [`${prefix}-attach-guard`, `${prefix}-sweep`],
    rules: [`${prefix}-attach-policy`, `${prefix}-attach-permission-set`],
    trail: prefix,
    // The chat topic exists only with chatTopic=true; watching its name costs nothing when it does not.
    topics: [`${prefix}-alerts`, `${prefix}-tamper`, `${prefix}-chat`],
    queues: [`${prefix}-dead-letters`, `${prefix}-rule-dead-letters`],
    scheduleGroup: prefix,
    schedule: `${prefix}-sweep`,
    alarms: [
      'dead-letters',
      'attach-guard-errors',
      'rejected-deliveries',
      'finding-failures',
      'self-check-drift',
      'attach-policy-rule-failed-invocations',
      'attach-permission-set-rule-failed-invocations',
      'sweep-errors',
      'sweep-schedule-target-errors',
      'sweep-heartbeat',
      'rule-dead-letters',
      'chat-failures',
    ].map((name) => `${prefix}-${name}`),
    /** Role names: the two function roles are fixed (with the Region), the scheduler's is CloudFormation's. */
    roles: [
      sub(`${prefix}-attach-guard-\${AWS::Region}`),
      sub(`${prefix}-sweep-\${AWS::Region}`),
      ref('SweepSchedulerRole'),
    ],
  };
}

/** The name of a tamper rule. */
export const tamperRuleName = (service: string, stage: string, key: string): string =>
  `${service}-${stage}-tamper-${key}`;

/** What the central stack watches in its own account. */
export function stackWatches(service: string, stage: string): Watch[] {
  const n = stackNames(service, stage);
  const lambdaArn = (name: string): string => ARN('lambda', `function:${name}`);
  const functionValues = n.functions.flatMap((name): Matcher[] => [
    name,
    sub(lambdaArn(name)),
    sub(`\${AWS::AccountId}:function:${name}`),
    // A qualified name (version or alias) in any of the three forms.
    { prefix: `${name}:` },
    { prefix: sub(`${lambdaArn(name)}:`) },
    { prefix: sub(`\${AWS::AccountId}:function:${name}:`) },
  ]);
  const trail: Matcher[] = [n.trail, sub(ARN('cloudtrail', `trail/${n.trail}`))];
  const topics = n.topics.map((name) => ARN('sns', name));
  const tamperRules = [...WATCH_KEYS, ...MEMBER_WATCH_KEYS].map((key) => tamperRuleName(service, stage, key));
  const ruleNames = [...n.rules, ...tamperRules];
  return [
    {
      key: 'rules',
      source: 'aws.events',
      eventSource: 'events.amazonaws.com',
      eventNames: TAMPER_EVENTS.rules,
      field: 'name',
      values: ruleNames,
      description: 'the attach rules and the tamper rules disabled, deleted or changed',
    },
    {
      key: 'targets',
      source: 'aws.events',
      eventSource: 'events.amazonaws.com',
      eventNames: TAMPER_EVENTS.targets,
      field: 'rule',
      values: ruleNames,
      description: 'targets removed from or put on those rules',
    },
    {
      key: 'functions',
      source: 'aws.lambda',
      eventSource: 'lambda.amazonaws.com',
      eventNames: TAMPER_EVENTS.lambda,
      field: 'functionName',
      values: functionValues,
      description:
        'attach-guard or the sweep deleted, its code, configuration, concurrency, invoke permission or retries changed',
    },
    {
      key: 'trail',
      source: 'aws.cloudtrail',
      eventSource: 'cloudtrail.amazonaws.com',
      eventNames: TAMPER_EVENTS.trail,
      field: 'name',
      values: trail,
      condition: 'CreateTrail',
      description: "the stack's trail stopped, deleted or changed",
    },
    {
      key: 'trail-selectors',
      source: 'aws.cloudtrail',
      eventSource: 'cloudtrail.amazonaws.com',
      eventNames: TAMPER_EVENTS.trailSelectors,
      field: 'trailName',
      values: trail,
      condition: 'CreateTrail',
      description: "the stack's trail's event selectors changed",
    },
    {
      key: 'topics',
      source: 'aws.sns',
      eventSource: 'sns.amazonaws.com',
      eventNames: TAMPER_EVENTS.topic,
      field: 'topicArn',
      values: topics.map(sub),
      description: 'the alert or tamper topic deleted, changed or subscribed to',
    },
    {
      key: 'subscriptions',
      source: 'aws.sns',
      eventSource: 'sns.amazonaws.com',
      eventNames: TAMPER_EVENTS.subscription,
      field: 'subscriptionArn',
      values: topics.map((arn) => ({ prefix: sub(`${arn}:`) })),
      description: 'a subscription of those topics removed or changed (a filter policy that drops everything)',
    },
    {
      key: 'key',
      source: 'aws.kms',
      eventSource: 'kms.amazonaws.com',
      eventNames: TAMPER_EVENTS.key,
      field: 'keyId',
      values: [ref('AlertKey'), { 'Fn::GetAtt': ['AlertKey', 'Arn'] }],
      description: 'the alert key disabled, scheduled for deletion or its policy changed',
    },
    {
      key: 'schedule',
      source: 'aws.scheduler',
      eventSource: 'scheduler.amazonaws.com',
      eventNames: TAMPER_EVENTS.schedule,
      field: 'name',
      values: [n.schedule],
      also: { groupName: [n.scheduleGroup] },
      description: "the sweep's schedule deleted, disabled or changed",
    },
    {
      key: 'schedule-group',
      source: 'aws.scheduler',
      eventSource: 'scheduler.amazonaws.com',
      eventNames: TAMPER_EVENTS.scheduleGroup,
      field: 'name',
      values: [n.scheduleGroup],
      description: "the sweep's schedule group deleted (and its schedule with it)",
    },
    {
      key: 'alarms',
      source: 'aws.cloudwatch',
      eventSource: 'monitoring.amazonaws.com',
      eventNames: TAMPER_EVENTS.alarms,
      field: 'alarmNames',
      values: n.alarms,
      description: "the stack's alarms deleted or their actions disabled",
    },
    {
      key: 'alarm',
      source: 'aws.cloudwatch',
      eventSource: 'monitoring.amazonaws.com',
      eventNames: TAMPER_EVENTS.alarm,
      field: 'alarmName',
      values: n.alarms,
      description: "one of the stack's alarms changed",
    },
    {
      key: 'roles',
      source: 'aws.iam',
      eventSource: 'iam.amazonaws.com',
      eventNames: TAMPER_EVENTS.roles,
      field: 'roleName',
      values: n.roles,
      description: "the guard's roles changed or deleted",
    },
    // A queue URL's host varies (sqs.REGION.amazonaws.com, queue.amazonaws.com); its path is the account and the name.
    {
      key: 'queues',
      source: 'aws.sqs',
      eventSource: 'sqs.amazonaws.com',
      eventNames: TAMPER_EVENTS.queue,
      field: 'queueUrl',
      values: n.queues.map((name) => ({ suffix: sub(`/\${AWS::AccountId}/${name}`) })),
      description: 'a dead-letter queue purged, deleted or changed',
    },
    {
      key: 'stack',
      source: 'aws.cloudformation',
      eventSource: 'cloudformation.amazonaws.com',
      eventNames: TAMPER_EVENTS.stack,
      field: 'stackName',
      values: [n.stack, { prefix: sub(ARN('cloudformation', `stack/${n.stack}/`)) }],
      description: 'the stack deleted or updated',
    },
  ];
}

/** The keys of the central stack's own watches, in order (the rule names are built from them). */
export const WATCH_KEYS = [
  'rules',
  'targets',
  'functions',
  'trail',
  'trail-selectors',
  'topics',
  'subscriptions',
  'key',
  'schedule',
  'schedule-group',
  'alarms',
  'alarm',
  'roles',
  'queues',
  'stack',
] as const;

/** The keys of the central stack's rules for its member accounts' tamper events (memberWatches). */
export const MEMBER_WATCH_KEYS = ['member-rules', 'member-targets', 'member-roles'] as const;

/** The member template's resources, by name: its forwarding rules and its roles. */
export const MEMBER_RULE_NAMES = [
  'iot-policy-guard-forward-attach-policy',
  'iot-policy-guard-forward-attach-permission-set',
  'iot-policy-guard-forward-tamper',
] as const;

/**
 * What a member account forwards of its own tampering (member-account.ts) and the central stack alerts on: the
 * forwarding rules, the remediation and read roles and the forwarding role. `roleNames` are the member template's:
 * parameters there, the central stage parameters here. The forwarding role's name is CloudFormation's, which contains
 * its logical id.
 */
export function memberWatches(roleNames: readonly CfnValue[]): Watch[] {
  const roles: Matcher[] = [...roleNames, { wildcard: '*-ForwardRole-*' }];
  return [
    {
      key: 'member-rules',
      source: 'aws.events',
      eventSource: 'events.amazonaws.com',
      eventNames: TAMPER_EVENTS.rules,
      field: 'name',
      values: [...MEMBER_RULE_NAMES],
      description: "a member account's forwarding rules disabled, deleted or changed",
    },
    {
      key: 'member-targets',
      source: 'aws.events',
      eventSource: 'events.amazonaws.com',
      eventNames: TAMPER_EVENTS.targets,
      field: 'rule',
      values: [...MEMBER_RULE_NAMES],
      description: "targets removed from or put on a member account's forwarding rules",
    },
    {
      key: 'member-roles',
      source: 'aws.iam',
      eventSource: 'iam.amazonaws.com',
      eventNames: TAMPER_EVENTS.roles,
      field: 'roleName',
      values: roles,
      description: "a member account's remediation, read or forwarding role changed or deleted",
    },
  ];
}

/** The member role names the central stack knows: the remediation role and its read-only companion. */
export function centralMemberRoleNames(memberRoleName: string): string[] {
  return memberRoleName === '' ? [] : [memberRoleName, `${memberRoleName}${MEMBER_READ_ROLE_SUFFIX}`];
}

/** A watch's EventBridge pattern: successful CloudTrail-recorded calls of its events on its resources. */
export function watchPattern(watch: Watch): Record<string, unknown> {
  return {
    source: [watch.source],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: [watch.eventSource],
      eventName: [...watch.eventNames],
      errorCode: [{ exists: false }],
      requestParameters: {
        [watch.field]: [...watch.values],
        ...Object.fromEntries(Object.entries(watch.also ?? {}).map(([k, v]) => [k, [...v]])),
      },
    },
  };
}

/** Several watches as one pattern (the member template forwards them with one rule). */
export function watchesPattern(watches: readonly Watch[]): Record<string, unknown> {
  return {
    'detail-type': ['AWS API Call via CloudTrail'],
    $or: watches.map((watch) => {
      const { 'detail-type': _, ...rest } = watchPattern(watch);
      return rest;
    }),
  };
}

/** The alert text's variables: the field names are the event's, `resource` the watch's field. */
export function tamperInputPaths(watch: Watch): Record<string, string> {
  // An array field (DeleteAlarms' alarmNames) shows its first element.
  const resource =
    watch.field === 'alarmNames'
      ? '$.detail.requestParameters.alarmNames[0]'
      : `$.detail.requestParameters.${watch.field}`;
  return {
    action: '$.detail.eventName',
    resource,
    actor: '$.detail.userIdentity.arn',
    account: '$.detail.recipientAccountId',
    region: '$.detail.awsRegion',
    time: '$.detail.eventTime',
    sourceIp: '$.detail.sourceIPAddress',
    eventId: '$.detail.eventID',
  };
}

/**
 * The alert text: one line, severity first, then what was done to what and by whom, where and when, and the CloudTrail
 * event id to look it up by. A string template: EventBridge sends the text itself to the topic, not JSON.
 */
export function tamperInputTemplate(stack: string): string {
  return (
    `"HIGH tamper alert (${stack}): <action> on <resource> by <actor> in account <account> (<region>) at ` +
    `<time> from <sourceIp>. A change to the guard's own resources; if you did not expect it, find out who ` +
    'did it and restore the stack (redeploy). CloudTrail event <eventId>."'
  );
}

/**
 * The same alert as an Amazon Q Developer in chat applications custom notification
 * (infra/chat-notification.schema.json), for the chat topic. A JSON template: EventBridge puts each value in its
 * string, escaped.
 */
export function tamperChatTemplate(stack: string): string {
  const notification = {
    version: '1.0',
    source: 'custom',
    id: '<eventId>',
    content: {
      textType: 'client-markdown',
      title: `:rotating_light: HIGH tamper alert (${stack}): <action>`,
      description:
        '*<action>* on `<resource>` by `<actor>` in account <account> (<region>) at <time> from ' +
        '<sourceIp>. CloudTrail event <eventId>.',
      nextSteps: [
        "A change to the guard's own resources: if you did not expect it, find out who made it and redeploy the stack.",
      ],
      keywords: ['tamper', 'high', '<account>'],
    },
  };
  return JSON.stringify(notification);
}

/** The central rules as CloudFormation resources (`${file(infra/template-values.cjs):tamperResources}`). */
export function tamperResources(
  service: string,
  stage: string,
  memberRoleName = '',
  chatTopic: 'true' | 'false' = 'false',
): { Resources: Record<string, unknown> } {
  const watches = [
    ...stackWatches(service, stage),
    ...memberWatches(centralMemberRoleNames(memberRoleName)).map((w) => ({ ...w, condition: 'HasMemberRole' })),
  ];
  const Resources: Record<string, unknown> = {};
  for (const watch of watches) {
    Resources[logicalId(watch.key)] = {
      Type: 'AWS::Events::Rule',
      ...(watch.condition ? { Condition: watch.condition } : {}),
      Properties: {
        Name: tamperRuleName(service, stage, watch.key),
        Description: `Tamper: ${watch.description}`.slice(0, 512),
        EventPattern: watchPattern(watch),
        State: 'ENABLED',
        Targets: [
          {
            Id: 'tamper-topic',
            Arn: { Ref: 'TamperTopic' },
            InputTransformer: {
              InputPathsMap: tamperInputPaths(watch),
              InputTemplate: tamperInputTemplate(`${service}-${stage}`),
            },
            RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['RuleDeadLetterQueue', 'Arn'] } },
          },
          // With chatTopic=true the same alert also goes to the chat channel: one chat message per tamper event.
          // (Under its condition too, as every reference to a conditional resource is; the parameter decides both.)
          ...(chatTopic === 'true'
            ? [
                {
                  'Fn::If': [
                    'HasChatTopic',
                    {
                      Id: 'chat-topic',
                      Arn: { Ref: 'ChatTopic' },
                      InputTransformer: {
                        InputPathsMap: tamperInputPaths(watch),
                        InputTemplate: tamperChatTemplate(`${service}-${stage}`),
                      },
                      RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
                      DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['RuleDeadLetterQueue', 'Arn'] } },
                    },
                    { Ref: 'AWS::NoValue' },
                  ],
                },
              ]
            : []),
        ],
      },
    };
  }
  return { Resources };
}

/** `functions` -> `TamperFunctionsRule`. */
export function logicalId(key: string): string {
  return `Tamper${key
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}Rule`;
}
