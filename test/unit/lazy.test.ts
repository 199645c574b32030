// aws/lazy.ts and aws/sso.ts: clients (and their SDK modules) built on the first call that needs them, once.
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { describe, expect, it } from 'vitest';
import { onFirstUse } from '../../functions/aws/lazy.js';
import { createIdentityCenterAccess } from '../../functions/aws/sso.js';

describe('onFirstUse', () => {
  it('builds nothing until called, then once, sharing the result', async () => {
    let builds = 0;
    const get = onFirstUse(async () => ({ n: ++builds }));
    expect(builds).toBe(0);
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).toBe(b);
    expect(await get()).toBe(a);
    expect(builds).toBe(1);
  });

  it('builds again on the next call after a failed build', async () => {
    let builds = 0;
    const get = onFirstUse(async () => {
      builds++;
      if (builds === 1) throw new Error('module not loaded');
      return builds;
    });
    await expect(get()).rejects.toThrow('module not loaded');
    expect(await get()).toBe(2);
    expect(await get()).toBe(2);
  });
});

describe('createIdentityCenterAccess', () => {
  it('gives one SSO admin client per Region, with the configuration, loaded on first use', async () => {
    const access = createIdentityCenterAccess({
      maxAttempts: 2,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    access.destroy(); // nothing built yet: nothing to close
    const eu = await access.clientFor('eu-west-1');
    expect(eu).toBeInstanceOf(SSOAdminClient);
    expect(await access.clientFor('eu-west-1')).toBe(eu);
    expect(await access.clientFor('us-east-2')).not.toBe(eu);
    expect(await eu.config.region()).toBe('eu-west-1');
    expect(await eu.config.maxAttempts()).toBe(2);
    access.destroy();
  });

  it('gives two first calls for one Region at once the same client', async () => {
    const access = createIdentityCenterAccess({ credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const [a, b] = await Promise.all([access.clientFor('eu-west-1'), access.clientFor('eu-west-1')]);
    expect(b).toBe(a);
    expect(await access.clientFor('eu-west-1')).toBe(a);
    access.destroy();
  });
});
