/**
 * The backtest's fast path: most CloudTrail records are not attach calls, and parsing them is most of the cost of
 * reading an archive. From a log file's bytes, this finds the records that can be attach calls, so that only those
 * are parsed, and counts the rest without parsing them. Every doubt answers "parse the file": the caller then reads
 * it the full way.
 */
import { ATTACH_EVENT_NAMES, PERMISSION_SET_ATTACH_EVENT } from './types.js';

// CloudTrail writes a log file as exactly this, on one line: `{"Records":[...]}`.
const PREFIX = Buffer.from('{"Records":[');
// Every event name the reader acts on starts with this.
const STEM = Buffer.from('Attach');
const TAILS: readonly Buffer[] = [...ATTACH_EVENT_NAMES, PERMISSION_SET_ATTACH_EVENT].map((name) =>
  Buffer.from(name.slice(STEM.length)),
);
const ESCAPE_U = Buffer.from('\\u');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_LIST = 0x5b;
const CLOSE_LIST = 0x5d;
const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export type QuickScan =
  /**
   * A log file of `records` records, of which only those between the offsets in `candidates` ([start, end) pairs
   * of one record each) can be attach calls; every other record is not one.
   */
  | { readonly kind: 'records'; readonly records: number; readonly candidates: readonly (readonly [number, number])[] }
  /** Not the exact shape CloudTrail writes: parse the whole file. */
  | { readonly kind: 'parse'; readonly reason: 'not-a-log-file' | 'dense' | 'irregular' };

// More than one hit per this many bytes (about two records) in a file of some size, and parsing records one by one
// would cost more than parsing the file whole: a file with a `\u` escape in every record, or of nothing but attach
// calls. Measured on the benchmark archive with a `\u` in every record: 669 ms one by one, 437 ms whole.
const DENSE_HIT_BYTES = 4096;
const DENSE_MIN_BYTES = 256 * 1024;

/**
 * Splits one (inflated) log file into records without parsing them, and names the ones that can be attach calls.
 *
 * It is safe because JSON can spell a letter only as itself or as a `\u` escape: a record with no `\u` and none of
 * the attach event names as raw bytes cannot have one of them as its eventName. A record is found by following
 * strings and brackets; anything but the shape CloudTrail writes (the Records list as the only key, values between
 * commas, brackets balanced, nothing after) is sent to the full parse, which gives the exact error.
 */
export function quickScan(bytes: Uint8Array): QuickScan {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < PREFIX.length + 2 || !buffer.subarray(0, PREFIX.length).equals(PREFIX)) {
    return { kind: 'parse', reason: 'not-a-log-file' };
  }
  const found = hits(buffer);
  if (buffer.length >= DENSE_MIN_BYTES && found.length * DENSE_HIT_BYTES > buffer.length)
    return { kind: 'parse', reason: 'dense' };
  const split = splitRecords(buffer, found);
  return split === null ? { kind: 'parse', reason: 'irregular' } : { kind: 'records', ...split };
}

/** The offsets, in order, of every attach event name and every `\u` in the file: few in a typical file. */
function hits(buffer: Buffer): number[] {
  const found: number[] = [];
  for (let at = buffer.indexOf(STEM); at >= 0; at = buffer.indexOf(STEM, at + 1)) {
    // `Attach` also starts ListAttachedRolePolicies and friends: only the attach calls' names count.
    const rest = at + STEM.length;
    const named = (tail: Buffer): boolean =>
      rest + tail.length <= buffer.length && buffer.compare(tail, 0, tail.length, rest, rest + tail.length) === 0;
    if (TAILS.some(named)) found.push(at);
  }
  for (let at = buffer.indexOf(ESCAPE_U); at >= 0; at = buffer.indexOf(ESCAPE_U, at + 1)) found.push(at);
  return found.sort((a, b) => a - b);
}

/**
 * Walks the Records list: counts its elements, and returns the ranges of those holding a hit. Null when the file is
 * not exactly `{"Records":[…]}` with values between commas and balanced brackets outside strings.
 */
function splitRecords(
  buffer: Buffer,
  hitOffsets: readonly number[],
): { records: number; candidates: [number, number][] } | null {
  const end = buffer.length;
  const candidates: [number, number][] = [];
  let depth = 2; // inside the object and its Records list
  let records = 0;
  let from = PREFIX.length; // just after the `[` or the comma before the current element
  let nextHit = 0;
  let i = from;
  // The hot loop: most bytes are inside strings; everything else waits for a comma of the list.
  for (; i < end; i++) {
    const c = buffer[i]!;
    if (c === QUOTE) {
      // Skip the string: a backslash escapes the next byte, whatever it is.
      for (i++; i < end; i++) {
        const s = buffer[i]!;
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
      if (i >= end) return null;
    } else if (c === OPEN_OBJECT || c === OPEN_LIST) {
      depth++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_LIST) {
      if (--depth < 2) break; // the Records list closed (or a bracket did not match)
    } else if (c === COMMA && depth === 2) {
      const start = valueStart(buffer, from, i);
      if (start < 0) return null; // `[,` or `,,`
      records++;
      if (nextHit < hitOffsets.length && hitOffsets[nextHit]! < i) {
        candidates.push([start, i]);
        while (nextHit < hitOffsets.length && hitOffsets[nextHit]! < i) nextHit++;
      }
      from = i + 1;
    }
  }
  // The list must close with `]` after a value (or hold none at all), then the object with `}`, then only space.
  if (i >= end || buffer[i] !== CLOSE_LIST) return null;
  const start = valueStart(buffer, from, i);
  if (start >= 0) {
    records++;
    if (nextHit < hitOffsets.length) candidates.push([start, i]);
  } else if (records > 0) {
    return null; // a trailing comma
  }
  for (i++; i < end && isSpace(buffer[i]); i++);
  if (buffer[i] !== CLOSE_OBJECT) return null;
  for (i++; i < end; i++) if (!isSpace(buffer[i])) return null;
  return { records, candidates };
}

/** Where the value between `from` and `to` starts, past white space; -1 when there is only white space. */
function valueStart(buffer: Buffer, from: number, to: number): number {
  let at = from;
  while (at < to && isSpace(buffer[at])) at++;
  return at < to ? at : -1;
}
