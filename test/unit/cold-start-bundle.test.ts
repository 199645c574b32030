/**
 * What the functions load at cold start, from the bundles the deploy builds (serverless.yml custom.esbuild, through
 * bench/lib/bundle.ts): no zod and no allowlist schema or YAML reader. The deploy validated the allowlist already; the
 * functions read the compiled file it shipped (functions/core/allowlist-shipped.ts). The full reader is not in the
 * bundles at all: a YAML allowlist stops the bundled function's start, saying what to do. middy's import of
 * node:stream/web gets the stand-in of infra/esbuild/plugins.cjs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle, deployedBundleStyle, loadedAtStart, shippedAllowlist, type Bundle } from '../../bench/lib/bundle.js';

const FULL_READER = [
  'functions/config/allowlist-file.ts',
  'functions/core/allowlist-schema.ts',
  'functions/core/allowlist-read.ts',
  'functions/core/zod.ts',
];
const isZod = (input: string): boolean => /node_modules\/zod\//.test(input);

/** The inputs of the output files a cold start loads, and of those it loads on first use. */
function inputsOf(b: Bundle): { atStart: string[]; onFirstUse: string[] } {
  const outputs = b.metafile.outputs;
  const start = loadedAtStart(outputs, relative(process.cwd(), b.path));
  const inputs = (files: string[]) => files.flatMap((f) => Object.keys(outputs[f]?.inputs ?? {}));
  const files = Object.keys(outputs).filter((f) => !f.endsWith('.map'));
  return { atStart: inputs(files.filter((f) => start.has(f))), onFirstUse: inputs(files.filter((f) => !start.has(f))) };
}

describe.each([
  ['attach-guard', 'functions/attach-guard/handler.ts'],
  ['sweep', 'functions/sweep/handler.ts'],
])('the %s bundle', (name, entry) => {
  let inputs: { atStart: string[]; onFirstUse: string[] };
  let built: Bundle;
  beforeAll(async () => {
    built = await bundle(entry, mkdtempSync(join(tmpdir(), 'ipg-bundle-')), name, deployedBundleStyle());
    inputs = inputsOf(built);
  }, 60_000);

  /** Imports the bundled handler in a fresh node, as Lambda's init does; its exit status and stderr. */
  const start = (allowlist: string): { status: number | null; stderr: string } => {
    const run = spawnSync(process.execPath, ['-e', `await import(${JSON.stringify(pathToFileURL(built.path).href)})`], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:iot-policy-guard-alerts',
        ALLOWLIST_PATH: allowlist,
        LOG_LEVEL: 'SILENT',
        NODE_NO_WARNINGS: '1',
      },
      input: '',
    });
    return { status: run.status, stderr: run.stderr };
  };

  it('loads no zod at cold start', () => {
    expect(inputs.atStart.some((i) => i.startsWith('functions/core/'))).toBe(true);
    expect(inputs.atStart.filter(isZod)).toEqual([]);
  });

  it('reads the shipped allowlist at cold start, and holds no full reader (schema, zod, YAML) at all', () => {
    expect(inputs.atStart).toContain('functions/core/allowlist-shipped.ts');
    const all = [...inputs.atStart, ...inputs.onFirstUse];
    expect(all.filter((i) => FULL_READER.includes(i) || i.endsWith('-schema.ts'))).toEqual([]);
    expect(all.filter(isZod)).toEqual([]);
    expect(all.filter((i) => i.includes('node_modules/yaml/'))).toEqual([]);
  });

  it('starts with the shipped allowlist; a YAML one stops the start, naming the file and what to do', () => {
    expect(start(shippedAllowlist('infra/allowlist.example.yml'))).toEqual({ status: 0, stderr: '' });
    const yaml = start(resolve('infra/allowlist.example.yml'));
    expect(yaml.status).not.toBe(0);
    expect(yaml.stderr).toMatch(
      /ALLOWLIST_PATH: .*allowlist\.example\.yml is not a \.json file, and this function cannot read YAML/,
    );
  });

  it('keeps the lazy imports (SDK clients, chat) apart: the cold start loads none of their files', () => {
    const outputs = built.metafile.outputs;
    const atStart = loadedAtStart(outputs, relative(process.cwd(), built.path));
    const lazy = Object.keys(outputs).filter((f) => /^lazy-/.test(basename(f)) && !f.endsWith('.map'));
    expect(lazy.map((f) => outputs[f]?.entryPoint)).toEqual(
      expect.arrayContaining([
        'node_modules/@aws-sdk/client-sts/dist-es/index.js',
        'node_modules/@aws-sdk/client-eventbridge/dist-es/index.js',
        'node_modules/@aws-sdk/client-sqs/dist-es/index.js',
        'node_modules/@aws-sdk/client-sso-admin/dist-es/index.js',
      ]),
    );
    expect(lazy.filter((f) => atStart.has(f))).toEqual([]);
    // The rest of the bundle reaches them only by import() of a file next to it, and they import none of its files.
    const imports = Object.entries(outputs).flatMap(([file, o]) => o.imports.map((i) => ({ file, ...i })));
    const intoLazy = imports.filter((i) => /(^|\/)lazy-/.test(i.path) && !/^lazy-/.test(basename(i.file)));
    expect(intoLazy.length).toBeGreaterThan(0);
    for (const i of intoLazy) expect(i).toMatchObject({ kind: 'dynamic-import', external: true });
    const fromLazy = imports.filter((i) => /^lazy-/.test(basename(i.file)) && !i.external);
    expect(fromLazy.filter((i) => !/^lazy-/.test(basename(i.path)))).toEqual([]);
  });

  it("gives middy's node:stream/web import the stand-in, so a cold start loads no web streams", () => {
    const imports = Object.values(built.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports).not.toContain('node:stream/web');
    expect(inputs.atStart).toContain('infra/esbuild/lazy-readable-stream.ts');
    expect(inputs.atStart).toContain('node_modules/@middy/core/index.js');
  });
});

describe('the attach-guard bundle', () => {
  it('loads no module at cold start that only a lazy client uses (JSON protocols, MD5), nor chat', async () => {
    const b = await bundle(
      'functions/attach-guard/handler.ts',
      mkdtempSync(join(tmpdir(), 'ipg-bundle-')),
      'attach-guard',
      deployedBundleStyle(),
    );
    const { atStart, onFirstUse } = inputsOf(b);
    expect(atStart.filter((i) => /protocols\/json\/AwsJson|checksum\/md5\/|core\/chat\.ts$/.test(i))).toEqual([]);
    expect(onFirstUse.some((i) => i.endsWith('functions/core/chat.ts'))).toBe(true);
    expect(atStart).toContain('functions/aws/sso.ts');
    expect(atStart.filter((i) => i.includes('node_modules/@aws-sdk/client-sso-admin/'))).toEqual([]);
  }, 60_000);
});
