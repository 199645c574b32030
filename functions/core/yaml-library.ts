/**
 * The `yaml` package, loaded on first use rather than imported.
 *
 * The deployed functions read the allowlist the deploy compiles to JSON (infra/stage-params.ts), so their bundles
 * leave the YAML parser out: esbuild follows `import` and `require('…')`, not a require made with createRequire, so
 * the package never enters a bundle's static graph. Where it is installed (the CLI after `npm ci`, the tests, the
 * package-time checks) it is resolved from node_modules next to the code; where it is not (the Lambda zip), reading a
 * YAML allowlist fails with YamlUnavailableError instead of the whole module failing to load.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as Yaml from 'yaml';

/** The `yaml` package cannot be loaded where this code runs, e.g. in the deployed functions. */
export class YamlUnavailableError extends Error {
  override readonly name = 'YamlUnavailableError';
}

let library: typeof Yaml | undefined;

/** The `yaml` package; throws YamlUnavailableError when it is not installed. */
export function yamlLibrary(): typeof Yaml {
  if (library) return library;
  // import.meta.url is empty when this module is bundled to CommonJS (infra/template-values.cjs does): fall back to
  // the bundle's own file name, which resolves node_modules the same way.
  const from = import.meta.url || pathToFileURL(__filename).href;
  try {
    library = createRequire(from)('yaml') as typeof Yaml;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new YamlUnavailableError(
      'reading a YAML allowlist needs the yaml package, which is not installed here (run `npm ci`); ' +
        'the deployed functions have no YAML reader and read the allowlist the deploy compiles to JSON',
      { cause: error },
    );
  }
  return library;
}
