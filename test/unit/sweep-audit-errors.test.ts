// `audit` with the real SDK and no emulator: what a user sees when credentials, region or endpoint are missing or
// wrong. One line on stderr, exit 2, never a stack trace. (The endpoint is a closed port on the loopback interface.)
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../functions/cli/main.js';

async function audit(args: string[] = []): Promise<{ status: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const status = await runCli(
    ['audit', '--allowlist', 'infra/allowlist.example.yml', '--account', '123456789012', ...args],
    { stdout, stderr, stdin: new PassThrough() },
  );
  return { status, out, err };
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const AWS_VARIABLES = /^AWS_/;
const saved = { ...process.env };
beforeEach(() => {
  for (const key of Object.keys(process.env)) if (AWS_VARIABLES.test(key)) delete process.env[key];
  // No shared files, no instance metadata: only what each test sets.
  Object.assign(process.env, {
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

describe('audit without a usable AWS setup', () => {
  it('no credentials', async () => {
    process.env.AWS_REGION = 'us-east-1';
    const { status, err, out } = await audit();
    expect(status).toBe(2);
    expect(err).toMatch(/^iot-policy-guard: no usable AWS credentials \(.+\); configure some, e\.g\. AWS_PROFILE/m);
    expect(err).not.toMatch(/\n\s+at /);
    expect(out).toBe('');
  });

  it('no region', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    const { status, err } = await audit();
    expect(status).toBe(2);
    expect(err).toContain('iot-policy-guard: no AWS region is configured: set AWS_REGION');
  });

  it('an endpoint that does not answer', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_ENDPOINT_URL: endpoint,
    });
    const { status, err } = await audit(['--json']);
    expect(status).toBe(2);
    expect(err).toContain(`iot-policy-guard: cannot reach IAM at ${endpoint} (ECONNREFUSED`);
    expect(err).not.toMatch(/\n\s+at /);
  }, 30_000);
});
