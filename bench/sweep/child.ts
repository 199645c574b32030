/**
 * Benchmark 4's measuring process (bundled and run by bench/sweep/sweep.ts): one moto account of SIZE principals, all
 * of them under the path /bench-sweep/, of which the same few hold the same attachments whatever SIZE is. The account
 * is its own (STS AssumeRole into ACCOUNT: moto keeps each account's IAM apart), so sizes never mix; it is built once
 * and reused by later runs while the emulator lives. Then the bundled sweep handler runs RUNS times, and every IAM
 * request it makes is counted by action. Results go to OUT_FILE as JSON.
 *
 * argv: OUT_FILE SIZE ACCOUNT HANDLER_BUNDLE RUNS ALLOWLIST
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import {
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  paginateListGroups,
  paginateListRoles,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { installProbe, mark, requestsSince } from '../lib/http-probe.js';
import { SWEEP_ATTACHMENTS, principalName, principalType, type SweepPrincipalType } from './layout.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const [outFile, sizeArg, account, bundlePath, runsArg, allowlist] = process.argv.slice(2);
if (!outFile || !sizeArg || !account || !bundlePath || !runsArg || !allowlist) {
  throw new Error('usage: child.js OUT_FILE SIZE ACCOUNT HANDLER_BUNDLE RUNS ALLOWLIST');
}
const size = Number(sizeArg);
const PATH = '/bench-sweep/';

const context = {
  functionName: 'sweep',
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:us-east-1:${account}:function:sweep`,
  memoryLimitInMB: '512',
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 900_000,
};

const scheduledEvent = {
  version: '0',
  id: 'bench-sweep',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account,
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [`arn:aws:events:us-east-1:${account}:rule/sweep`],
  detail: {},
};

/**
 * STS AssumeRole as a plain query call: the project does not depend on @aws-sdk/client-sts, and moto neither checks
 * the signature nor the role's trust policy (see TOOLING.md), so a minimal request is enough.
 */
async function assumeRole(
  roleArn: string,
): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set: the sweep benchmark runs against moto only');
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: roleArn,
      RoleSessionName: 'bench',
    }),
  });
  const xml = await res.text();
  const field = (name: string): string => {
    const value = new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];
    if (!value) throw new Error(`AssumeRole into ${roleArn} failed (HTTP ${res.status}): ${xml.slice(0, 300)}`);
    return value;
  };
  return {
    accessKeyId: field('AccessKeyId'),
    secretAccessKey: field('SecretAccessKey'),
    sessionToken: field('SessionToken'),
  };
}

async function existing(iam: IAMClient): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const page of paginateListRoles({ client: iam, pageSize: 1000 }, { PathPrefix: PATH }))
    for (const r of page.Roles ?? []) names.add(`role/${r.RoleName}`);
  for await (const page of paginateListUsers({ client: iam, pageSize: 1000 }, { PathPrefix: PATH }))
    for (const u of page.Users ?? []) names.add(`user/${u.UserName}`);
  for await (const page of paginateListGroups({ client: iam, pageSize: 1000 }, { PathPrefix: PATH }))
    for (const g of page.Groups ?? []) names.add(`group/${g.GroupName}`);
  return names;
}

async function create(iam: IAMClient, type: SweepPrincipalType, name: string): Promise<void> {
  if (type === 'role')
    await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        Path: PATH,
        AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}',
      }),
    );
  else if (type === 'user') await iam.send(new CreateUserCommand({ UserName: name, Path: PATH }));
  else await iam.send(new CreateGroupCommand({ GroupName: name, Path: PATH }));
}

async function attach(iam: IAMClient, type: SweepPrincipalType, name: string, policyArn: string): Promise<void> {
  if (type === 'role') await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: policyArn }));
  else if (type === 'user') await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: policyArn }));
  else await iam.send(new AttachGroupPolicyCommand({ GroupName: name, PolicyArn: policyArn }));
}

async function main(): Promise<void> {
  // Become the account: the handler's clients read these variables like the Lambda runtime's credentials.
  const credentials = await assumeRole(`arn:aws:iam::${account}:role/bench-sweep`);
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  process.env.AWS_SESSION_TOKEN = credentials.sessionToken;
  const iam = new IAMClient({});
  const setupStarted = performance.now();
  const have = await existing(iam);
  let created = 0;
  for (let i = 0; i < size; i++) {
    const type = principalType(i);
    const name = principalName(i);
    if (have.has(`${type}/${name}`)) continue;
    await create(iam, type, name);
    created++;
  }
  // Attaching what is already attached is a no-op in IAM: the same attachments, whatever an earlier run did.
  for (const a of SWEEP_ATTACHMENTS) await attach(iam, principalType(a.index), principalName(a.index), a.policyArn);
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  const { TopicArn } = await new SNSClient({}).send(new CreateTopicCommand({ Name: 'bench-sweep-alerts' }));
  if (!TopicArn) throw new Error('CreateTopic returned no TopicArn');
  process.env.ALERT_TOPIC_ARN = TopicArn;
  process.env.ALLOWLIST_PATH = allowlist;

  installProbe();
  const mod = (await import(pathToFileURL(bundlePath as string).href)) as {
    handler?: Handler;
    default?: { handler?: Handler };
  };
  const handler = mod.handler ?? mod.default?.handler;
  if (!handler) throw new Error(`${bundlePath} exports no handler`);

  const runs = [];
  for (let r = 0; r < Number(runsArg); r++) {
    const since = mark();
    const started = performance.now();
    const result = await handler(scheduledEvent, context);
    const ms = performance.now() - started;
    const requests = requestsSince(since);
    const byAction: Record<string, number> = {};
    for (const q of requests) if (q.service === 'iam') byAction[q.action || '?'] = (byAction[q.action || '?'] ?? 0) + 1;
    runs.push({
      ms,
      iamCalls: requests.filter((q) => q.service === 'iam').length,
      otherCalls: requests.filter((q) => q.service !== 'iam').map((q) => `${q.service}:${q.action}`),
      byAction,
      result: JSON.stringify(result ?? null).slice(0, 500),
    });
  }
  writeFileSync(outFile as string, JSON.stringify({ size, account, created, setupSeconds, runs }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
