import { configDefaults, defineConfig } from 'vitest/config';

// Two projects so that the emulator's global setup (probe, auto-start, CI failure) runs only when integration
// tests are selected: `vitest run test/unit` or `--project unit` never needs moto.
// The SDK's notice that its 2027 releases will need Node 22 says nothing about the pinned versions under test.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
// The global setup (the emulator's self-test) runs in this process, not in a test worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/integration/**'],
        },
      },
      {
        test: {
          name: 'integration',
          env,
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          // Each test makes several round trips to moto; SNS->SQS delivery is polled.
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
