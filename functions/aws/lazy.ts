/**
 * Loading on first use rather than at cold start. Each SDK client module costs load time in every cold start that
 * evaluates it; a single-account stack without a findings bus or Identity Center never calls STS, EventBridge, SQS or
 * the SSO admin API, so those modules are imported (`import()`: chunks of their own in the bundle, see
 * infra/esbuild/plugins.cjs) by the first call that needs them (guard/runtime.ts, aws/sso.ts).
 */

/** `build` run once, on the first call; later calls share its promise (a failed build is retried on the next call). */
export function onFirstUse<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}
