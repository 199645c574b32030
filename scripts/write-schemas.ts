// Writes the published JSON Schemas from the zod schemas they are defined by: `npm run schemas`.
// test/unit/schemas.test.ts fails when a committed file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { SCHEMA_FILES, renderSchema } from '../functions/core/schemas.js';

for (const [path, schema] of Object.entries(SCHEMA_FILES)) {
  writeFileSync(path, renderSchema(schema));
  process.stdout.write(`wrote ${path}\n`);
}
