/** The JSON Schemas published in infra/, generated from the zod schemas that validate and type the same data. */
import { z } from 'zod';
import { alertSchema } from './alert-schema.js';
import { allowlistSchema } from './allowlist-schema.js';
import { digestSchema } from './digest-schema.js';

export const SCHEMA_FILES = {
  'infra/allowlist.schema.json': allowlistSchema,
  'infra/alert.schema.json': alertSchema,
  'infra/digest.schema.json': digestSchema,
} as const;

/** The JSON Schema text of a zod schema, as committed. */
export function renderSchema(schema: z.core.$ZodType): string {
  // `io: input` describes what users write: fields with defaults are optional.
  return `${JSON.stringify(z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }), null, 2)}\n`;
}
