/**
 * `evaluate --athena`'s flags, checked and turned into the query before anything is sent (evaluate-athena.ts runs
 * it). Kept apart from the Athena client so that evaluating files never loads it.
 */
import {
  buildAthenaQuery,
  parseAthenaTable,
  type AthenaQueryOptions,
  type PartitionLayout,
} from '../core/athena-query.js';
import type { Scope } from '../core/types.js';
import { UsageError } from './common.js';

export interface AthenaFlags {
  athena?: string;
  workgroup?: string;
  output?: string;
  since?: string;
  until?: string;
  partitions?: PartitionLayout;
  governedOnly?: boolean;
}

export interface AthenaRequest {
  readonly query: AthenaQueryOptions;
  readonly sql: string;
  readonly workgroup?: string;
  readonly outputLocation?: string;
}

const WORKGROUP = /^[A-Za-z0-9._-]{1,128}$/;
const S3_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/;
const ATHENA_ONLY = ['workgroup', 'output', 'since', 'until', 'partitions', 'governedOnly'] as const;
const FLAG: Record<(typeof ATHENA_ONLY)[number], string> = {
  workgroup: '--workgroup',
  output: '--output',
  since: '--since',
  until: '--until',
  partitions: '--partitions',
  governedOnly: '--governed-only',
};

/** Checks the Athena flags and builds the query; throws UsageError naming the flag at fault. */
export function athenaRequest(
  flags: AthenaFlags,
  scope: Scope,
  parseTime: (flag: string, value: string) => Date,
): AthenaRequest | null {
  if (flags.athena === undefined) {
    const stray = ATHENA_ONLY.find((k) => flags[k] !== undefined);
    if (stray) throw new UsageError(`${FLAG[stray]} works only with --athena DATABASE.TABLE`);
    return null;
  }
  const table = parseAthenaTable(flags.athena);
  if (!table) {
    throw new UsageError(
      `--athena "${flags.athena}" is not DATABASE.TABLE (letters, digits, _ and -, e.g. default.cloudtrail_logs)`,
    );
  }
  if (flags.workgroup !== undefined && !WORKGROUP.test(flags.workgroup)) {
    throw new UsageError(
      `--workgroup "${flags.workgroup}" is not an Athena workgroup name (letters, digits, . _ and -)`,
    );
  }
  if (flags.output !== undefined && !S3_URL.test(flags.output)) {
    throw new UsageError(
      `--output "${flags.output}" is not an S3 location such as s3://my-athena-results/iot-policy-guard/`,
    );
  }
  const since = flags.since === undefined ? undefined : parseTime('--since', flags.since);
  const until = flags.until === undefined ? undefined : parseTime('--until', flags.until);
  for (const [flag, date] of [
    ['--since', since],
    ['--until', until],
  ] as const) {
    if (date && date.getUTCMilliseconds() !== 0)
      throw new UsageError(`${flag} must be a whole second (CloudTrail records times to the second)`);
  }
  if (since && until && since >= until)
    throw new UsageError(`--since ${flags.since} is not before --until ${flags.until}`);
  const query: AthenaQueryOptions = {
    table,
    scope,
    layout: flags.partitions ?? 'timestamp',
    governedOnly: flags.governedOnly === true,
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
  return {
    query,
    sql: buildAthenaQuery(query),
    ...(flags.workgroup === undefined ? {} : { workgroup: flags.workgroup }),
    ...(flags.output === undefined ? {} : { outputLocation: flags.output }),
  };
}
