// The self-check's decision (functions/core/self-check.ts): what was read in, drift findings out. Table-driven.
import { describe, expect, it } from 'vitest';
import {
  findDrift,
  recordsWriteManagementEvents,
  summarizeSelfCheck,
  type FieldSelector,
  type Observation,
  type TrailState,
} from '../../functions/core/self-check.js';

const TARGET = 'arn:aws:lambda:us-east-1:123456789012:function:iot-policy-guard-dev-attach-guard';
const RULE = 'iot-policy-guard-dev-attach-policy';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:iot-policy-guard-dev-alerts';
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/0d5bc3a8-1f2e-4f0a-9a45-0123456789ab';
const TRAIL = 'iot-policy-guard-dev';
const CONFIRMED = `${TOPIC}:3f1c9f9e-8d52-4bd3-9f0e-2f1c0a1b2c3d`;
const denied = {
  ok: false,
  failure: { code: 'AccessDenied', message: 'not authorized to perform events:DescribeRule' },
} as const;
const found = <T>(value: T) => ({ ok: true, value }) as const;
const missing = { ok: true, value: null } as const;

const MANAGEMENT: readonly FieldSelector[] = [{ field: 'eventCategory', equals: ['Management'] }];
const trail = (state: Partial<TrailState>, sources = ['iam.amazonaws.com']): Observation => ({
  check: 'trail',
  resource: TRAIL,
  sources,
  read: found({
    isLogging: true,
    eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true }],
    advancedEventSelectors: [],
    ...state,
  }),
});

const CASES: [string, Observation, string[]][] = [
  [
    'an enabled rule targeting attach-guard',
    { check: 'attach-rule', resource: RULE, target: TARGET, read: found({ state: 'ENABLED', targetArns: [TARGET] }) },
    [],
  ],
  [
    'a rule enabled for all management events',
    {
      check: 'attach-rule',
      resource: RULE,
      target: TARGET,
      read: found({
        state: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
        targetArns: ['arn:aws:sqs:us-east-1:123456789012:q', TARGET],
      }),
    },
    [],
  ],
  [
    'a disabled rule',
    { check: 'attach-rule', resource: RULE, target: TARGET, read: found({ state: 'DISABLED', targetArns: [TARGET] }) },
    ['the rule is DISABLED: no attach event reaches attach-guard'],
  ],
  [
    'a rule without attach-guard',
    {
      check: 'attach-rule',
      resource: RULE,
      target: TARGET,
      read: found({ state: 'ENABLED', targetArns: [`${TARGET}-other`] }),
    },
    [`the rule does not target attach-guard (${TARGET}); its targets: ${TARGET}-other`],
  ],
  [
    'a rule without targets',
    { check: 'attach-rule', resource: RULE, target: TARGET, read: found({ state: 'ENABLED', targetArns: [] }) },
    [`the rule does not target attach-guard (${TARGET}); its targets: none`],
  ],
  [
    'a disabled rule without targets: two findings',
    { check: 'attach-rule', resource: RULE, target: TARGET, read: found({ state: 'DISABLED', targetArns: [] }) },
    [
      'the rule is DISABLED: no attach event reaches attach-guard',
      `the rule does not target attach-guard (${TARGET}); its targets: none`,
    ],
  ],
  [
    'a missing rule',
    { check: 'attach-rule', resource: RULE, target: TARGET, read: missing },
    ['the rule does not exist: no attach event reaches attach-guard'],
  ],
  [
    'a rule that cannot be read',
    { check: 'attach-rule', resource: RULE, target: TARGET, read: denied },
    ['cannot be read: AccessDenied: not authorized to perform events:DescribeRule'],
  ],
  ['an enabled schedule', { check: 'sweep-schedule', resource: 'g/s', read: found({ state: 'ENABLED' }) }, []],
  [
    'a disabled schedule',
    { check: 'sweep-schedule', resource: 'g/s', read: found({ state: 'DISABLED' }) },
    ['the schedule is DISABLED: the sweep does not run on it'],
  ],
  [
    'a missing schedule',
    { check: 'sweep-schedule', resource: 'g/s', read: missing },
    ['the schedule does not exist: the sweep does not run'],
  ],
  [
    'a confirmed subscription among pending ones',
    {
      check: 'alert-subscription',
      resource: TOPIC,
      read: found({ subscriptionArns: ['PendingConfirmation', CONFIRMED] }),
    },
    [],
  ],
  [
    'only pending subscriptions',
    {
      check: 'alert-subscription',
      resource: TOPIC,
      read: found({ subscriptionArns: ['PendingConfirmation', 'PendingConfirmation'] }),
    },
    ['the alert topic has no confirmed subscription (2 pending confirmation): alerts and digests reach nobody'],
  ],
  [
    'no subscription',
    { check: 'alert-subscription', resource: TOPIC, read: found({ subscriptionArns: [] }) },
    ['the alert topic has no subscription: alerts and digests reach nobody'],
  ],
  [
    'a missing topic',
    { check: 'alert-subscription', resource: TOPIC, read: missing },
    ['the alert topic does not exist: alerts and digests go nowhere'],
  ],
  ['a logging trail with the default selector', trail({}), []],
  [
    'a trail with a write-only selector',
    trail({ eventSelectors: [{ readWriteType: 'WriteOnly', includeManagementEvents: true }] }),
    [],
  ],
  [
    'a trail that is not logging',
    trail({ isLogging: false }),
    ['the trail is not logging: no CloudTrail event reaches the guard'],
  ],
  [
    'a trail whose basic selector excludes management events',
    trail({ eventSelectors: [{ readWriteType: 'All', includeManagementEvents: false }] }),
    ["the trail's event selectors do not record write management events of iam.amazonaws.com"],
  ],
  [
    'a trail that records only reads',
    trail({ eventSelectors: [{ readWriteType: 'ReadOnly', includeManagementEvents: true }] }),
    ["the trail's event selectors do not record write management events of iam.amazonaws.com"],
  ],
  [
    'a trail with no selector at all',
    trail({ eventSelectors: [] }),
    ["the trail's event selectors do not record write management events of iam.amazonaws.com"],
  ],
  [
    'a trail with advanced selectors for management events',
    trail({ eventSelectors: [], advancedEventSelectors: [MANAGEMENT] }),
    [],
  ],
  [
    'a trail whose advanced selectors log data events only',
    trail({
      eventSelectors: [],
      advancedEventSelectors: [
        [
          { field: 'eventCategory', equals: ['Data'] },
          { field: 'resources.type', equals: ['AWS::S3::Object'] },
        ],
      ],
    }),
    ["the trail's event selectors do not record write management events of iam.amazonaws.com"],
  ],
  [
    'a trail whose advanced selector keeps only read-only management events',
    trail({ eventSelectors: [], advancedEventSelectors: [[...MANAGEMENT, { field: 'readOnly', equals: ['true'] }]] }),
    ["the trail's event selectors do not record write management events of iam.amazonaws.com"],
  ],
  [
    'a not-logging trail without management events and without the Identity Center source: every problem',
    trail(
      {
        isLogging: false,
        eventSelectors: [{ includeManagementEvents: true, excludeManagementEventSources: ['sso.amazonaws.com'] }],
      },
      ['iam.amazonaws.com', 'sso.amazonaws.com'],
    ),
    [
      'the trail is not logging: no CloudTrail event reaches the guard',
      "the trail's event selectors do not record write management events of sso.amazonaws.com",
    ],
  ],
  [
    'a missing trail',
    { check: 'trail', resource: TRAIL, sources: ['iam.amazonaws.com'], read: missing },
    ['the trail does not exist'],
  ],
  [
    'an enabled key',
    { check: 'alert-key', resource: KEY, read: found({ keyState: 'Enabled', deletionDate: null }) },
    [],
  ],
  [
    'a disabled key',
    { check: 'alert-key', resource: KEY, read: found({ keyState: 'Disabled', deletionDate: null }) },
    ['the key is Disabled: alerts, alarm notifications and the dead-letter queue fail'],
  ],
  [
    'a key pending deletion',
    {
      check: 'alert-key',
      resource: KEY,
      read: found({ keyState: 'PendingDeletion', deletionDate: '2026-12-30T00:00:00.000Z' }),
    },
    [
      'the key is PendingDeletion (deletion scheduled for 2026-12-30T00:00:00.000Z): alerts, alarm ' +
        'notifications and the dead-letter queue fail',
    ],
  ],
  [
    'a missing key',
    { check: 'alert-key', resource: KEY, read: missing },
    ['the key does not exist: the alert topic and the dead-letter queue cannot be used'],
  ],
];

describe('findDrift', () => {
  it.each(CASES)('%s', (_, observation, problems) => {
    expect(findDrift([observation])).toEqual(
      problems.map((problem) => ({ check: observation.check, resource: observation.resource, problem })),
    );
  });

  it('reports every observation in order, and counts the checks', () => {
    const all = CASES.map(([, o]) => o);
    const summary = summarizeSelfCheck(all);
    expect(summary.checks).toBe(CASES.length);
    expect(summary.drift.map((d) => d.problem)).toEqual(CASES.flatMap(([, , problems]) => problems));
  });
});

describe('recordsWriteManagementEvents', () => {
  const advanced = (...selectors: (readonly FieldSelector[])[]) => ({
    eventSelectors: [],
    advancedEventSelectors: selectors,
  });
  const ROWS: [string, Pick<TrailState, 'eventSelectors' | 'advancedEventSelectors'>, string, boolean][] = [
    ['basic defaults (absent fields)', { eventSelectors: [{}], advancedEventSelectors: [] }, 'iam.amazonaws.com', true],
    [
      'basic, KMS excluded: IAM still recorded',
      { eventSelectors: [{ excludeManagementEventSources: ['kms.amazonaws.com'] }], advancedEventSelectors: [] },
      'iam.amazonaws.com',
      true,
    ],
    [
      'basic, KMS excluded',
      { eventSelectors: [{ excludeManagementEventSources: ['kms.amazonaws.com'] }], advancedEventSelectors: [] },
      'kms.amazonaws.com',
      false,
    ],
    [
      'basic, a second selector adds management events',
      {
        eventSelectors: [{ includeManagementEvents: false }, { readWriteType: 'WriteOnly' }],
        advancedEventSelectors: [],
      },
      'iam.amazonaws.com',
      true,
    ],
    [
      'advanced, writes only',
      advanced([...MANAGEMENT, { field: 'readOnly', equals: ['false'] }]),
      'iam.amazonaws.com',
      true,
    ],
    [
      'advanced, KMS excluded',
      advanced([...MANAGEMENT, { field: 'eventSource', notEquals: ['kms.amazonaws.com'] }]),
      'iam.amazonaws.com',
      true,
    ],
    [
      'advanced, IAM excluded',
      advanced([...MANAGEMENT, { field: 'eventSource', notEquals: ['iam.amazonaws.com'] }]),
      'iam.amazonaws.com',
      false,
    ],
    [
      'advanced, prefix',
      advanced([...MANAGEMENT, { field: 'eventSource', startsWith: ['iam.'] }]),
      'iam.amazonaws.com',
      true,
    ],
    [
      'advanced, excluded by prefix',
      advanced([...MANAGEMENT, { field: 'eventSource', notStartsWith: ['iam'] }]),
      'iam.amazonaws.com',
      false,
    ],
    [
      'advanced, suffix',
      advanced([...MANAGEMENT, { field: 'eventSource', endsWith: ['.amazonaws.com'] }]),
      'iam.amazonaws.com',
      true,
    ],
    [
      'advanced, excluded by suffix',
      advanced([...MANAGEMENT, { field: 'eventSource', notEndsWith: ['.amazonaws.com'] }]),
      'iam.amazonaws.com',
      false,
    ],
    [
      'advanced, second selector records management',
      advanced([{ field: 'eventCategory', equals: ['Data'] }], MANAGEMENT),
      'iam.amazonaws.com',
      true,
    ],
    // Advanced selectors replace basic ones: a trail has one kind or the other.
    [
      'advanced selectors win over basic ones',
      { eventSelectors: [{}], advancedEventSelectors: [[{ field: 'eventCategory', equals: ['Data'] }]] },
      'iam.amazonaws.com',
      false,
    ],
  ];
  it.each(ROWS)('%s', (_, selectors, source, expected) => {
    expect(recordsWriteManagementEvents(selectors, source)).toBe(expected);
  });
});
