/**
 * zod/mini, set up once for the core. The functions validate with zod/mini rather than classic zod: classic builds
 * every schema with its whole method API and adds ~70 KB to a bundle, ~10 ms to a cold start (bench/RESULTS.md).
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';

// zod/mini loads no locale by itself; the allowlist's problems are reported with zod's English messages.
// jitless: on its first parse, zod compiles a fast parser for each object schema with `new Function`. The functions
// parse the allowlist once per cold start, where that compilation cost more than it saved (bench/RESULTS.md).
z.config({ ...en(), jitless: true });

/** A copy of `schema` that carries `description` into the JSON Schema: classic zod's `.describe()`. */
export function described<T extends z.ZodMiniType>(schema: T, description: string): T {
  const copy: z.ZodMiniType = z.clone(schema);
  return copy.register(z.globalRegistry, { description }) as T;
}
