/** The JSON documents `evaluate` would read from paths, for tests that look at them before any decision. */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { readStream, type SourceItem } from '../../functions/cli/json-stream.js';
import { emptyTally } from '../../functions/cli/read-documents.js';
import { readSources, type FileReader } from '../../functions/cli/sources.js';

// Hands each path back untouched, so that the files are streamed into documents here, in walk order.
const pathsOnly: FileReader = { scan: async () => ({ file: null, tally: emptyTally(), attach: [] }), window: 3 };

/** readSources' walk, with every file read by the streaming reader: documents, errors, skipped files, in order. */
export async function sourceItems(paths: readonly string[], stdin?: string | Buffer): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of readSources(paths, Readable.from(stdin === undefined ? [] : [stdin]), pathsOnly)) {
    if (item.kind !== 'scanned') items.push(item);
    else for await (const read of readStream(item.source, createReadStream(item.source))) items.push(read);
  }
  return items;
}
