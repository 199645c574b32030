/** Running a measured command: wall time, CPU time and peak RSS from GNU time (`/usr/bin/time -v`). */
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export const GNU_TIME = '/usr/bin/time';

export interface Measured {
  /** Wall-clock seconds, measured here around the child (spawn to exit). */
  readonly wallSeconds: number;
  /** User + system CPU seconds of the child and everything it waited for (a pipeline's processes together). */
  readonly cpuSeconds: number;
  /** Peak resident set size in bytes of the largest single process of the child's tree, as GNU time reports it. */
  readonly maxRssBytes: number;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Send stdout to this file instead of collecting it. */
  readonly stdoutFile?: string;
  readonly cwd?: string;
}

export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

/**
 * Runs `command args` under GNU time and returns what it measured. Without GNU time (`apt-get install -y time`) the
 * peak RSS and CPU time are reported as NaN and only the wall time is measured.
 */
export async function measure(command: string, args: readonly string[], options: RunOptions = {}): Promise<Measured> {
  const report = join(tmpdir(), `bench-time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const timed = hasGnuTime();
  const argv = timed ? ['-v', '-o', report, command, ...args] : [...args];
  const out = options.stdoutFile ? openSync(options.stdoutFile, 'w') : 'pipe';
  const started = process.hrtime.bigint();
  const child = spawn(timed ? GNU_TIME : command, argv, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', out, 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => stdout.push(c));
  child.stderr?.on('data', (c: Buffer) => stderr.push(c));
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (typeof out === 'number') closeSync(out);
  let cpuSeconds = Number.NaN;
  let maxRssBytes = Number.NaN;
  if (timed && existsSync(report)) {
    const text = readFileSync(report, 'utf8');
    rmSync(report, { force: true });
    const field = (name: string): number => Number(new RegExp(`${name}: ([\\d.]+)`).exec(text)?.[1] ?? Number.NaN);
    cpuSeconds = field('User time \\(seconds\\)') + field('System time \\(seconds\\)');
    maxRssBytes = field('Maximum resident set size \\(kbytes\\)') * 1024;
  }
  return {
    wallSeconds,
    cpuSeconds,
    maxRssBytes,
    exitCode,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  };
}

/** Runs a command to completion and returns its stdout; throws with its stderr when it fails. */
export async function run(
  command: string,
  args: readonly string[],
  options: RunOptions & { okCodes?: readonly number[] } = {},
): Promise<string> {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => stdout.push(c));
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? -1));
  });
  if (!(options.okCodes ?? [0]).includes(code)) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${code}: ${Buffer.concat(stderr).toString('utf8').slice(-2000)}`,
    );
  }
  return Buffer.concat(stdout).toString('utf8');
}
