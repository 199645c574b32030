/** Reading an allowlist from disk: the one place the CLI and the functions turn a path into an Allowlist. */
import { readFileSync } from 'node:fs';
import { AllowlistError, parseAllowlistDocument, parseAllowlistJson, type Allowlist, type AllowlistDocument } from '../core/allowlist.js';

/**
 * Reads and validates an allowlist file, YAML or JSON, with the strict YAML reader (duplicate keys rejected, line
 * numbers in every problem); throws AllowlistError (also for a file that cannot be read). The CLI and the package-time
 * checks read allowlists this way.
 */
export function loadAllowlistFile(path: string): Allowlist {
  return loadAllowlistDocument(path).allowlist;
}

/** loadAllowlistFile, also returning the validated document (what the deploy ships as JSON). */
export function loadAllowlistDocument(path: string): { allowlist: Allowlist; document: AllowlistDocument } {
  return parseAllowlistDocument(readAllowlistText(path), path);
}

/**
 * Reads an allowlist the way the functions do: a `.json` file (the deploy ships the allowlist compiled to JSON) with
 * `JSON.parse` and no YAML code, duplicate keys still rejected; any other file with the YAML reader, whose package is
 * loaded on first use and is not in the deployed bundle (YamlUnavailableError there).
 */
export function loadFunctionAllowlist(path: string): Allowlist {
  const text = readAllowlistText(path);
  return /\.json$/i.test(path) ? parseAllowlistJson(text, path) : parseAllowlistDocument(text, path).allowlist;
}

function readAllowlistText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new AllowlistError(path, [{ where: 'file', field: null, line: null, message: `cannot read: ${reason}` }]);
  }
}
