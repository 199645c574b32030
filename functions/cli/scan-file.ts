/**
 * Reads one CloudTrail file down to its attach calls and counts: the unit of work `evaluate` hands to its worker
 * threads (scan-worker.ts), or runs in the main thread. The result is small (counts, problems, the attach calls), so
 * it crosses threads cheaply, and the decision against the allowlist stays in the main thread.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { quickScan } from '../core/quick-scan.js';
import type { AttachEvent } from '../core/types.js';
import { attachEventsIn, emptyTally, readRecord, type Tally } from './read-documents.js';
import { describeFsError, readStream, readText, type SourceItem } from './json-stream.js';

export interface FileScan {
  /** Set when the file was read to its end: its inflated size, and whether the fast path counted it. */
  readonly file: { readonly bytes: number; readonly quick: boolean } | null;
  readonly tally: Tally;
  readonly attach: readonly { readonly event: AttachEvent; readonly source: string }[];
}

export interface ScanOptions {
  /** false: parse every file (`evaluate --parse-all`). */
  readonly quick: boolean;
}

// A file up to this size (compressed and inflated) is read whole, which lets the fast path look at it; a bigger one
// is streamed as before, a line at a time.
const WHOLE_FILE_LIMIT = 64 * 2 ** 20;

export async function scanFile(path: string, options: ScanOptions): Promise<FileScan> {
  const whole = await readWhole(path);
  if (whole.kind === 'error') return failed(path, whole.message);
  if (whole.kind === 'too-big') return collect(readStream(path, createReadStream(path, { highWaterMark: 1 << 20 })));
  if (options.quick) {
    const quick = quickRead(path, whole.bytes);
    if (quick !== null) return quick;
  }
  return collect(readText(path, [whole.bytes]));
}

/**
 * The fast path: the records quickScan names as possible attach calls are parsed one by one, the others only
 * counted. Null (read the whole file instead) when the file is not a plain log file or a named record does not parse.
 */
function quickRead(path: string, bytes: Buffer): FileScan | null {
  const quick = quickScan(bytes);
  if (quick.kind === 'parse') return null;
  const tally = emptyTally();
  // The records not named cannot be attach calls: counted as the full reader would count them, as other records.
  tally.records = tally.otherRecords = quick.records - quick.candidates.length;
  const attach: { event: AttachEvent; source: string }[] = [];
  for (const [start, end] of quick.candidates) {
    let record: unknown;
    try {
      record = JSON.parse(bytes.toString('utf8', start, end));
    } catch {
      return null;
    }
    const event = readRecord(record, null, path, tally);
    if (event) attach.push({ event, source: path });
  }
  return { file: { bytes: bytes.length, quick: true }, tally, attach };
}

type Whole = { kind: 'bytes'; bytes: Buffer } | { kind: 'too-big' } | { kind: 'error'; message: string };

async function readWhole(path: string): Promise<Whole> {
  let raw: Buffer;
  try {
    if ((await stat(path)).size > WHOLE_FILE_LIMIT) return { kind: 'too-big' };
    raw = await readFile(path);
  } catch (error) {
    return { kind: 'error', message: describeFsError(error) };
  }
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return { kind: 'bytes', bytes: raw };
  try {
    return { kind: 'bytes', bytes: gunzipSync(raw, { maxOutputLength: WHOLE_FILE_LIMIT }) };
  } catch {
    // Too big inflated, or corrupt: the stream reads what it can and names the problem as it always has.
    return { kind: 'too-big' };
  }
}

function failed(source: string, message: string): FileScan {
  const tally = emptyTally();
  tally.problems.push({ source, message });
  return { file: null, tally, attach: [] };
}

/** Runs the documents of one file through the reader, as `evaluate` does for stdin. */
async function collect(items: AsyncIterable<SourceItem>): Promise<FileScan> {
  const tally = emptyTally();
  const attach: { event: AttachEvent; source: string }[] = [];
  let file: FileScan['file'] = null;
  for await (const item of items) {
    if (item.kind === 'document') {
      for (const event of attachEventsIn(item.doc, item.source, tally)) attach.push({ event, source: item.source });
    } else if (item.kind === 'error') {
      tally.problems.push({ source: item.source, message: item.message });
    } else if (item.kind === 'file') {
      file = { bytes: item.bytes, quick: false };
    }
  }
  return { file, tally, attach };
}
