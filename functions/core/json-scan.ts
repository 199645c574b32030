/**
 * What `JSON.parse` does not tell: which keys an object repeats (it silently keeps the last) and on which line each
 * value starts. One pass over text that JSON.parse has already accepted, so it needs no error handling of its own.
 */

/** A value's path as zod reports paths: keys as strings, array indices as numbers. */
export type JsonPath = PropertyKey[];

export interface JsonScan {
  /** The line each value starts on (only with `recordLines`), keyed by jsonPathKey of its path. */
  readonly lines: Map<string, number>;
  /** Every key an object repeats: its path and the line of the repeat. */
  readonly duplicates: { path: JsonPath; line: number }[];
}

/** The key of a path in JsonScan.lines. */
export const jsonPathKey = (path: readonly PropertyKey[]): string =>
  JSON.stringify(path.map((p) => (typeof p === 'number' ? p : String(p))));

/** Scans JSON text that JSON.parse has accepted; `recordLines` also records the line of every value. */
export function scanJson(text: string, recordLines: boolean): JsonScan {
  interface Frame {
    readonly path: JsonPath;
    readonly keys: Set<string> | null; // null: an array
    index: number;
    key: string | null;
  }
  const lines = new Map<string, number>();
  const duplicates: { path: JsonPath; line: number }[] = [];
  const stack: Frame[] = [];
  let line = 1;
  // The path of the value starting here, recorded once per value.
  const valuePath = (): JsonPath => {
    const top = stack[stack.length - 1];
    if (!top) return [];
    return [...top.path, top.keys === null ? top.index : (top.key ?? '')];
  };
  const startValue = (): JsonPath => {
    const path = valuePath();
    if (recordLines) {
      const key = jsonPathKey(path);
      if (!lines.has(key)) lines.set(key, line);
    }
    return path;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    else if (c === '{' || c === '[')
      stack.push({ path: startValue(), keys: c === '{' ? new Set() : null, index: 0, key: null });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys === null) top.index++;
      else if (top) top.key = null;
    } else if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys && top.key === null) {
        // A key: JSON.parse compares keys after unescaping, so must this.
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        top.key = key;
        if (top.keys.has(key)) duplicates.push({ path: [...top.path, key], line });
        top.keys.add(key);
      }
      if (recordLines) startValue();
      i = end;
    } else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== ':') {
      // A number, true, false or null: nothing to record but its line.
      if (recordLines) startValue();
      while (i + 1 < text.length && /[\w.+-]/.test(text[i + 1] ?? '')) i++;
    }
  }
  return { lines, duplicates };
}

/** Why JSON.parse refused a text, and on which line where V8's message gives a position. */
export function jsonSyntaxError(error: unknown, text: string): { reason: string; line: number | null } {
  const message = (error as Error).message;
  const at = /at position (\d+)/.exec(message);
  const line = at ? lineAt(text, Number(at[1])) : null;
  // V8 names a position (Node 22 adds line and column), or quotes a snippet of the text, which may span lines.
  const reason = message
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/ after JSON at position \d+.*$/s, ' after the end')
    .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '');
  return { reason, line };
}

/** The 1-based line of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
