/**
 * How the functions read their allowlist: the file the deploy compiled and shipped in the zip (a `.json`
 * ALLOWLIST_PATH) with JSON.parse and a structural check, no schema library and no YAML reader; any other file, in
 * local runs only, with the full reader (allowlist-file.ts: zod, the YAML parser).
 *
 * The full reader is imported by a name esbuild does not follow (not a string literal), so the functions' bundles
 * leave it out: it could not run in the zip, which has no yaml package, and as a chunk of its own it shared modules
 * with the cold start's, which split those into more files to load (docs/cold-start.md).
 */
import { readFileSync } from 'node:fs';
import { fileProblem, type Allowlist } from '../core/allowlist.js';
import { readShippedAllowlist } from '../core/allowlist-shipped.js';
import { YamlUnavailableError } from '../core/yaml-library.js';

type FullReader = typeof import('./allowlist-file.js');
const FULL_READER = './allowlist-file.js';

/** Reads the allowlist at `path` (throws AllowlistError, YamlUnavailableError where a YAML file cannot be read). */
export async function loadFunctionAllowlist(path: string): Promise<Allowlist> {
  if (/\.json$/i.test(path)) return readShippedAllowlist(readAllowlistText(path), path);
  return (await fullReader()).loadAllowlistFile(path);
}

/** An allowlist file's text; a file that cannot be read is an AllowlistError naming it. */
export function readAllowlistText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw fileProblem(path, `cannot read: ${reason}`);
  }
}

async function fullReader(): Promise<FullReader> {
  try {
    return (await import(FULL_READER)) as FullReader;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new YamlUnavailableError(
      'this bundle has no YAML allowlist reader: the deployed functions read the allowlist the deploy compiles to JSON',
      { cause: error },
    );
  }
}
