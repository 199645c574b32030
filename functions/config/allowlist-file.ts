/** Reading an allowlist from disk: the one place the CLI and the functions turn a path into an Allowlist. */
import { readFileSync } from 'node:fs';
import { AllowlistError, parseAllowlist, type Allowlist } from '../core/allowlist.js';

/** Reads and validates an allowlist file; throws AllowlistError (also for a file that cannot be read). */
export function loadAllowlistFile(path: string): Allowlist {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new AllowlistError(path, [{ where: 'file', field: null, line: null, message: `cannot read: ${reason}` }]);
  }
  return parseAllowlist(text, path);
}
