/**
 * The ways to get a moto server (the AWS API emulator the integration tests talk to), tried in order until one works:
 *   1. path    a `moto_server` already on PATH (its Python interpreter runs serve.py);
 *   2. venv    a Python virtual environment in the install folder, with `pip install 'moto[server]==PINNED'`;
 *   3. debian  Debian's python3-moto and the boto stack it needs, from Debian's unstable suite (Debian 12 has no
 *              python3-moto), unpacked into the install folder without touching the system's apt configuration; its
 *              Python dependencies come from the system's own suite with apt-get (the one step that needs root);
 *   4. docker  the motoserver/moto container image, when a Docker engine answers.
 * Each route either yields a way to start the server or says why it cannot; nothing here starts a server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';

/** The moto release the tests were written against; the venv and docker routes install exactly this. */
export const MOTO_VERSION = '5.2.4';

/** Debian unstable's packages of that release and of what it needs beyond Debian 12 (name=version). */
const DEBIAN_PACKAGES = [
  'python3-moto=5.2.4-2',
  'python3-botocore=1.43.117+repack-1',
  'python3-boto3=1.40.72-1',
  'python3-s3transfer=0.14.0-1',
  'python3-jsonpath-ng=1.11.0+ds-1',
];
/** moto's server dependencies that Debian 12 itself packages, with the module each provides. */
const DEBIAN_DEPENDENCIES: Readonly<Record<string, string>> = {
  'python3-flask': 'flask',
  'python3-flask-cors': 'flask_cors',
  'python3-werkzeug': 'werkzeug',
  'python3-cryptography': 'cryptography',
  'python3-requests': 'requests',
  'python3-responses': 'responses',
  'python3-xmltodict': 'xmltodict',
  'python3-dateutil': 'dateutil',
  'python3-jinja2': 'jinja2',
  'python3-yaml': 'yaml',
  'python3-jmespath': 'jmespath',
  'python3-urllib3': 'urllib3',
  'python3-antlr4': 'antlr4',
  'python3-ply': 'ply',
};

export type RouteName = 'path' | 'venv' | 'debian' | 'docker';
export const ROUTES: readonly RouteName[] = ['path', 'venv', 'debian', 'docker'];

/** How to run the server: a Python interpreter that imports moto (serve.py is passed to it), or a container. */
export type MotoInstall =
  | { route: Exclude<RouteName, 'docker'>; python: string; pythonPath?: string; version: string; where: string }
  | { route: 'docker'; image: string; version: string; where: string };

export type RouteResult = { ok: true; install: MotoInstall } | { ok: false; reason: string };

export interface RouteOptions {
  /** The install folder (venv/, debian/ below it). */
  dir: string;
  /** Progress lines: a first install takes a while. */
  log: (line: string) => void;
}

/** Tries one route: finds what is installed or installs it. Never throws: a failure is the reason it gives. */
export function tryRoute(route: RouteName, options: RouteOptions): RouteResult {
  try {
    if (route === 'path') return fromPath();
    if (route === 'venv') return fromVenv(options);
    if (route === 'debian') return fromDebian(options);
    return fromDocker();
  } catch (error) {
    return { ok: false, reason: firstLines(error) };
  }
}

function fromPath(): RouteResult {
  const script = findOnPath('moto_server');
  if (!script) return { ok: false, reason: 'no moto_server on PATH' };
  const python = interpreterOf(script);
  if (!python) return { ok: false, reason: `${script}: cannot tell which Python runs it` };
  const version = motoVersion(python);
  if (!version) return { ok: false, reason: `${script}: its Python (${python}) cannot import moto and flask` };
  if (!supported(version))
    return {
      ok: false,
      reason:
        `${script} is moto ${version}; the tests need ${MOTO_VERSION} or a later 5.x (older ones route ` +
        'EventBridge events several times slower)',
    };
  return { ok: true, install: { route: 'path', python, version, where: script } };
}

function fromVenv({ dir, log }: RouteOptions): RouteResult {
  const venv = join(dir, 'venv');
  const python = join(venv, 'bin', 'python');
  let version = existsSync(python) ? motoVersion(python) : null;
  if (!version) {
    const base = systemPython();
    if (!base) return { ok: false, reason: 'no python3 on this machine' };
    log(`creating a virtual environment in ${venv} and installing moto[server]==${MOTO_VERSION} with pip ...`);
    run(base, ['-m', 'venv', venv], 120_000);
    run(
      join(venv, 'bin', 'pip'),
      [
        'install',
        '--disable-pip-version-check',
        '--quiet',
        '--retries',
        '1',
        '--timeout',
        '30',
        `moto[server]==${MOTO_VERSION}`,
      ],
      900_000,
    );
    version = motoVersion(python);
    if (!version) return { ok: false, reason: `pip installed moto into ${venv}, but it does not import` };
  }
  return { ok: true, install: { route: 'venv', python, version, where: venv } };
}

function fromDebian({ dir, log }: RouteOptions): RouteResult {
  const python = '/usr/bin/python3';
  const root = join(dir, 'debian');
  const pythonPath = join(root, 'usr', 'lib', 'python3', 'dist-packages');
  if (!existsSync(python) || !findOnPath('dpkg-deb') || !findOnPath('apt-get'))
    return { ok: false, reason: 'not a Debian system (needs /usr/bin/python3, apt-get, dpkg-deb)' };
  installDebianDependencies(python, log);
  if (!existsSync(join(root, '.installed'))) {
    log(`downloading moto ${MOTO_VERSION} from Debian's unstable suite into ${root} ...`);
    rmSync(root, { recursive: true, force: true });
    const debs = downloadFromUnstable(join(dir, 'debian-apt'), log);
    for (const deb of debs) run('dpkg-deb', ['-x', deb, root], 120_000);
    writeFileSync(join(root, '.installed'), `${DEBIAN_PACKAGES.join('\n')}\n`);
  }
  const version = motoVersion(python, pythonPath);
  if (!version) return { ok: false, reason: `moto unpacked into ${root} does not import with ${python}` };
  return { ok: true, install: { route: 'debian', python, pythonPath, version, where: root } };
}

function installDebianDependencies(python: string, log: (line: string) => void): void {
  const missing = Object.entries(DEBIAN_DEPENDENCIES).filter(
    ([, module]) => spawnSync(python, ['-c', `import ${module}`]).status !== 0,
  );
  if (missing.length === 0) return;
  const names = missing.map(([pkg]) => pkg);
  if (process.getuid?.() !== 0)
    throw new Error(`needs root to install Debian's ${names.join(' ')} (apt-get install -y ${names.join(' ')})`);
  log(`installing Debian's ${names.join(' ')} with apt-get ...`);
  const install = ['install', '-y', '--no-install-recommends', ...names];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (spawnSync('apt-get', install, { env, stdio: 'ignore', timeout: 600_000 }).status !== 0) {
    run('apt-get', ['update'], 600_000, env);
    run('apt-get', install, 600_000, env);
  }
}

/** Downloads the pinned packages with a private apt state (lists, cache, sources) so the system's is left alone. */
function downloadFromUnstable(work: string, log: (line: string) => void): string[] {
  const mirror = debianMirror();
  if (!mirror) throw new Error('no Debian mirror in /etc/apt/sources.list(.d)');
  const debs = join(work, 'debs');
  for (const sub of ['lists/partial', 'cache/archives/partial', 'debs'])
    mkdirSync(join(work, sub), { recursive: true });
  writeFileSync(
    join(work, 'sources.list'),
    `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} sid main\n`,
  );
  const apt = [
    '-o',
    `Dir::Etc::sourcelist=${join(work, 'sources.list')}`,
    '-o',
    'Dir::Etc::sourceparts=/nonexistent',
    '-o',
    `Dir::State::Lists=${join(work, 'lists')}`,
    '-o',
    `Dir::Cache=${join(work, 'cache')}`,
  ];
  for (const f of readdirSync(debs)) rmSync(join(debs, f));
  run('apt-get', [...apt, 'update'], 600_000);
  if (
    spawnSync('apt-get', [...apt, 'download', ...DEBIAN_PACKAGES], { cwd: debs, stdio: 'ignore', timeout: 600_000 })
      .status !== 0
  ) {
    // Unstable moves on; the mends in serve.py do not depend on the exact release.
    log(
      'the pinned versions are gone from unstable; taking its current ' +
        `${DEBIAN_PACKAGES.map((p) => p.split('=')[0]).join(' ')}`,
    );
    run(
      'apt-get',
      [...apt, 'download', ...DEBIAN_PACKAGES.map((p) => p.split('=')[0] ?? p)],
      600_000,
      process.env,
      debs,
    );
  }
  return readdirSync(debs)
    .filter((f) => f.endsWith('.deb'))
    .map((f) => join(debs, f));
}

function debianMirror(): string | null {
  const sources: string[] = [];
  if (existsSync('/etc/apt/sources.list.d')) {
    for (const f of readdirSync('/etc/apt/sources.list.d'))
      sources.push(readFileSync(join('/etc/apt/sources.list.d', f), 'utf8'));
  }
  if (existsSync('/etc/apt/sources.list')) sources.push(readFileSync('/etc/apt/sources.list', 'utf8'));
  for (const text of sources) {
    const found = /^URIs:\s*(\S+\/debian)\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\s/m.exec(text);
    if (found?.[1]) return found[1];
  }
  return null;
}

function fromDocker(): RouteResult {
  if (!findOnPath('docker')) return { ok: false, reason: 'no docker command' };
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
  if (info.status !== 0)
    return {
      ok: false,
      reason: `no Docker engine answers (${(info.stderr || info.stdout || '').trim().split('\n')[0] ?? ''})`,
    };
  const image = `motoserver/moto:${MOTO_VERSION}`;
  return { ok: true, install: { route: 'docker', image, version: MOTO_VERSION, where: image } };
}

/** The Python that runs a console script: its shebang, or for a pyenv shim the shebang of what pyenv resolves. */
function interpreterOf(script: string): string | null {
  const first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  if (first.startsWith('#!') && first.includes('python')) {
    const words = first.slice(2).trim().split(/\s+/);
    return words[0]?.endsWith('/env') ? (findOnPath(words[1] ?? '') ?? null) : (words[0] ?? null);
  }
  if (readFileSync(script, 'utf8').includes('pyenv')) {
    const resolved = spawnSync('pyenv', ['which', 'moto_server'], { encoding: 'utf8' });
    if (resolved.status === 0 && resolved.stdout.trim() !== script) return interpreterOf(resolved.stdout.trim());
  }
  return null;
}

function motoVersion(python: string, pythonPath?: string): string | null {
  const env = pythonPath ? { ...process.env, PYTHONPATH: pythonPath } : process.env;
  const probe = spawnSync(python, ['-c', 'import flask, moto; print(moto.__version__)'], {
    encoding: 'utf8',
    env,
    cwd: '/',
    timeout: 60_000,
  });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/** A moto release the tests can use: MOTO_VERSION or a later one of the same major version. */
export function supported(version: string): boolean {
  const parse = (v: string): number[] =>
    v
      .split(/[.+-]/)
      .slice(0, 3)
      .map((n) => Number.parseInt(n, 10) || 0);
  const [have, need] = [parse(version), parse(MOTO_VERSION)];
  if (have[0] !== need[0]) return false;
  for (let i = 1; i < 3; i++) if ((have[i] ?? 0) !== (need[i] ?? 0)) return (have[i] ?? 0) > (need[i] ?? 0);
  return true;
}

function systemPython(): string | null {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : findOnPath('python3');
}

export function findOnPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}

function run(
  command: string,
  args: readonly string[],
  timeout: number,
  env: NodeJS.ProcessEnv = process.env,
  cwd?: string,
): void {
  execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout, env, cwd });
}

/** The first lines of a failed command's output (or of an error), which is where the reason is. */
function firstLines(error: unknown): string {
  const { stderr, stdout, message } = error as { stderr?: Buffer | string; stdout?: Buffer | string; message?: string };
  const text =
    [stderr, stdout]
      .map((b) => (b ? b.toString() : ''))
      .join('\n')
      .trim() ||
    (message ?? String(error));
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const errorLine =
    lines.find((l) => /^E(RROR)?:/.test(l)) ??
    lines.find((l) => /error|denied|refused|not found|unable|could not/i.test(l));
  return (errorLine ?? lines[0] ?? 'failed').trim().slice(0, 300);
}
