/**
 * How the functions read their allowlist: the file the deploy compiled and shipped in the zip (a `.json`
 * ALLOWLIST_PATH) with JSON.parse and a structural check, no schema library and no YAML reader; any other file, in
 * local runs only, with the full reader (allowlist-file.ts), loaded by import() on first use so that it stays out of
 * the cold start (a chunk of its own in the bundle).
 */
import { readFileSync } from 'node:fs';
import { fileProblem, type Allowlist } from '../core/allowlist.js';
import { readShippedAllowlist } from '../core/allowlist-shipped.js';

/** Reads the allowlist at `path` (throws AllowlistError, YamlUnavailableError where a YAML file cannot be read). */
export async function loadFunctionAllowlist(path: string): Promise<Allowlist> {
  if (/\.json$/i.test(path)) return readShippedAllowlist(readAllowlistText(path), path);
  const { loadAllowlistFile } = await import('./allowlist-file.js');
  return loadAllowlistFile(path);
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
