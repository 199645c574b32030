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
