/**
 * What the functions' bundles give @middy/core for `import { ReadableStream } from 'node:stream/web'` (plugins.cjs).
 *
 * middy imports it at its top for one check, `instanceof ReadableStream`, made only for a response-streaming handler,
 * which ours are not. Importing node:stream/web makes Node load its whole web-streams implementation (about 1.3 ms of
 * every cold start, docs/cold-start.md); this stand-in answers the same check from Node's global ReadableStream, which
 * Node loads when it is first read, so a streaming handler would still be told a web stream from anything else.
 */
// biome-ignore lint/complexity/noStaticOnlyClass: it stands in for a class, which only `instanceof` reaches
export class ReadableStream {
  static [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof globalThis.ReadableStream;
  }
}
