/** Reading an allowlist file a person wrote: where the CLI and the package step turn a path into an Allowlist. */
import type { Allowlist, AllowlistDocument } from '../core/allowlist.js';
import { parseAllowlistDocument } from '../core/allowlist-read.js';
import { looksShipped, readShippedAllowlistDocument } from '../core/allowlist-shipped.js';
import { readAllowlistText } from './function-allowlist.js';

/**
 * Reads and validates an allowlist file, YAML or JSON, with the strict YAML reader (duplicate keys rejected, line
 * numbers in every problem); throws AllowlistError (also for a file that cannot be read). The CLI and the package-time
 * checks read allowlists this way; the functions do only in local runs (function-allowlist.ts).
 */
export function loadAllowlistFile(path: string): Allowlist {
  return loadAllowlistDocument(path).allowlist;
}

/**
 * loadAllowlistFile, also returning the validated document (what the deploy ships). A compiled allowlist the deploy
 * wrote (`.build/…json`) reads as the functions read it: what they run with can be checked and evaluated as well.
 */
export function loadAllowlistDocument(path: string): { allowlist: Allowlist; document: AllowlistDocument } {
  const text = readAllowlistText(path);
  return /\.json$/i.test(path) && looksShipped(text)
    ? readShippedAllowlistDocument(text, path)
    : parseAllowlistDocument(text, path);
}
