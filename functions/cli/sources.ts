/**
 * Turns the paths given on the command line into what `evaluate` reads: files (read whole by a FileReader, in this
 * thread or in worker threads), directories (recursively, in name order) and stdin (`-`, streamed as documents).
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describeFsError, readStream, type SourceItem } from './json-stream.js';
import { scanFile, type FileScan, type ScanOptions } from './scan-file.js';

export type { SourceItem } from './json-stream.js';

/** Files a directory walk reads; files named explicitly are read whatever their name. */
const DATA_FILE = /\.(json|jsonl|ndjson)(\.gz)?$/i;

/** How files are read: one at a time in this thread (the default), or by a pool of worker threads (scan-pool.ts). */
export interface FileReader {
  scan(path: string): Promise<FileScan>;
  /** How many files may be in flight at once; results are still yielded in path order. */
  readonly window: number;
}

export const inlineReader = (options: ScanOptions): FileReader => ({
  scan: (path) => scanFile(path, options),
  window: 1,
});

/** Reads every path in turn; problems with one path are yielded as `error` items and the rest is still read. */
export async function* readSources(
  paths: readonly string[],
  stdin: NodeJS.ReadableStream = process.stdin,
  reader: FileReader = inlineReader({ quick: true }),
): AsyncGenerator<SourceItem> {
  // Files are started as they are found, up to the reader's window, and yielded in the order they were found.
  const pending: Promise<SourceItem>[] = [];
  for await (const next of walk(paths, stdin, reader)) {
    if ('stream' in next) {
      while (pending.length > 0) yield await pending.shift()!;
      yield* next.stream;
      continue;
    }
    pending.push(next.item);
    if (pending.length >= reader.window) yield await pending.shift()!;
  }
  while (pending.length > 0) yield await pending.shift()!;
}

type Walked = { readonly item: Promise<SourceItem> } | { readonly stream: AsyncIterable<SourceItem> };

async function* walk(
  paths: readonly string[],
  stdin: NodeJS.ReadableStream,
  reader: FileReader,
): AsyncGenerator<Walked> {
  for (const path of paths) {
    if (path === '-') {
      yield { stream: readStream('(stdin)', Readable.from(stdin)) };
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      yield settled({ kind: 'error', source: path, message: describeFsError(error) });
      continue;
    }
    if (info.isDirectory()) yield* walkDirectory(path, reader);
    else yield scanned(path, reader);
  }
}

async function* walkDirectory(dir: string, reader: FileReader): AsyncGenerator<Walked> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    yield settled({ kind: 'error', source: dir, message: describeFsError(error) });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walkDirectory(path, reader);
    else if (entry.isFile() && DATA_FILE.test(entry.name)) yield scanned(path, reader);
    else yield settled({ kind: 'skipped', source: path });
  }
}

const settled = (item: SourceItem): Walked => ({ item: Promise.resolve(item) });

function scanned(path: string, reader: FileReader): Walked {
  const item = reader.scan(path).then((scan): SourceItem => ({ kind: 'scanned', source: path, scan }));
  item.catch(() => undefined); // awaited in order later; this keeps a failure from counting as unhandled meanwhile
  return { item };
}
