/** How `evaluate` and `audit` show their results: a table for people, NDJSON for programs. */
import { parsePermissionSetArn, permissionSetLabel } from '../core/identity-center.js';
import { displayPolicy, type ReportRecord } from '../core/report.js';
import type { Verdict } from '../core/types.js';
import type { Summary } from './evaluate.js';

const COLUMNS = [
  { title: 'TIME', width: 20 },
  { title: 'ACCOUNT', width: 12 },
  { title: 'PRINCIPAL', width: 28 },
  { title: 'POLICY', width: 34 },
  { title: 'ACTOR', width: 40 },
  { title: 'VERDICT', width: 14 },
  { title: 'DETAIL', width: 0 },
] as const;

/** Control characters from the input would forge rows or drive the terminal: show them as `?`. */
export function printable(value: string): string {
  return value.replace(/[\p{Cc}\u2028\u2029]/gu, '?');
}

function fitCell(raw: string, width: number): string {
  const value = printable(raw);
  if (width === 0) return value;
  return value.length > width ? `${value.slice(0, width - 1)}…` : value.padEnd(width);
}

function row(cells: readonly string[]): string {
  return cells
    .map((c, i) => fitCell(c, COLUMNS[i]?.width ?? 0))
    .join(' ')
    .trimEnd();
}

export function tableHeader(): string {
  return row(COLUMNS.map((c) => c.title));
}

// A permission set's ARN does not fit the column: its name when known (audit), else its ps- id (evaluate).
function principalCell(r: ReportRecord): string {
  const { type, name } = r.principal!;
  if (type !== 'permission-set') return `${type}/${name}`;
  return r.permissionSetName
    ? permissionSetLabel(name, r.permissionSetName)
    : (parsePermissionSetArn(name)?.id ?? name);
}

export function tableRow(r: ReportRecord): string {
  const detail =
    r.verdict === 'violation' ? `${r.action}: ${r.reason}` : r.verdict === 'allowed' ? `entry #${r.rule}` : r.reason;
  return row([
    (r.eventTime ?? '-').replace(/\.\d+Z$/, 'Z'),
    r.account ?? '-',
    r.principal ? principalCell(r) : '-',
    displayPolicy(r.policyArn),
    r.actor,
    r.verdict,
    detail,
  ]);
}

/** `1 record`, `2 records`: a count with its noun in the right number. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

const SKIPPED_LISTED = 20;

export function formatSummary(s: Summary): string {
  const v = s.verdicts;
  const origin = s.query
    ? `Athena query ${s.query.queryExecutionId} (${count(s.query.pages, 'result page')}, ` +
      `${formatBytes(s.query.bytesScanned)} scanned)`
    : `${count(s.files, 'file')} (${formatBytes(s.bytes)})`;
  const lines = [
    `${count(s.records, 'record')} read from ${origin}, ` +
      `${count(s.attachEvents, 'attach event')}, ${count(s.otherRecords, 'other record')} skipped` +
      (s.filesSkipped > 0
        ? `, ${count(s.filesSkipped, 'file')} skipped (not .json, .json.gz, .jsonl or .ndjson)`
        : '') +
      (s.digestFiles > 0 ? `, ${count(s.digestFiles, 'CloudTrail digest file')} skipped` : '') +
      (s.unrecognisedDocuments > 0 ? `, ${count(s.unrecognisedDocuments, 'document')} not CloudTrail` : ''),
    formatVerdicts(v),
  ];
  if (s.skippedPaths.length > 0) {
    // A folder of CloudTrail NDJSON named *.log holds attach events too: say which files were not read.
    lines.push(`skipped (rename or pass them on stdin to evaluate them):`);
    for (const path of s.skippedPaths.slice(0, SKIPPED_LISTED)) lines.push(printable(`  ${path}`));
    if (s.skippedPaths.length > SKIPPED_LISTED) lines.push(`  … and ${s.skippedPaths.length - SKIPPED_LISTED} more`);
  }
  if (s.problems.length > 0) {
    lines.push(`${count(s.problems.length, 'input problem')}:`);
    for (const p of s.problems.slice(0, 50)) lines.push(printable(`  ${p.source}: ${p.message}`.slice(0, 500)));
    if (s.problems.length > 50) lines.push(`  … and ${s.problems.length - 50} more`);
  }
  return lines.join('\n');
}

/** The verdict counts; `unresolved` only when there are some (permission sets an entry matches by name). */
export function formatVerdicts(v: Readonly<Record<Verdict, number>>): string {
  const unresolved =
    v.unresolved > 0 ? `, ${v.unresolved} unresolved (permission set names are not in CloudTrail: see the detail)` : '';
  return (
    `verdicts: ${v.violation} violation, ${v.allowed} allowed, ${v['not-governed']} not-governed, ` +
    `${v['failed-attempt']} failed-attempt${unresolved}`
  );
}

const UNITS = ['KB', 'MB', 'GB', 'TB', 'PB'] as const;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  let unit = 0;
  let value = n / 1024;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
