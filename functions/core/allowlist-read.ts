/**
 * Reading a person's allowlist file: YAML or JSON text → the validated document (every problem with its line) → the
 * compiled Allowlist. The CLI and the package step read allowlists this way; the deployed functions read the document
 * the deploy wrote from it (allowlist-shipped.ts) and never load this file, the schema or the YAML reader.
 */
import type { Document, LineCounter } from 'yaml';
import {
  AllowlistError,
  describePath,
  fileProblem,
  type Allowlist,
  type AllowlistDocument,
  type AllowlistPath,
} from './allowlist.js';
import { compileAllowlist } from './allowlist-compile.js';
import { validateAllowlist } from './allowlist-schema.js';
import { jsonPathKey, jsonSyntaxError, scanJson } from './json-scan.js';
import { yamlLibrary } from './yaml-library.js';

/**
 * Parses and validates allowlist text (YAML or JSON) with the strict YAML reader (duplicate keys rejected, line numbers
 * in every problem); throws AllowlistError naming every problem. Loads the `yaml` package on first use: where it is not
 * installed (the deployed functions), this throws YamlUnavailableError.
 */
export function parseAllowlist(text: string, source: string): Allowlist {
  return parseAllowlistDocument(text, source).allowlist;
}

/** parseAllowlist, also returning the validated document (what the deploy ships). */
export function parseAllowlistDocument(
  text: string,
  source: string,
): { allowlist: Allowlist; document: AllowlistDocument } {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  const body = text.replace(/^\uFEFF/, '');
  const doc = parseDocument(body, { lineCounter, uniqueKeys: true, prettyErrors: true, merge: false });
  if (doc.errors.length > 0) {
    throw new AllowlistError(
      source,
      doc.errors.map((e) => {
        const line = e.linePos?.[0]?.line ?? null;
        // The yaml library does not say which key: the line it points at does.
        const key =
          e.message.startsWith('Map keys must be unique') && line !== null
            ? /^\s*(?:-\s+)?["']?([^"':]+)["']?\s*:/.exec(body.split('\n')[line - 1] ?? '')?.[1]
            : undefined;
        const reason = key
          ? `duplicate key "${key.trim()}" in one mapping (only one value can count)`
          : (e.message.split('\n')[0] ?? '')
              .replace(/ at line \d+, column \d+:?$/, '')
              .replace('; please use YAML.parseAllDocuments()', ' (an allowlist is one document)');
        return { where: 'file', field: null, line, message: `not valid YAML or JSON: ${reason}` };
      }),
    );
  }
  let raw: unknown;
  try {
    // The alias limit keeps a "billion laughs" file from exhausting memory.
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw fileProblem(source, `not a usable allowlist: ${(error as Error).message}`);
  }
  return readAllowlistObject(raw, source, (path) => lineOf(doc, lineCounter, path));
}

/**
 * Parses and validates allowlist JSON without any YAML code: `JSON.parse`, a check that no object repeats a key
 * (`JSON.parse` would silently keep the last, e.g. of two `reason`s or two `modes` entries for one policy), then the
 * same validation as YAML, with line numbers.
 */
export function parseAllowlistJson(text: string, source: string): Allowlist {
  const body = text.replace(/^\uFEFF/, '');
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (error) {
    const { reason, line } = jsonSyntaxError(error, body);
    throw fileProblem(source, `not valid JSON: ${reason}`, line);
  }
  const { duplicates } = scanJson(body, false);
  if (duplicates.length > 0) {
    throw new AllowlistError(
      source,
      duplicates.map((d) => ({
        ...describePath(d.path, raw),
        line: d.line,
        message: `duplicate key "${String(d.path[d.path.length - 1])}" (JSON.parse would silently keep only the last)`,
      })),
    );
  }
  // Lines are only needed for a problem: found by a second pass then.
  let lines: Map<string, number> | undefined;
  return readAllowlistObject(raw, source, (path) => {
    lines ??= scanJson(body, true).lines;
    for (let depth = path.length; depth >= 0; depth--) {
      const line = lines.get(jsonPathKey(path.slice(0, depth)));
      if (line !== undefined) return line;
    }
    return null;
  }).allowlist;
}

/** Validates an already-parsed allowlist file and compiles it. */
function readAllowlistObject(
  raw: unknown,
  source: string,
  lineOfPath: (path: AllowlistPath) => number | null,
): { allowlist: Allowlist; document: AllowlistDocument } {
  const document = validateAllowlist(raw, source, lineOfPath);
  return { allowlist: compileAllowlist(document, source, lineOfPath), document };
}

function lineOf(doc: Document, counter: LineCounter, path: AllowlistPath): number | null {
  const { isNode } = yamlLibrary();
  for (let depth = path.length; depth >= 0; depth--) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}
