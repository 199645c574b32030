/**
 * Clients the functions build on first use rather than at cold start. Each SDK client module costs load time in every
 * cold start that evaluates it; a single-account stack without a findings bus or Identity Center never calls STS,
 * EventBridge or the SSO admin API, so those modules are imported (esbuild splits them into chunks of their own) only
 * when a call needs them. Nothing here imports an SDK module statically.
 */
import type { SSOAdminClientConfig } from '@aws-sdk/client-sso-admin';
import type { IdentityCenterAccess } from './sso.js';

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

/** createIdentityCenterAccess (aws/sso.ts), with the SSO admin SDK loaded on the first call that needs it. */
export function lazyIdentityCenterAccess(config: SSOAdminClientConfig = {}): IdentityCenterAccess {
  let loaded: IdentityCenterAccess | undefined;
  const access = onFirstUse(async () => (loaded = (await import('./sso.js')).createIdentityCenterAccess(config)));
  return {
    clientFor: async (region) => (await access()).clientFor(region),
    permissionSetName: async (region, instanceArn, permissionSetArn) =>
      (await access()).permissionSetName(region, instanceArn, permissionSetArn),
    destroy: () => loaded?.destroy(),
  };
}
