/**
 * The emulator's start-up self-test: what the integration tests rely on and a plain moto lacks.
 * - AWS managed policies are loaded (moto loads them only with MOTO_IAM_LOAD_MANAGED_POLICIES=true), with real paths;
 * - ListEntitiesForPolicy finds holders past the 100th role and pages with MaxItems/Marker (serve.py's mend);
 * - Athena's GetQueryResults pages seeded results with MaxResults/NextToken (serve.py's mend).
 * It works in an account of its own (moto's AssumeRole acts as the role's account), so no test ever sees its roles.
 */
import { randomInt } from 'node:crypto';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetPolicyCommand,
  IAMClient,
  ListEntitiesForPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

const HOLDERS = 101;
const PAGE = 60;
const POLICY = 'arn:aws:iam::aws:policy/AWSIoTFullAccess';

/** Returns null when the emulator at `endpoint` has everything, else what it lacks, in a sentence. */
export async function selfTest(endpoint: string): Promise<string | null> {
  const base = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  };
  const iam = new IAMClient(base);
  for (const arn of [POLICY, 'arn:aws:iam::aws:policy/service-role/AWSIoTLogging']) {
    const found = await iam.send(new GetPolicyCommand({ PolicyArn: arn })).catch(() => null);
    if (!found?.Policy)
      return (
        `AWS managed policies are not loaded (${arn} does not exist): start moto with ` +
        'MOTO_IAM_LOAD_MANAGED_POLICIES=true'
      );
  }

  const account = `8${String(randomInt(0, 1e11 - 1)).padStart(11, '0')}`;
  const { Credentials: c } = await new STSClient(base).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/self-test`, RoleSessionName: 'self-test' }),
  );
  if (!c?.AccessKeyId || !c.SecretAccessKey) return 'AssumeRole returned no credentials';
  const credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  const inAccount = new IAMClient({ ...base, credentials });
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  const names = Array.from({ length: HOLDERS }, (_, i) => `self-test-${i}`);
  // One request at a time: moto looks the caller's role up among the account's roles on every request, and fails
  // ("dictionary changed size during iteration") when another request adds a role to that account meanwhile.
  for (const RoleName of names) {
    await inAccount.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust }));
    await inAccount.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: POLICY }));
  }
  const found = new Set<string>();
  let pages = 0;
  let Marker: string | undefined;
  do {
    const page = await inAccount.send(new ListEntitiesForPolicyCommand({ PolicyArn: POLICY, MaxItems: PAGE, Marker }));
    for (const role of page.PolicyRoles ?? []) if (role.RoleName) found.add(role.RoleName);
    pages += 1;
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker && pages < 10);
  const expectedPages = Math.ceil(HOLDERS / PAGE);
  if (found.size !== HOLDERS || pages !== expectedPages) {
    return (
      `ListEntitiesForPolicy is not mended: ${HOLDERS} roles hold ${POLICY}, it found ${found.size} in ` +
      `${pages} page(s) of at most ${PAGE} (expected ${HOLDERS} in ${expectedPages}); start moto with ` +
      'scripts/emulator/serve.py'
    );
  }
  return athenaPages(endpoint, account, new AthenaClient({ ...base, credentials }));
}

/** Three rows seeded for the account's next Athena query must come back as pages of two and one. */
async function athenaPages(endpoint: string, account: string, athena: AthenaClient): Promise<string | null> {
  const rows = ['a', 'b', 'c'].map((v) => ({ Data: [{ VarCharValue: v }] }));
  const seeded = await fetch(`${endpoint}/moto-api/static/athena/query-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: account, region: 'us-east-1', results: [{ rows, column_info: [] }] }),
  });
  if (seeded.status !== 201) return `Athena results cannot be seeded (moto-api answered ${seeded.status})`;
  const { QueryExecutionId } = await athena.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 1' }));
  await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
  const first = await athena.send(new GetQueryResultsCommand({ QueryExecutionId, MaxResults: 2 }));
  const second = first.NextToken
    ? await athena.send(new GetQueryResultsCommand({ QueryExecutionId, MaxResults: 2, NextToken: first.NextToken }))
    : null;
  const sizes = [first, second].map((p) => p?.ResultSet?.Rows?.length ?? 0);
  if (sizes[0] !== 2 || sizes[1] !== 1 || second?.NextToken) {
    return (
      `Athena GetQueryResults is not mended: 3 seeded rows came back in pages of ${sizes.join(' and ')} ` +
      'with MaxResults 2 (expected 2 and 1); start moto with scripts/emulator/serve.py'
    );
  }
  return null;
}
