/**
 * The sweep's heartbeat alarm (infra/tamper.yml) fires when no run has completed for two schedule periods. Its period
 * is derived here, at package time, from the `sweepSchedule` parameter: a `rate(...)`'s interval, or the longest gap
 * between two runs of a `cron(...)` over a year (so a weekday schedule's weekend counts).
 */
import { StageParamError, checkSweepSchedule } from './stage-params.js';

/** Evaluation periods of the heartbeat alarm: no completed run in two periods in a row. */
export const HEARTBEAT_PERIODS = 2;
/** CloudWatch: Period x EvaluationPeriods at most 7 days (at most 1 day for a period under an hour). */
const MAX_EVALUATION_SECONDS = 7 * 86_400;

const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/**
 * The heartbeat alarm's period in seconds (a multiple of 60) for a sweepSchedule; throws StageParamError if none fits.
 */
export function heartbeatPeriodSeconds(schedule: unknown): number {
  const text = checkSweepSchedule(schedule);
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(text);
  const period = rate ? Number(rate[1]) * (UNIT_SECONDS[rate[2] ?? ''] ?? 0) : longestCronGapSeconds(text);
  if (period * HEARTBEAT_PERIODS > MAX_EVALUATION_SECONDS) {
    throw new StageParamError(
      `--param="sweepSchedule=${text}": the sweep's heartbeat alarm watches ${HEARTBEAT_PERIODS} schedule ` +
        'periods and CloudWatch evaluates at most 7 days, so the sweep must run at least every 3.5 days; ' +
        `this schedule leaves ${Math.round(period / 3600)} hours between runs`,
    );
  }
  return period;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The longest gap between two consecutive runs of an EventBridge cron expression, in seconds, over 2027 and beyond. */
function longestCronGapSeconds(expression: string): number {
  const [minutes, hours, dom, month, dow] = expression.slice('cron('.length, -1).split(' ');
  const sets = {
    minute: values(minutes, 0, 59, [], expression),
    hour: values(hours, 0, 23, [], expression),
    dom: dom === '?' ? null : values(dom, 1, 31, [], expression),
    month: values(month, 1, 12, MONTHS, expression),
    dow: dow === '?' ? null : values(dow, 1, 7, DAYS, expression),
  };
  // Minute by minute over 400 days from a Friday, 1 January 2027, UTC: every weekly and yearly pattern repeats in it.
  const start = Date.UTC(2027, 0, 1);
  let previous: number | null = null;
  let longest = 0;
  for (let t = start; t < start + 400 * 86_400_000; t += 60_000) {
    const d = new Date(t);
    if (!sets.minute.has(d.getUTCMinutes()) || !sets.hour.has(d.getUTCHours()) || !sets.month.has(d.getUTCMonth() + 1))
      continue;
    if (sets.dom && !sets.dom.has(d.getUTCDate())) continue;
    if (sets.dow && !sets.dow.has(d.getUTCDay() + 1)) continue;
    if (previous !== null) longest = Math.max(longest, t - previous);
    previous = t;
  }
  if (longest === 0)
    throw new StageParamError(
      `--param="sweepSchedule=${expression}": runs less than twice a year, which no heartbeat alarm can watch`,
    );
  return longest / 1000;
}

/** The values a cron field allows: `*`, `N`, `A-B`, `*\/S`, `A/S`, `A-B/S`, lists, and month or day names. */
function values(
  field: string | undefined,
  min: number,
  max: number,
  names: readonly string[],
  expression: string,
): Set<number> {
  const number = (token: string): number => {
    const named = names.indexOf(token.toUpperCase());
    const n = named >= 0 ? named + 1 : /^\d+$/.test(token) ? Number(token) : Number.NaN;
    if (!(n >= min && n <= max)) {
      throw new StageParamError(
        `--param="sweepSchedule=${expression}": cannot derive the heartbeat alarm's period from ` +
          `"${field}" (L, W and # are not supported here); use rate(...) or a cron of numbers, ranges, lists ` +
          'and steps',
      );
    }
    return n;
  };
  const out = new Set<number>();
  for (const part of (field ?? '*').split(',')) {
    const [range = '*', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : number(stepText) || 1;
    const [from, to] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? range.split('-').map(number)
          : [number(range), stepText === undefined ? number(range) : max];
    for (let v = from ?? min; v <= (to ?? max); v += step) out.add(v);
  }
  return out;
}
