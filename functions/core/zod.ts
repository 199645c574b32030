/**
 * zod/mini's `describe`, for the core's schemas. The core uses zod/mini rather than classic zod: classic builds every
 * schema with its whole method API and adds ~70 KB to a bundle, ~10 ms to a cold start (bench/RESULTS.md). This file
 * has
 * no side effect, so that a bundle whose schemas are all dropped (built in pure calls: the functions') holds no zod at
 * all; the one schema that parses (the allowlist's) sets zod up itself (allowlist-schema.ts).
 */
import * as z from 'zod/mini';

/** A copy of `schema` that carries `description` into the JSON Schema: classic zod's `.describe()`. */
export function described<T extends z.ZodMiniType>(schema: T, description: string): T {
  const copy: z.ZodMiniType = z.clone(schema);
  return copy.register(z.globalRegistry, { description }) as T;
}
