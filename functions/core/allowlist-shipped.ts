/**
 * The allowlist as the deploy ships it to the functions: the document the package step validated (defaults filled
 * in), wrapped with its format, format version, the file it was compiled from, and the SHA-256 of the document.
 *
 * The functions read it with JSON.parse and a structural check, then compile its matchers (allowlist-compile.ts): no
 * schema library and no YAML reader at cold start. Anything else, a file of another format version, one changed after
 * packaging (its checksum no longer matches), or a truncated one, is refused whole: the functions never act on an
 * allowlist they cannot trust.
 */
import { createHash } from 'node:crypto';
import { fileProblem, type Allowlist, type AllowlistDocument } from './allowlist.js';
import { compileAllowlist } from './allowlist-compile.js';
import { jsonSyntaxError } from './json-scan.js';
import { SCOPES } from './types.js';

export const SHIPPED_ALLOWLIST_FORMAT = 'iot-policy-guard/compiled-allowlist';
/** Raised whenever the shipped document's shape changes, so that a function never reads a file of another shape. */
export const SHIPPED_ALLOWLIST_VERSION = 1;

/** What the deploy writes (one JSON object). */
export interface ShippedAllowlist {
  readonly format: typeof SHIPPED_ALLOWLIST_FORMAT;
  readonly formatVersion: typeof SHIPPED_ALLOWLIST_VERSION;
  /** The allowlist file it was compiled from, relative to the service directory, e.g. infra/allowlist.yml. */
  readonly compiledFrom: string;
  /** SHA-256 (hex) of the document as JSON.stringify writes it. */
  readonly sha256: string;
  readonly document: AllowlistDocument;
}

const REPACKAGE = 'the deploy writes this file from the allowlist: change that and package again, never this file';
const MODES: readonly string[] = ['alert', 'remediate'];
const ENTRY_FIELDS: Readonly<Record<string, 'required' | 'optional'>> = {
  policy: 'required',
  principal: 'required',
  account: 'optional',
  attachedBy: 'optional',
  expires: 'optional',
  reason: 'required',
  ticket: 'optional',
};

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The text of the shipped allowlist for a validated document. */
export function renderShippedAllowlist(document: AllowlistDocument, compiledFrom: string): string {
  const shipped: ShippedAllowlist = {
    format: SHIPPED_ALLOWLIST_FORMAT,
    formatVersion: SHIPPED_ALLOWLIST_VERSION,
    compiledFrom,
    sha256: sha256(JSON.stringify(document)),
    document,
  };
  return `${JSON.stringify(shipped, null, 2)}\n`;
}

/** Whether `text` says it is a shipped allowlist (renderShippedAllowlist writes `format` first): cheap, no parse. */
export function looksShipped(text: string): boolean {
  return text.trimStart().startsWith(`{\n  "format": ${JSON.stringify(SHIPPED_ALLOWLIST_FORMAT)}`);
}

/** Reads a shipped allowlist (`file` names it in every problem); throws AllowlistError for anything but one. */
export function readShippedAllowlist(text: string, file: string): Allowlist {
  return readShippedAllowlistDocument(text, file).allowlist;
}

/** readShippedAllowlist, also returning the document. */
export function readShippedAllowlistDocument(
  text: string,
  file: string,
): { allowlist: Allowlist; document: AllowlistDocument } {
  let shipped: unknown;
  try {
    shipped = JSON.parse(text);
  } catch (error) {
    const { reason, line } = jsonSyntaxError(error, text);
    throw fileProblem(
      file,
      `not a compiled allowlist: not valid JSON (${reason}), truncated or edited? ${REPACKAGE}`,
      line,
    );
  }
  if (!isRecord(shipped) || shipped.format !== SHIPPED_ALLOWLIST_FORMAT) {
    throw fileProblem(file, `not a compiled allowlist: no "format": "${SHIPPED_ALLOWLIST_FORMAT}"; ${REPACKAGE}`);
  }
  if (shipped.formatVersion !== SHIPPED_ALLOWLIST_VERSION) {
    throw fileProblem(
      file,
      `a compiled allowlist of format version ${JSON.stringify(shipped.formatVersion)}, but this code reads version ` +
        `${SHIPPED_ALLOWLIST_VERSION}; ${REPACKAGE}`,
    );
  }
  const { document } = shipped;
  if (typeof shipped.sha256 !== 'string' || sha256(JSON.stringify(document) ?? '') !== shipped.sha256) {
    throw fileProblem(
      file,
      `the compiled allowlist was changed after packaging (its document does not match its sha256); ${REPACKAGE}`,
    );
  }
  const wrong = documentProblem(document);
  if (wrong !== null) throw fileProblem(file, `not a compiled allowlist: ${wrong}; ${REPACKAGE}`);
  return { allowlist: compileAllowlist(document as AllowlistDocument, file), document: document as AllowlistDocument };
}

/** What keeps `value` from being an AllowlistDocument, or null: the shape only; compiling checks the values. */
function documentProblem(value: unknown): string | null {
  if (!isRecord(value)) return 'document: expected an object';
  const extra = Object.keys(value).find((k) => !['version', 'mode', 'scope', 'modes', 'allow'].includes(k));
  if (extra !== undefined) return `document.${extra}: not a field of an allowlist`;
  if (value.version !== 1) return 'document.version: expected 1';
  if (!MODES.includes(value.mode as string)) return `document.mode: expected one of ${MODES.join(', ')}`;
  if (!(SCOPES as readonly unknown[]).includes(value.scope))
    return `document.scope: expected one of ${SCOPES.join(', ')}`;
  if (!isRecord(value.modes)) return 'document.modes: expected an object';
  const badMode = Object.keys(value.modes).find(
    (k) => !MODES.includes((value.modes as Record<string, unknown>)[k] as string),
  );
  if (badMode !== undefined) return `document.modes.${badMode}: expected one of ${MODES.join(', ')}`;
  if (!Array.isArray(value.allow)) return 'document.allow: expected an array';
  for (const [index, entry] of value.allow.entries()) {
    if (!isRecord(entry)) return `document.allow[${index}]: expected an object`;
    for (const [field, need] of Object.entries(ENTRY_FIELDS)) {
      if (typeof entry[field] !== 'string' && (need === 'required' || entry[field] !== undefined))
        return `document.allow[${index}].${field}: expected a string`;
    }
    const extraField = Object.keys(entry).find((k) => !Object.hasOwn(ENTRY_FIELDS, k));
    if (extraField !== undefined) return `document.allow[${index}].${extraField}: not a field of an allowlist entry`;
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
