import { afterEach, describe, expect, it, vi } from 'vitest';
import { routesFromEnvironment } from '../../scripts/emulator/emulator.js';
import { MOTO_VERSION, supported } from '../../scripts/emulator/routes.js';

describe('emulator routes', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('accepts the pinned moto and later 5.x releases, and refuses older and other major ones', () => {
    expect(MOTO_VERSION).toBe('5.2.4');
    for (const version of ['5.2.4', '5.2.5', '5.3.0', '5.10.1', '5.2.4.dev3'])
      expect(supported(version), version).toBe(true);
    for (const version of ['5.2.1', '5.1.9', '4.2.14', '6.0.0', '']) expect(supported(version), version).toBe(false);
  });

  it('tries every route in order by default, or only those EMULATOR_ROUTES names, and refuses unknown ones', () => {
    vi.stubEnv('EMULATOR_ROUTES', '');
    expect(routesFromEnvironment()).toEqual(['path', 'venv', 'debian', 'docker']);
    vi.stubEnv('EMULATOR_ROUTES', 'debian, docker');
    expect(routesFromEnvironment()).toEqual(['debian', 'docker']);
    vi.stubEnv('EMULATOR_ROUTES', 'debian,apt');
    expect(() => routesFromEnvironment()).toThrow(
      'EMULATOR_ROUTES: unknown route apt; the routes are path, venv, debian, docker',
    );
  });
});
