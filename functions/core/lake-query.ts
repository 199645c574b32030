/**
 * CloudTrail Lake: the SQL that selects the attach-policy calls of an event data store, and the reader that turns its
 * result rows (GetQueryResults' QueryResultRows: each row a list of one-column maps, every value a string) back into
 * CloudTrail records for the same reader and decision as files. Pure. There is no `--lake` flag yet: the emulator has
 * no CloudTrail Lake to run it against (docs/athena.md).
 */
import { IAM_EVENT_SOURCE } from './cloudtrail.js';
import { SSO_EVENT_SOURCE } from './identity-center.js';
import { ATTACH_EVENT_NAMES, PERMISSION_SET_ATTACH_EVENT } from './types.js';

/** In Lake, requestParameters is a map of strings: the keys the reader needs are selected one by one. */
const REQUEST_KEYS = [
  'userName',
  'roleName',
  'groupName',
  'policyArn',
  'instanceArn',
  'permissionSetArn',
  'managedPolicyArn',
] as const;

/** The result columns, in order: [SQL expression, alias]. */
export const LAKE_COLUMNS: readonly (readonly [string, string])[] = [
  ['eventID', 'eventID'],
  ['eventTime', 'eventTime'],
  ['eventSource', 'eventSource'],
  ['eventName', 'eventName'],
  ['awsRegion', 'awsRegion'],
  ['recipientAccountId', 'recipientAccountId'],
  ['sourceIPAddress', 'sourceIPAddress'],
  ['userAgent', 'userAgent'],
  ['errorCode', 'errorCode'],
  ['errorMessage', 'errorMessage'],
  ...REQUEST_KEYS.map((key) => [`element_at(requestParameters, '${key}')`, `rp_${key}`] as const),
  ['userIdentity.type', 'identity_type'],
  ['userIdentity.arn', 'identity_arn'],
  ['userIdentity.invokedBy', 'identity_invokedby'],
  ['userIdentity.sessionContext.sessionIssuer.arn', 'session_issuer_arn'],
];

const EVENT_DATA_STORE = /^[A-Za-z0-9-]{1,128}$/;

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;
// Lake compares eventTime as a timestamp written 'yyyy-MM-dd HH:mm:ss'.
const lakeTime = (date: Date): string =>
  date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');

/** The query for an event data store (its id, the ARN's last part); throws on anything that is not one. */
export function buildLakeQuery(eventDataStore: string, since?: Date, until?: Date): string {
  if (!EVENT_DATA_STORE.test(eventDataStore))
    throw new Error(`"${eventDataStore}" is not an event data store id (letters, digits and -)`);
  const iamNames = ATTACH_EVENT_NAMES.map(quote).join(', ');
  const where = [
    `((eventSource = ${quote(IAM_EVENT_SOURCE)} AND eventName IN (${iamNames})) OR (eventSource = ` +
      `${quote(SSO_EVENT_SOURCE)} AND eventName = ${quote(PERMISSION_SET_ATTACH_EVENT)}))`,
    ...(since ? [`eventTime >= ${quote(lakeTime(since))}`] : []),
    ...(until ? [`eventTime < ${quote(lakeTime(until))}`] : []),
  ];
  const columns = LAKE_COLUMNS.map(([expression, alias]) => `${expression} AS ${alias}`).join(', ');
  return `SELECT ${columns} FROM ${eventDataStore} WHERE ${where.join(' AND ')}`;
}

/** One row of QueryResultRows: a list of one-column maps. */
export type LakeRow = readonly Readonly<Record<string, string>>[];

/** The CloudTrail record a Lake result row stands for. */
export function lakeRowToRecord(row: LakeRow): Record<string, unknown> {
  const cells = new Map(row.flatMap((cell) => Object.entries(cell)));
  const value = (alias: string): string | null => cells.get(alias) ?? null;
  const requestParameters = Object.fromEntries(
    REQUEST_KEYS.flatMap((key) => (value(`rp_${key}`) === null ? [] : [[key, value(`rp_${key}`)]])),
  );
  const time = value('eventTime');
  const issuer = value('session_issuer_arn');
  return {
    eventID: value('eventID'),
    // 2026-11-20 10:01:07.000 in Lake; CloudTrail's own form is 2026-11-20T10:01:07Z.
    eventTime:
      time === null
        ? null
        : /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(time)
          ? `${time.replace(' ', 'T').replace(/\.\d+$/, '')}Z`
          : time,
    eventSource: value('eventSource'),
    eventName: value('eventName'),
    awsRegion: value('awsRegion'),
    recipientAccountId: value('recipientAccountId'),
    sourceIPAddress: value('sourceIPAddress'),
    userAgent: value('userAgent'),
    errorCode: value('errorCode'),
    errorMessage: value('errorMessage'),
    requestParameters: Object.keys(requestParameters).length === 0 ? null : requestParameters,
    userIdentity: {
      type: value('identity_type'),
      arn: value('identity_arn'),
      invokedBy: value('identity_invokedby'),
      ...(issuer === null ? {} : { sessionContext: { sessionIssuer: { arn: issuer } } }),
    },
  };
}
