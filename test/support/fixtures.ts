/** Real-shaped CloudTrail fixtures, loaded fresh (a structured clone) for every test that asks. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURE_DIR = 'test/fixtures/events';

const cache = new Map<string, unknown>();

/** The parsed fixture `test/fixtures/events/<name>.json`, cloned so a test may change it. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  if (!cache.has(name)) cache.set(name, JSON.parse(readFileSync(join(FIXTURE_DIR, `${name}.json`), 'utf8')));
  return structuredClone(cache.get(name)) as T;
}

/** Every fixture name (file name without .json). */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/**
 * A CloudTrail record as EventBridge delivers it: the `AWS API Call via CloudTrail` envelope AWS builds around it
 * (source from its eventSource, account = recipientAccountId, time = eventTime), which is all attach-guard accepts.
 */
export function delivered(
  record: Record<string, unknown>,
  id = 'c5e2b1a0-1d2e-4f3a-9b8c-7d6e5f4a3b2c',
): Record<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': 'AWS API Call via CloudTrail',
    source: record.eventSource === 'sso.amazonaws.com' ? 'aws.sso' : 'aws.iam',
    account: record.recipientAccountId,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}

/** The delivery as if the call had just been made (its envelope `time` and `eventTime` now): not stale. */
export function fresh<T>(event: T, at: Date = new Date()): T {
  const e = event as { time?: string; detail: Record<string, unknown> };
  e.time = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  e.detail.eventTime = e.time;
  return event;
}
