import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILES, renderSchema } from '../../functions/core/schemas.js';

describe('published JSON Schemas', () => {
  it.each(Object.entries(SCHEMA_FILES))(
    '%s is what the zod schema generates (run `npm run schemas`)',
    (path, schema) => {
      expect(readFileSync(path, 'utf8')).toBe(renderSchema(schema));
    },
  );

  it('the allowlist schema accepts the example allowlist and rejects a typo', () => {
    const ajv = new Ajv2020({ allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync('infra/allowlist.schema.json', 'utf8')));
    const example = parse(readFileSync('infra/allowlist.example.yml', 'utf8')) as { allow: Record<string, unknown>[] };
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    example.allow[0]!.principle = 'role/x';
    expect(validate(example)).toBe(false);
  });
});
