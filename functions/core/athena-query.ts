/**
 * The one SQL query `evaluate --athena` runs on a CloudTrail table as AWS documents it for Athena (the
 * `cloudtrail_logs` DDL: JSON SerDe, `requestparameters` a JSON string, `useridentity` a struct), and nothing else.
 * Pure: user text reaches the SQL only as a validated identifier in double quotes or as a literal in single quotes,
 * each with its quote character doubled.
 */
import { CATALOG, SEED_POLICIES } from './catalog.js';
import { IAM_EVENT_SOURCE } from './cloudtrail.js';
import { SSO_EVENT_SOURCE } from './identity-center.js';
import { ATTACH_EVENT_NAMES, PERMISSION_SET_ATTACH_EVENT, type Scope } from './types.js';

/**
 * How the table is partitioned: `timestamp`, AWS's partition-projection DDL (one `yyyy/MM/dd` string);
 * `year-month-day`, AWS's manual-partitioning DDL (`region`, `year`, `month`, `day`); `none`, a table without
 * partitions (the CloudTrail console's "Create Athena table"), where every query scans everything.
 */
export const PARTITION_LAYOUTS = ['timestamp', 'year-month-day', 'none'] as const;
export type PartitionLayout = (typeof PARTITION_LAYOUTS)[number];

export interface AthenaTable {
  readonly database: string;
  readonly table: string;
}

export interface AthenaQueryOptions {
  readonly table: AthenaTable;
  readonly scope: Scope;
  readonly layout: PartitionLayout;
  /** Inclusive, whole seconds. */
  readonly since?: Date;
  /** Exclusive, whole seconds. */
  readonly until?: Date;
  /** Keep only calls whose policy may be governed under `scope` (and every failed call). */
  readonly governedOnly: boolean;
}

/**
 * The result columns, in order: the CloudTrail field each one becomes. `useridentity` is a struct, whose text form in
 * a result is not JSON, so its four fields the reader needs are selected one by one.
 */
export const RESULT_COLUMNS = [
  ['eventid', 'eventid'],
  ['eventtime', 'eventtime'],
  ['eventsource', 'eventsource'],
  ['eventname', 'eventname'],
  ['awsregion', 'awsregion'],
  ['recipientaccountid', 'recipientaccountid'],
  ['sourceipaddress', 'sourceipaddress'],
  ['useragent', 'useragent'],
  ['errorcode', 'errorcode'],
  ['errormessage', 'errormessage'],
  ['requestparameters', 'requestparameters'],
  ['useridentity.type', 'identity_type'],
  ['useridentity.arn', 'identity_arn'],
  ['useridentity.invokedby', 'identity_invokedby'],
  ['useridentity.sessioncontext.sessionissuer.arn', 'session_issuer_arn'],
] as const;
export type ResultColumn = (typeof RESULT_COLUMNS)[number][1];

// What Glue and Athena accept as a database or table name (Athena itself advises lowercase, digits and _).
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$/;
const DAY_MS = 86_400_000;

/** `DATABASE.TABLE` → its parts; null for anything else. */
export function parseAthenaTable(text: string): AthenaTable | null {
  const parts = text.split('.');
  if (parts.length !== 2 || !parts.every((p) => NAME.test(p))) return null;
  return { database: parts[0]!, table: parts[1]! };
}

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A quoted SQL identifier. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** CloudTrail's eventTime form, `2026-11-20T10:05:00Z`: compared as text, it sorts as time does. */
export function cloudTrailTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const partitionDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '/');

/**
 * The partitions to read for [since, until): from the day of `since` through the day after the one holding the last
 * instant before `until`. CloudTrail files a log under the day it delivers it, a few minutes after the calls in it,
 * so the calls of a day's last minutes sit in the next day's partition.
 */
export function partitionRange(since: Date | undefined, until: Date | undefined): { from?: string; to?: string } {
  return {
    ...(since ? { from: partitionDay(since.getTime()) } : {}),
    ...(until ? { to: partitionDay(until.getTime() - 1 + DAY_MS) } : {}),
  };
}

function partitionFilter(layout: PartitionLayout, since: Date | undefined, until: Date | undefined): string[] {
  const { from, to } = partitionRange(since, until);
  if (layout === 'none') return [];
  if (layout === 'timestamp') {
    return [...(from ? [`"timestamp" >= ${sqlString(from)}`] : []), ...(to ? [`"timestamp" <= ${sqlString(to)}`] : [])];
  }
  // The year alone is a plain comparison Athena hands to the Glue catalog; the whole day refines it.
  const day = "concat(year, '/', month, '/', day)";
  return [
    ...(from ? [`year >= ${sqlString(from.slice(0, 4))}`, `${day} >= ${sqlString(from)}`] : []),
    ...(to ? [`year <= ${sqlString(to.slice(0, 4))}`, `${day} <= ${sqlString(to)}`] : []),
  ];
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A regular expression (JavaScript and Athena read it alike) that every policy ARN governed under `scope` matches once
 * lowercased, in any partition and at any path: the names of the scope (the catalog, or the seed ten), and for
 * `aws-iot` any name starting with AWSIoT. A superset: `decide` still checks the exact path.
 */
export function governedArnPattern(scope: Scope): string {
  const policies = scope === 'seed' ? SEED_POLICIES : CATALOG;
  const names = [...new Set(policies.map((p) => p.name.toLowerCase()))].sort().map(escapeRegex);
  const alternatives = scope === 'aws-iot' ? ['awsiot[^/]*', ...names] : names;
  return `^arn:[a-z-]+:iam::aws:policy/(.+/)?(${alternatives.join('|')})$`;
}

/** The query: attach-policy calls only, in the days asked for, oldest first. */
export function buildAthenaQuery(options: AthenaQueryOptions): string {
  const { table, since, until } = options;
  const columns = RESULT_COLUMNS.map(([expr, alias]) => (expr === alias ? expr : `${expr} AS ${alias}`));
  const iamNames = ATTACH_EVENT_NAMES.map(sqlString).join(', ');
  const where = [
    `((eventsource = ${sqlString(IAM_EVENT_SOURCE)} AND eventname IN (${iamNames})) OR ` +
      `(eventsource = ${sqlString(SSO_EVENT_SOURCE)} AND eventname = ${sqlString(PERMISSION_SET_ATTACH_EVENT)}))`,
    ...partitionFilter(options.layout, since, until),
    ...(since ? [`eventtime >= ${sqlString(cloudTrailTime(since))}`] : []),
    ...(until ? [`eventtime < ${sqlString(cloudTrailTime(until))}`] : []),
  ];
  if (options.governedOnly) {
    const policyArn =
      "coalesce(json_extract_scalar(requestparameters, '$.policyArn'), " +
      "json_extract_scalar(requestparameters, '$.managedPolicyArn'))";
    where.push(
      `(errorcode IS NOT NULL OR regexp_like(lower(${policyArn}), ${sqlString(governedArnPattern(options.scope))}))`,
    );
  }
  return [
    `SELECT ${columns.join(', ')}`,
    `FROM ${sqlIdentifier(table.database)}.${sqlIdentifier(table.table)}`,
    `WHERE ${where.join('\n  AND ')}`,
    'ORDER BY eventtime, eventid',
  ].join('\n');
}

const MB = 1024 ** 2;
const TB = 1024 ** 4;

/**
 * What Athena charges for a query that scanned `bytes`, in US dollars, at `usdPerTb` ($5 in most Regions): bytes
 * rounded up to the megabyte, 10 MB at least.
 */
export function estimateAthenaCostUsd(bytes: number, usdPerTb = 5): number {
  const billed = Math.max(Math.ceil(bytes / MB), 10) * MB;
  return (billed / TB) * usdPerTb;
}
