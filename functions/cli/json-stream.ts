/**
 * Bytes to JSON documents, with memory kept flat: plain or gzipped (told by the magic number), one JSON document,
 * newline-delimited JSON, or one document spread over many lines. Read in chunks and parsed a line at a time; only a
 * pretty-printed multi-line document is held whole.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { FileScan } from './scan-file.js';

export type SourceItem =
  | { readonly kind: 'document'; readonly source: string; readonly doc: unknown }
  | { readonly kind: 'file'; readonly source: string; readonly bytes: number }
  /** A whole file, read by a FileReader: its counts, problems and attach calls. */
  | { readonly kind: 'scanned'; readonly source: string; readonly scan: FileScan }
  | { readonly kind: 'skipped'; readonly source: string }
  | { readonly kind: 'error'; readonly source: string; readonly message: string }
  /** `evaluate --athena`: the query the documents came from, once all its rows have been read. */
  | {
      readonly kind: 'query';
      readonly source: string;
      readonly queryExecutionId: string;
      readonly bytesScanned: number;
      readonly pages: number;
    };

// V8 cannot hold a string much longer than this: a bigger single document must come as NDJSON.
const MAX_DOCUMENT_CHARS = 500_000_000;

/** Parses one byte stream (gzip detected by its magic number) into documents. */
export function readStream(source: string, input: Readable): AsyncGenerator<SourceItem> {
  return readText(source, decompress(input));
}

/** Parses bytes already inflated into documents: one JSON document, NDJSON, or one document over many lines. */
export async function* readText(
  source: string,
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
): AsyncGenerator<SourceItem> {
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  // The unfinished line, in pieces joined once when its newline arrives. Appending to one string and searching it
  // would flatten the whole line on every chunk: quadratic in the line, and CloudTrail writes a log file as one line.
  let pieces: string[] = [];
  let lineNumber = 0;
  let whole: string[] | null = null; // set once the file turns out to be one multi-line document
  let wholeChars = 0;
  let firstLine = true;
  try {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      const textChunk = decoder.write(chunk);
      if (whole) {
        wholeChars += textChunk.length;
        if (wholeChars > MAX_DOCUMENT_CHARS)
          throw new Error('a single multi-line JSON document over 500 MB: convert it to NDJSON');
        whole.push(textChunk);
        continue;
      }
      let start = 0;
      for (let newline = textChunk.indexOf('\n'); !whole && newline >= 0; newline = textChunk.indexOf('\n', start)) {
        pieces.push(textChunk.slice(start, newline));
        const line = pieces.join('');
        pieces = [];
        start = newline + 1;
        lineNumber++;
        if (line.trim() === '') continue;
        const parsed = tryParse(line);
        if (parsed.ok) {
          firstLine = false;
          yield { kind: 'document', source, doc: parsed.value };
        } else if (firstLine) {
          // Not a JSON line: the file is one document spread over many lines.
          const after = textChunk.slice(start);
          whole = [line, '\n', after];
          wholeChars = line.length + 1 + after.length;
        } else {
          yield { kind: 'error', source: `${source}:${lineNumber}`, message: `not valid JSON (${parsed.message})` };
        }
      }
      if (!whole && start < textChunk.length) pieces.push(start === 0 ? textChunk : textChunk.slice(start));
    }
    const rest = (whole ? whole.join('') : '') + pieces.join('') + decoder.end();
    if (rest.trim() !== '') {
      const parsed = tryParse(rest);
      if (parsed.ok) yield { kind: 'document', source, doc: parsed.value };
      else
        yield {
          kind: 'error',
          source: whole ? source : `${source}:${lineNumber + 1}`,
          message: `not valid JSON (${parsed.message})`,
        };
    }
    yield { kind: 'file', source, bytes };
  } catch (error) {
    yield { kind: 'error', source, message: describeFsError(error) };
  }
}

async function* decompress(input: Readable): AsyncGenerator<Buffer> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await chunks.next();
  if (first.done) return;
  const head = Buffer.isBuffer(first.value) ? first.value : Buffer.from(first.value as string);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* all();
    return;
  }
  // 64 KiB of output per step instead of zlib's 16 KiB: every step is a round trip through libuv's threadpool, and a
  // quarter as many made `evaluate` a quarter faster over a CloudTrail archive (bench/RESULTS.md); larger steps grew
  // the peak RSS without going much faster.
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  const feeding = (async () => {
    try {
      for await (const chunk of all()) if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once('drain', r));
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  })();
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } finally {
    await feeding;
  }
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
      return 'permission denied';
    case 'Z_DATA_ERROR':
    case 'Z_BUF_ERROR':
      return `corrupt gzip data (${e.message})`;
    default:
      return e.message ?? String(error);
  }
}
