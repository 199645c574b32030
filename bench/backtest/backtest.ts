/**
 * Benchmark 1, backtest throughput: `iot-policy-guard evaluate --json` over a generated CloudTrail archive, against
 * the floor (gunzip + JSON.parse and nothing else, bench/backtest/floor.mjs) and against jq doing the same selection
 * (bench/backtest/governed-attach.jq). The three run in turn, `rounds` times, rotating the order, so that each round's
 * ratios compare runs made seconds apart on the same (shared, noisy) machine.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureArchive, type ArchiveManifest, type ArchiveParams } from '../archive/generate.js';
import { measure, type Measured } from '../lib/proc.js';
import { check, row, type Row } from '../lib/report.js';
import { fmt, median, pairedRatio } from '../lib/stats.js';

export const JQ = '/usr/bin/jq';
const ALLOWLIST = 'infra/allowlist.example.yml';
// A fixed "now" so that the example allowlist's expiry dates give the same verdicts on every run.
const NOW = '2026-11-26T00:00:00Z';
const FILTER = 'bench/backtest/governed-attach.jq';

/** evaluate: as users run it (worker threads, fast path); full: every file parsed in full in the main thread. */
type Subject = 'evaluate' | 'full' | 'floor' | 'jq';

export interface BacktestOptions {
  readonly outDir: string;
  readonly archive: ArchiveParams;
  readonly rounds: number;
  /** false: leave jq out (the worst-case archive). */
  readonly jq: boolean;
  /** The row label: `1 backtest`, or `1 backtest (worst case)`. */
  readonly label: string;
  readonly log: (line: string) => void;
}

export interface BacktestResult {
  readonly rows: Row[];
  readonly details: Record<string, unknown>;
}

interface Run extends Measured {
  readonly subject: Subject;
  readonly round: number;
  /** Lines of stdout (records selected), counted from the output file. */
  readonly lines: number;
  /** SHA-256 of stdout: evaluate's must equal the full parse's, byte for byte. */
  readonly digest: string;
}

export async function backtest(options: BacktestOptions): Promise<BacktestResult> {
  const { log } = options;
  const manifest = ensureArchive(options.outDir, options.archive, log);
  const haveJq = options.jq && existsSync(JQ);
  if (options.jq && !haveJq) log(`backtest: ${JQ} not found (apt-get install -y jq): jq is left out`);
  const subjects: Subject[] = haveJq ? ['floor', 'evaluate', 'full', 'jq'] : ['floor', 'evaluate', 'full'];
  const seedJson = JSON.stringify(Object.fromEntries(manifest.seedArns.map((arn) => [arn, true])));
  const command = (subject: Subject, stdoutFile: string): [string, string[]] => {
    switch (subject) {
      case 'floor':
        return [process.execPath, ['bench/backtest/floor.mjs', manifest.dir]];
      case 'evaluate':
        return [
          process.execPath,
          ['dist/cli.js', 'evaluate', '--json', '--allowlist', ALLOWLIST, '--now', NOW, manifest.dir],
        ];
      case 'full':
        return [
          process.execPath,
          [
            'dist/cli.js',
            'evaluate',
            '--json',
            '--parse-all',
            '--workers',
            '0',
            '--allowlist',
            ALLOWLIST,
            '--now',
            NOW,
            manifest.dir,
          ],
        ];
      case 'jq':
        // One gzip process feeds every file, in the order evaluate reads them, to one jq: the fastest honest jq run.
        return [
          'sh',
          [
            '-c',
            `find "$1" -type f -name '*.json.gz' | LC_ALL=C sort | xargs gzip -dc | ${JQ} -c --argjson ` +
              'seed "$2" -f "$3" > "$4"',
            'sh',
            manifest.dir,
            seedJson,
            FILTER,
            stdoutFile,
          ],
        ];
    }
  };

  const runs: Run[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const order = subjects.map((_, i) => subjects[(i + round) % subjects.length] as Subject);
    for (const subject of order) {
      const stdoutFile = join(options.outDir, `backtest-${subject}-round${round}.out`);
      const [cmd, args] = command(subject, stdoutFile);
      const result = await measure(cmd, args, subject === 'jq' ? {} : { stdoutFile });
      const lines = countLines(stdoutFile);
      // The floor prints its counts on stdout, which went to the file.
      const stdout = subject === 'floor' ? readFileSync(stdoutFile, 'utf8') : result.stdout;
      runs.push({ ...result, stdout, subject, round, lines, digest: digestOf(stdoutFile) });
      log(
        `backtest round ${round + 1}/${options.rounds}: ${subject.padEnd(8)} ${fmt.s(result.wallSeconds)} ` +
          `wall, ${fmt.s(result.cpuSeconds)} cpu, ${fmt.mb(result.maxRssBytes)} peak RSS`,
      );
    }
  }
  return summarise(manifest, runs, subjects, options.label);
}

function digestOf(path: string): string {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : '';
}

function countLines(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path);
  let n = 0;
  for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, i + 1)) n++;
  return n;
}

function summarise(
  manifest: ArchiveManifest,
  runs: readonly Run[],
  subjects: readonly Subject[],
  label: string,
): BacktestResult {
  const of = (s: Subject) => runs.filter((r) => r.subject === s);
  const wall = (s: Subject) => of(s).map((r) => r.wallSeconds);
  const mib = manifest.uncompressedBytes / 2 ** 20;
  const rate = (s: Subject) => {
    const seconds = median(wall(s));
    return {
      seconds,
      recordsPerSecond: manifest.records / seconds,
      mbPerSecond: mib / seconds,
      cpu: median(of(s).map((r) => r.cpuSeconds)),
      peakRss: Math.max(...of(s).map((r) => r.maxRssBytes)),
    };
  };
  const ev = rate('evaluate');
  const full = rate('full');
  const floor = rate('floor');
  const jq = subjects.includes('jq') ? rate('jq') : null;
  const describe = (r: ReturnType<typeof rate>) =>
    `${fmt.int(r.recordsPerSecond)} rec/s, ${fmt.num(r.mbPerSecond, 0)} MB/s (${fmt.s(r.seconds)})`;

  // Throughput ratio per round: floor time / evaluate time (the same work, seconds apart).
  const vsFloor = pairedRatio(wall('floor'), wall('evaluate'));
  const vsFull = pairedRatio(wall('full'), wall('evaluate'));
  const vsJq = jq ? pairedRatio(wall('jq'), wall('evaluate')) : Number.NaN;

  // Correctness: every run of each subject must have found exactly what the generator wrote.
  const evalSummary = of('evaluate').map((r) =>
    /(\d+) records read from (\d+) files?.*?, (\d+) attach events/.exec(r.stderr),
  );
  const evalRecords = evalSummary.map((m) => Number(m?.[1] ?? Number.NaN));
  const evalAttach = of('evaluate').map((r) => r.lines);
  const evalCodes = of('evaluate').map((r) => r.exitCode);
  const floorRecords = of('floor').map(
    (r) => (JSON.parse(r.stdout || '{}') as { records?: number }).records ?? Number.NaN,
  );
  const jqLines = of('jq').map((r) => r.lines);
  const summaryLines = (s: Subject) =>
    new Set(
      of(s).map((r) =>
        r.stderr
          .split('\n')
          .filter((l) => /records read from|^verdicts:/.test(l))
          .join('\n'),
      ),
    );
  const fullDigests = new Set(of('full').map((r) => r.digest));
  const sameAsFull =
    fullDigests.size === 1 &&
    of('evaluate').every((r) => fullDigests.has(r.digest)) &&
    summaryLines('full').size === 1 &&
    [...summaryLines('evaluate')].every((l) => summaryLines('full').has(l));
  const evaluateCorrect =
    evalAttach.every((n) => n === manifest.attachEvents) &&
    evalRecords.every((n) => n === manifest.records) &&
    evalCodes.every((c) => c === 1) &&
    sameAsFull;
  const floorCorrect = floorRecords.every((n) => n === manifest.records);
  const jqCorrect = jqLines.every((n) => n === manifest.governedAttachCalls) && of('jq').every((r) => r.exitCode === 0);
  const uncompressed = fmt.mb(manifest.uncompressedBytes);
  const size = `${fmt.int(manifest.records)} records, ${uncompressed} in ${manifest.files} .json.gz`;

  const rows: Row[] = [
    row(
      label,
      `throughput over ${size}`,
      `evaluate: ${describe(ev)}`,
      `floor: ${describe(floor)}`,
      fmt.ratio(vsFloor),
      '≥ 1.5× floor',
      check(vsFloor >= 1.5),
    ),
    row(
      label,
      'against a full parse in one thread (--parse-all --workers 0)',
      `evaluate: ${fmt.s(ev.seconds)}`,
      `full: ${describe(full)}`,
      `${fmt.ratio(vsFull)} faster`,
      '-',
      '-',
    ),
  ];
  if (jq)
    rows.push(
      row(
        label,
        'speed against jq (same selection)',
        `evaluate: ${fmt.s(ev.seconds)}`,
        `jq: ${describe(jq)}`,
        `${fmt.ratio(vsJq)} faster`,
        '≥ 5× faster',
        check(vsJq >= 5),
      ),
    );
  rows.push(
    row(
      label,
      'CPU time (user+sys, median)',
      `evaluate: ${fmt.s(ev.cpu)}`,
      `floor: ${fmt.s(floor.cpu)}; full: ${fmt.s(full.cpu)}${jq ? `; jq+gzip: ${fmt.s(jq.cpu)}` : ''}`,
      fmt.ratio(ev.cpu / floor.cpu),
      '-',
      '-',
    ),
    row(
      label,
      'peak RSS (max of runs)',
      `evaluate: ${fmt.mb(ev.peakRss)}`,
      `floor: ${fmt.mb(floor.peakRss)}; full: ${fmt.mb(full.peakRss)}${jq ? `; jq: ${fmt.mb(jq.peakRss)}` : ''}`,
      '-',
      '< 200 MB',
      check(ev.peakRss < 200 * 2 ** 20),
    ),
    row(
      label,
      'correctness (every run)',
      `evaluate: ${[...new Set(evalAttach)].join('/')} attach events, ` +
        `${[...new Set(evalRecords)].map(fmt.int).join('/')} records; output and summary ` +
        `${sameAsFull ? 'identical to' : 'DIFFERENT from'} the full parse's`,
      `generator: ${manifest.attachEvents} attach, ${fmt.int(manifest.records)} ` +
        `records${jq ? `; jq: ${[...new Set(jqLines)].join('/')} of ${manifest.governedAttachCalls} governed` : ''}; ` +
        `floor: ${[...new Set(floorRecords)].map(fmt.int).join('/')} records`,
      '-',
      'counts equal',
      check(evaluateCorrect && floorCorrect && (!jq || jqCorrect)),
    ),
  );
  return {
    rows,
    details: {
      archive: { ...manifest, seedArns: undefined },
      rounds: Math.max(...runs.map((r) => r.round)) + 1,
      medians: { evaluate: ev, full, floor, jq },
      ratios: { evaluateVsFloorThroughput: vsFloor, evaluateVsFullParse: vsFull, evaluateVsJqSpeed: vsJq },
      runs: runs.map(({ stdout: _o, stderr, ...r }) => ({ ...r, stderrTail: stderr.slice(-400) })),
    },
  };
}
