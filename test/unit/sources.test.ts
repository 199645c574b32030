import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SourceItem } from '../../functions/cli/json-stream.js';
import { sourceItems as collect } from '../support/documents.js';

const docs = (items: SourceItem[]) => items.flatMap((i) => (i.kind === 'document' ? [i.doc] : []));
const errors = (items: SourceItem[]) => items.flatMap((i) => (i.kind === 'error' ? [`${i.source}: ${i.message}`] : []));

let dir: string;
const log = { Records: [{ eventName: 'A' }, { eventName: 'B' }] };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ipg-sources-'));
  mkdirSync(join(dir, 'tree/a/b'), { recursive: true });
  writeFileSync(join(dir, 'single-line.json'), JSON.stringify(log));
  writeFileSync(join(dir, 'pretty.json'), JSON.stringify(log, null, 2));
  writeFileSync(join(dir, 'log.json.gz'), gzipSync(JSON.stringify(log)));
  writeFileSync(join(dir, 'pretty.json.gz'), gzipSync(JSON.stringify(log, null, 2)));
  writeFileSync(join(dir, 'events.ndjson'), '{"eventName":"A"}\n\n{"eventName":"B"}\r\nnot json\n{"eventName":"C"}');
  writeFileSync(join(dir, 'broken.json'), '{\n  "Records": [\n');
  writeFileSync(
    join(dir, 'corrupt.json.gz'),
    Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('definitely not deflate data')]),
  );
  writeFileSync(join(dir, 'empty.json'), '');
  writeFileSync(join(dir, 'tree/a/b/deep.json.gz'), gzipSync(JSON.stringify(log)));
  writeFileSync(join(dir, 'tree/a/first.json'), JSON.stringify({ eventName: 'first' }));
  writeFileSync(join(dir, 'tree/a/notes.txt'), 'hello');
  writeFileSync(join(dir, 'tree/digest.json.gz.sig'), 'x');
});

describe('readSources', () => {
  it.each([
    ['a single-line log file', 'single-line.json'],
    ['a pretty-printed log file', 'pretty.json'],
    ['a gzipped log file', 'log.json.gz'],
    ['a gzipped pretty-printed file', 'pretty.json.gz'],
  ])('reads %s as one document', async (_case, name) => {
    const items = await collect([join(dir, name)]);
    expect(docs(items)).toEqual([log]);
    expect(errors(items)).toEqual([]);
    expect(items.at(-1)).toMatchObject({ kind: 'file' });
  });

  it('reads NDJSON line by line and reports a bad line with its number, keeping the rest', async () => {
    const items = await collect([join(dir, 'events.ndjson')]);
    expect(docs(items)).toEqual([{ eventName: 'A' }, { eventName: 'B' }, { eventName: 'C' }]);
    expect(errors(items)).toEqual([expect.stringMatching(/events\.ndjson:4: not valid JSON/)]);
  });

  it('reports a truncated document, a corrupt gzip and a missing path with their paths, and goes on', async () => {
    const items = await collect([
      join(dir, 'broken.json'),
      join(dir, 'corrupt.json.gz'),
      join(dir, 'nope.json'),
      join(dir, 'single-line.json'),
    ]);
    expect(errors(items)).toEqual([
      expect.stringMatching(/broken\.json: not valid JSON/),
      expect.stringMatching(/corrupt\.json\.gz: corrupt gzip data/),
      expect.stringMatching(/nope\.json: no such file or directory/),
    ]);
    expect(docs(items)).toEqual([log]);
  });

  it('reads an empty file as no documents', async () => {
    const items = await collect([join(dir, 'empty.json')]);
    expect(items).toEqual([{ kind: 'file', source: join(dir, 'empty.json'), bytes: 0 }]);
  });

  it('walks directories recursively in name order, skipping files that are not JSON', async () => {
    const items = await collect([join(dir, 'tree')]);
    expect(docs(items)).toEqual([log, { eventName: 'first' }]);
    expect(items.filter((i) => i.kind === 'skipped').map((i) => i.source.slice(dir.length))).toEqual([
      '/tree/a/notes.txt',
      '/tree/digest.json.gz.sig',
    ]);
  });

  it('reads stdin, plain or gzipped', async () => {
    expect(docs(await collect(['-'], '{"eventName":"A"}\n{"eventName":"B"}\n'))).toEqual([
      { eventName: 'A' },
      { eventName: 'B' },
    ]);
    expect(docs(await collect(['-'], gzipSync(JSON.stringify(log))))).toEqual([log]);
  });
});
