/**
 * Runs a deployed function as Lambda would, since moto cannot run Lambda: its zip is taken from the deployment
 * bucket, unpacked, and its handler is started in a fresh node process in the zip's root (no node_modules to fall
 * back on), with the deployed environment, pointed at the emulator.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, type DeployedStack } from './deployed-stack.js';
import { unzip } from './zip.js';

export interface DeployedFunction {
  readonly name: string;
  readonly arn: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly taskRoot: string;
  /**
   * Invokes the handler once, in a new process; returns what it returned and the log lines it printed (stdout, then
   * stderr).
   */
  invoke(event: unknown): Promise<{ result: unknown; logs: Record<string, unknown>[] }>;
}

/**
 * Fetches the function `functionKey` (serverless.yml's key, e.g. `attachGuard`) of a deployed stack: its
 * configuration from Lambda, its package from the stack's deployment bucket.
 */
export async function deployedFunction(
  stack: DeployedStack,
  functionKey: string,
  workDir: string,
): Promise<DeployedFunction> {
  const client = clientConfig(stack.target);
  const logicalId = `${functionKey.charAt(0).toUpperCase()}${functionKey.slice(1)}LambdaFunction`;
  const name = stack.physicalId(logicalId);
  const config = await new LambdaClient(client).send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  const s3 = new S3Client({ ...client, forcePathStyle: true });
  const bucket = stack.physicalId('ServerlessDeploymentBucket');
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const key = Contents.filter((o) => o.Key?.endsWith(`/${functionKey}.zip`))
    .sort((a, b) => (a.Key ?? '').localeCompare(b.Key ?? ''))
    .pop()?.Key;
  if (!key)
    throw new Error(
      `no ${functionKey}.zip in the deployment bucket ${bucket}: ${Contents.map((o) => o.Key).join(', ')}`,
    );
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const zipPath = join(workDir, `${functionKey}.zip`);
  mkdirSync(workDir, { recursive: true });
  writeFileSync(zipPath, await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  const taskRoot = unzip(zipPath, join(workDir, functionKey));

  const [file, exported] = splitHandler(config.Handler ?? '');
  const environment = config.Environment?.Variables ?? {};
  const arn = config.FunctionArn ?? '';
  return {
    name,
    arn,
    environment,
    taskRoot,
    invoke: (event) =>
      invokeInProcess(
        {
          taskRoot,
          file: `${file}.mjs`,
          exported,
          environment,
          target: stack.target,
          name,
          arn,
          memory: config.MemorySize ?? 128,
        },
        event,
      ),
  };
}

function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  return [handler.slice(0, dot), handler.slice(dot + 1)];
}

interface Invocation {
  taskRoot: string;
  file: string;
  exported: string;
  environment: Readonly<Record<string, string>>;
  target: DeployedStack['target'];
  name: string;
  arn: string;
  memory: number;
}

const RESULT = 'INVOCATION-RESULT ';

async function invokeInProcess(
  fn: Invocation,
  event: unknown,
): Promise<{ result: unknown; logs: Record<string, unknown>[] }> {
  const context = {
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memory),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: 'test',
  };
  const script = `
const m = await import(${JSON.stringify(join(fn.taskRoot, fn.file))});
const deadline = Date.now() + 300000;
const context = { ...${JSON.stringify(context)}, callbackWaitsForEmptyEventLoop: true, \
getRemainingTimeInMillis: () => deadline - Date.now() };
const result = await m[${JSON.stringify(fn.exported)}](JSON.parse(process.env.TEST_EVENT), context);
process.stdout.write('\\n${RESULT}' + JSON.stringify(result ?? null) + '\\n');
`;
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && k !== 'NODE_OPTIONS' && k !== 'NODE_PATH'),
  );
  const env = {
    ...base,
    ...fn.environment,
    TEST_EVENT: JSON.stringify(event),
    LAMBDA_TASK_ROOT: fn.taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memory),
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: fn.target.endpoint,
    AWS_ACCESS_KEY_ID: fn.target.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: fn.target.credentials.secretAccessKey,
    ...(fn.target.credentials.sessionToken ? { AWS_SESSION_TOKEN: fn.target.credentials.sessionToken } : {}),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fn.taskRoot,
    env,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 120_000,
  }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`${fn.name} failed: ${error.stderr || error.message}\n${error.stdout ?? ''}`, { cause: error });
  });
  const lines = stdout.split('\n');
  const resultLine = lines.find((l) => l.startsWith(RESULT));
  if (resultLine === undefined) throw new Error(`${fn.name} returned nothing:\n${stdout}`);
  // The logger writes WARN and ERROR lines to stderr, the rest to stdout.
  const logs = [...lines, ...stderr.split('\n')]
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { result: JSON.parse(resultLine.slice(RESULT.length)) as unknown, logs };
}
