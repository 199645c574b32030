/**
 * Writes a deterministic CloudTrail archive in the layout CloudTrail uses in S3
 * (`AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_ID.json.gz`, each file one
 * line of `{"Records":[...]}`), built from the record shapes in test/fixtures/events. Mostly S3, STS and IoT events,
 * some IAM reads and writes, and a small share of attach-policy calls whose policies and principals vary.
 *
 * The generator knows what it wrote: the number of records, of attach-policy calls (what `evaluate` must count) and of
 * attach calls on governed ARNs as the jq filter defines them (what jq must select). A manifest written last records
 * the parameters and counts; an archive with a manifest for the same parameters is reused as it is.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { awsManagedPolicyArn } from '../../functions/core/arn.js';
import { CATALOG, SEED_POLICIES } from '../../functions/core/catalog.js';
import { Random } from '../lib/random.js';

/** Bump when the output for the same parameters changes, so that an old archive is not reused. */
const GENERATOR_VERSION = 1;
const FIXTURES = 'test/fixtures/events';
const ATTACH_NAMES = new Set(['AttachUserPolicy', 'AttachRolePolicy', 'AttachGroupPolicy']);
const ACCOUNTS = ['123456789012', '111122223333'] as const;
const REGIONS = ['us-east-1', 'us-east-1', 'eu-west-1', 'us-west-2', 'ap-southeast-2'] as const;
const START = Date.parse('2026-10-01T00:00:00Z');

export interface ArchiveParams {
  /** Uncompressed size to write, in MiB. */
  readonly sizeMb: number;
  readonly seed: number;
  /** Attach-policy calls per 1,000 records in us-east-1 files (IAM is global: its events land only there). */
  readonly attachPerMille: number;
  /**
   * The fast path's worst case: every file holds attach calls (every file is a us-east-1 file and its first record
   * is an attach call), so that no file can be skipped whole.
   */
  readonly everyFileAttach?: boolean;
}

export const DEFAULT_ARCHIVE: ArchiveParams = { sizeMb: 1024, seed: 20261126, attachPerMille: 6 };

export interface ArchiveManifest {
  readonly generatorVersion: number;
  readonly params: ArchiveParams;
  /** The directory to hand to `evaluate` (it holds AWSLogs/). */
  readonly dir: string;
  readonly files: number;
  readonly records: number;
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
  /** Records with eventSource iam.amazonaws.com and one of the three attach eventNames. */
  readonly attachEvents: number;
  /** Attach calls whose policyArn is a seed ARN or an AWS managed policy named AWSIoT* (the jq filter's definition). */
  readonly governedAttachCalls: number;
  /** The seed ARNs the jq filter is given. */
  readonly seedArns: readonly string[];
  readonly recordsByKind: Readonly<Record<string, number>>;
  readonly generatedInSeconds: number;
}

type Json = Record<string, unknown>;

/** What the jq filter selects, in JavaScript: the generator's expected count must be computed the same way. */
export const GOVERNED_PREFIX = /^arn:[^:]+:iam::aws:policy\/(?:[^/]*\/)*awsiot[^/]*$/i;

export function archiveDir(outRoot: string, p: ArchiveParams): string {
  return join(
    outRoot,
    `archive-${p.sizeMb}mb-seed${p.seed}-attach${p.attachPerMille}` +
      `${p.everyFileAttach ? '-every' : ''}-g${GENERATOR_VERSION}`,
  );
}

/** Returns the archive for these parameters, generating it unless a complete one is already there. */
export function ensureArchive(outRoot: string, params: ArchiveParams, log: (line: string) => void): ArchiveManifest {
  const dir = archiveDir(outRoot, params);
  const manifestPath = `${dir}.manifest.json`;
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ArchiveManifest;
    if (manifest.generatorVersion === GENERATOR_VERSION && JSON.stringify(manifest.params) === JSON.stringify(params)) {
      log(
        `archive: reusing ${dir} (${manifest.files} files, ${(manifest.uncompressedBytes / 2 ** 20).toFixed(0)} MiB)`,
      );
      return manifest;
    }
  }
  log(`archive: generating ${params.sizeMb} MiB into ${dir} (seed ${params.seed})…`);
  rmSync(dir, { recursive: true, force: true });
  const manifest = generate(dir, params);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  log(
    `archive: ${manifest.files} files, ${manifest.records} records, ${manifest.attachEvents} attach calls ` +
      `in ${manifest.generatedInSeconds.toFixed(0)} s`,
  );
  return manifest;
}

interface Templates {
  readonly s3: Json;
  readonly sts: Json;
  readonly iot: Json;
  readonly iamRead: Json;
  readonly createRole: Json;
  readonly detach: readonly Json[];
  readonly notIamSource: Json;
  readonly attach: readonly Json[];
}

/** Every CloudTrail record in the fixtures, whatever document it came in, each once. */
function fixtureRecords(): Json[] {
  const records: Json[] = [];
  for (const file of readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const doc = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Json;
    if (Array.isArray(doc.Records)) records.push(...(doc.Records as Json[]));
    else if (Array.isArray(doc.Events))
      records.push(...(doc.Events as Json[]).map((e) => JSON.parse(e.CloudTrailEvent as string) as Json));
    else if ('detail-type' in doc) records.push(doc.detail as Json);
    else records.push(doc);
  }
  // The refused-delivery fixtures (forged source, replay, account mismatch) wrap a record that is already here.
  const seen = new Set<string>();
  return records.filter((r) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function loadTemplates(): Templates {
  const all = fixtureRecords();
  const find = (source: string, name: string): Json => {
    const r = all.find((x) => x.eventSource === source && x.eventName === name);
    if (!r) throw new Error(`no fixture record for ${source} ${name}`);
    return r;
  };
  return {
    s3: find('s3.amazonaws.com', 'PutObject'),
    sts: find('sts.amazonaws.com', 'AssumeRole'),
    iot: find('iot.amazonaws.com', 'CreateThing'),
    iamRead: find('iam.amazonaws.com', 'ListAttachedRolePolicies'),
    createRole: find('iam.amazonaws.com', 'CreateRole'),
    detach: all.filter((x) => x.eventSource === 'iam.amazonaws.com' && x.eventName === 'DetachRolePolicy'),
    notIamSource: find('iam.amazonaws.com.evil', 'AttachRolePolicy'),
    attach: all.filter((x) => x.eventSource === 'iam.amazonaws.com' && ATTACH_NAMES.has(x.eventName as string)),
  };
}

const SEED_ARNS = SEED_POLICIES.map((p) => awsManagedPolicyArn(p.path, p.name));
const CATALOG_ARNS = CATALOG.filter((p) => !p.seed).map((p) => awsManagedPolicyArn(p.path, p.name));
const OTHER_AWS_ARNS = [
  'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
  'arn:aws:iam::aws:policy/AdministratorAccess',
  'arn:aws:iam::aws:policy/ReadOnlyAccess',
  'arn:aws:iam::aws:policy/AWSAuditManagerAdministratorAccess',
  'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
  'arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess',
];

// Names the example allowlist allows (some of them), and names it does not.
const PRINCIPALS: Record<string, readonly string[]> = {
  AttachRolePolicy: [
    'iot-ingest-telemetry',
    'iot-ingest-batch',
    'iot-logging-role',
    'iot-rules-republish',
    'iot-fleet-operator',
    'firmware-build',
    'lambda-exec',
    'data-lake-loader',
  ],
  AttachUserPolicy: ['contractor-jane', 'field-test-laptop-07', 'telemetry-publisher', 'bob.contractor', 'ci-bot'],
  AttachGroupPolicy: ['iot-auditors', 'iot-operators', 'developers', 'support'],
};
const PRINCIPAL_FIELD: Record<string, string> = {
  AttachRolePolicy: 'roleName',
  AttachUserPolicy: 'userName',
  AttachGroupPolicy: 'groupName',
};

class RecordFactory {
  constructor(
    private readonly rng: Random,
    private readonly t: Templates,
  ) {}

  private clone(template: Json, account: string, region: string, time: string): Json {
    const r = structuredClone(template);
    r.eventTime = time;
    r.awsRegion = region;
    if ('eventID' in r) r.eventID = this.rng.uuid();
    if ('requestID' in r) r.requestID = this.rng.uuid();
    if ('recipientAccountId' in r) r.recipientAccountId = account;
    const identity = r.userIdentity as Json | undefined;
    if (identity && typeof identity.accountId === 'string') identity.accountId = account;
    return r;
  }

  s3(account: string, region: string, time: string): Json {
    const r = this.clone(this.t.s3, account, region, time);
    r.eventName = this.rng.weighted([
      [5, 'PutObject'],
      [4, 'GetObject'],
      [1, 'HeadObject'],
    ] as const);
    const bucket = `iot-telemetry-archive-${account}`;
    const day = `${time.slice(5, 7)}/${time.slice(8, 10)}`;
    const key = `raw/2026/${day}/line-${this.rng.int(1, 40)}/${this.rng.hex(12)}.json.gz`;
    r.requestID = this.rng.alnum(16);
    const params = r.requestParameters as Json;
    params.bucketName = bucket;
    params.Host = `${bucket}.s3.${region}.amazonaws.com`;
    params.key = key;
    const extra = r.additionalEventData as Json;
    extra.bytesTransferredIn = r.eventName === 'PutObject' ? this.rng.int(200, 900_000) : 0;
    extra.bytesTransferredOut = r.eventName === 'GetObject' ? this.rng.int(200, 900_000) : 0;
    extra['x-amz-id-2'] = Buffer.from(this.rng.hex(40), 'hex').toString('base64');
    r.resources = [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
      { accountId: account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
    ];
    r.sourceIPAddress = `10.0.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
    return r;
  }

  sts(account: string, region: string, time: string): Json {
    const r = this.clone(this.t.sts, account, region, time);
    const role = this.rng.pick(['ci-runner-instance', 'iot-ingest-telemetry', 'lambda-exec', 'iot-provisioner']);
    r.requestParameters = {
      roleArn: `arn:aws:iam::${account}:role/${role}`,
      roleSessionName: `i-0${this.rng.hex(16)}`,
    };
    (r.responseElements as { credentials: Json }).credentials.accessKeyId = `ASIA${this.rng.alnum(16)}`;
    r.resources = [{ accountId: account, type: 'AWS::IAM::Role', ARN: `arn:aws:iam::${account}:role/${role}` }];
    r.sharedEventID = this.rng.uuid();
    return r;
  }

  iot(account: string, region: string, time: string): Json {
    const r = this.clone(this.t.iot, account, region, time);
    r.eventName = this.rng.weighted([
      [2, 'CreateThing'],
      [5, 'DescribeThing'],
      [3, 'UpdateThingShadow'],
    ] as const);
    const thing = `line-${this.rng.int(1, 40)}-sensor-${String(this.rng.int(0, 9999)).padStart(4, '0')}`;
    r.requestParameters = { thingName: thing, thingTypeName: 'vibration-sensor' };
    r.responseElements =
      r.eventName === 'CreateThing'
        ? { thingName: thing, thingArn: `arn:aws:iot:${region}:${account}:thing/${thing}`, thingId: this.rng.uuid() }
        : null;
    r.readOnly = r.eventName === 'DescribeThing';
    return r;
  }

  iamRead(account: string, region: string, time: string): Json {
    const r = this.clone(this.t.iamRead, account, region, time);
    r.eventName = this.rng.pick(['ListAttachedRolePolicies', 'GetRole', 'ListRolePolicies', 'GetPolicy']);
    r.requestParameters = { roleName: this.rng.pick(PRINCIPALS.AttachRolePolicy ?? []) };
    return r;
  }

  createRole(account: string, region: string, time: string): Json {
    const r = this.clone(this.t.createRole, account, region, time);
    const name = `svc-${this.rng.hex(8)}`;
    (r.requestParameters as Json).roleName = name;
    const role = (r.responseElements as { role: Json }).role;
    role.roleName = name;
    role.roleId = `AROA${this.rng.alnum(17)}`;
    role.arn = `arn:aws:iam::${account}:role/${name}`;
    return r;
  }

  detach(account: string, region: string, time: string): Json {
    const r = this.clone(this.rng.pick(this.t.detach), account, region, time);
    r.requestParameters = {
      roleName: this.rng.pick(PRINCIPALS.AttachRolePolicy ?? []),
      policyArn: this.rng.pick([...SEED_ARNS, ...OTHER_AWS_ARNS]),
    };
    return r;
  }

  notIamSource(account: string, region: string, time: string): Json {
    return this.clone(this.t.notIamSource, account, region, time);
  }

  /** An attach-policy call: the shape of one of the attach fixtures, a policy and principal drawn from the mix. */
  attach(account: string, region: string, time: string): Json {
    const template = this.rng.pick(this.t.attach);
    const cn = template.awsRegion === 'cn-north-1';
    const r = this.clone(template, account, cn ? 'cn-north-1' : region, time);
    if (typeof r.errorCode === 'string') return r; // a failed call: requestParameters stays as CloudTrail wrote it
    const name = r.eventName as string;
    let policyArn = this.rng.weighted<() => string>([
      [40, () => this.rng.pick(SEED_ARNS)],
      [20, () => this.rng.pick(CATALOG_ARNS)],
      [2, () => 'arn:aws:iam::aws:policy/AWSIoTFutureFeatureAccess'],
      [3, () => 'arn:aws:iam::aws:policy/AWSIoTLogging'],
      [5, () => `arn:aws:iam::${account}:policy/AWSIoTFullAccess`],
      [30, () => this.rng.pick(OTHER_AWS_ARNS)],
    ])();
    if (cn) policyArn = policyArn.replace(/^arn:aws:/, 'arn:aws-cn:');
    r.requestParameters = { [PRINCIPAL_FIELD[name] ?? 'roleName']: this.rng.pick(PRINCIPALS[name] ?? []), policyArn };
    return r;
  }
}

type Kind = 's3' | 'sts' | 'iot' | 'iamRead' | 'createRole' | 'detach' | 'notIamSource' | 'attach';

function generate(dir: string, params: ArchiveParams): ArchiveManifest {
  const started = Date.now();
  const rng = new Random(params.seed);
  const factory = new RecordFactory(rng, loadTemplates());
  const seedSet = new Set(SEED_ARNS);
  const attach = params.attachPerMille;
  const globalMix: (readonly [number, Kind])[] = [
    [420, 's3'],
    [250, 'sts'],
    [150, 'iot'],
    [100 - attach, 'iamRead'],
    [30, 'createRole'],
    [20, 'detach'],
    [1, 'notIamSource'],
    [attach, 'attach'],
  ];
  const regionalMix: (readonly [number, Kind])[] = [
    [520, 's3'],
    [300, 'sts'],
    [180, 'iot'],
  ];
  const target = params.sizeMb * 2 ** 20;
  const counts: Record<string, number> = {};
  let uncompressed = 0;
  let compressed = 0;
  let files = 0;
  let records = 0;
  let attachEvents = 0;
  let governed = 0;
  let clock = START;

  while (uncompressed < target) {
    const account = rng.pick(ACCOUNTS);
    const region = params.everyFileAttach ? 'us-east-1' : rng.pick(REGIONS);
    const mix = region === 'us-east-1' ? globalMix : regionalMix;
    const fileTarget = Math.min(rng.int(256 * 1024, 4 * 2 ** 20), target - uncompressed);
    clock += rng.int(60, 600) * 1000;
    const stamp = new Date(clock).toISOString();
    const parts: string[] = [];
    let bytes = '{"Records":['.length + 2;
    let t = clock - 5 * 60_000;
    while (bytes < fileTarget || parts.length === 0) {
      const kind = params.everyFileAttach && parts.length === 0 ? 'attach' : rng.weighted(mix);
      t += rng.int(0, 400);
      const record = factory[kind](account, region, new Date(t).toISOString().replace(/\.\d+Z$/, 'Z'));
      const text = JSON.stringify(record);
      parts.push(text);
      bytes += text.length + 1;
      counts[kind] = (counts[kind] ?? 0) + 1;
      if (kind === 'attach') {
        attachEvents++;
        const arn = (record.requestParameters as Json | null)?.policyArn;
        if (typeof arn === 'string' && (seedSet.has(arn) || GOVERNED_PREFIX.test(arn))) governed++;
      }
    }
    const body = Buffer.from(`{"Records":[${parts.join(',')}]}`);
    const y = stamp.slice(0, 4);
    const m = stamp.slice(5, 7);
    const d = stamp.slice(8, 10);
    const hhmm = stamp.slice(11, 13) + stamp.slice(14, 16);
    const fileDir = join(dir, 'AWSLogs', account, 'CloudTrail', region, y, m, d);
    mkdirSync(fileDir, { recursive: true });
    const gz = gzipSync(body, { level: 6 });
    writeFileSync(join(fileDir, `${account}_CloudTrail_${region}_${y}${m}${d}T${hhmm}Z_${rng.alnum(16)}.json.gz`), gz);
    uncompressed += body.length;
    compressed += gz.length;
    records += parts.length;
    files++;
  }
  return {
    generatorVersion: GENERATOR_VERSION,
    params,
    dir,
    files,
    records,
    uncompressedBytes: uncompressed,
    compressedBytes: compressed,
    attachEvents,
    governedAttachCalls: governed,
    seedArns: SEED_ARNS,
    recordsByKind: counts,
    generatedInSeconds: (Date.now() - started) / 1000,
  };
}
