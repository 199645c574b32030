/**
 * Deploys this stack into the AWS API emulator with the README's own command (`osls deploy`) and reads back what
 * was deployed. moto's CloudFormation creates the functions, roles, rule, schedule, key, topic and queue for real;
 * alarms, subscriptions, resource policies, the trail, EventInvokeConfig and EventBusPolicy only as placeholders.
 */
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { runOsls, TEST_DEFAULT_PARAMS, withServiceDirectory, type Template } from '../../scripts/package-stack.js';

export interface DeployedResource {
  readonly type: string;
  readonly physicalId: string;
}

/** Where to deploy: the emulator, and credentials acting in the account (moto's AssumeRole gives one per account). */
export interface DeployTarget {
  readonly endpoint: string;
  readonly accountId: string;
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
}

/** SDK client options acting in the target's account. */
export function clientConfig(target: DeployTarget): {
  endpoint: string;
  region: string;
  credentials: DeployTarget['credentials'];
} {
  return { endpoint: target.endpoint, region: 'us-east-1', credentials: target.credentials };
}

export interface DeployedStack {
  readonly target: DeployTarget;
  readonly stage: string;
  readonly stackName: string;
  /** The template CloudFormation holds for the stack. */
  readonly template: Template;
  /** Every resource of the stack by logical id. */
  readonly resources: Readonly<Record<string, DeployedResource>>;
  readonly outputs: Readonly<Record<string, string>>;
  /** The physical id (name or ARN, as CloudFormation reports it) of a logical resource; throws when it is missing. */
  physicalId(logicalId: string): string;
  /** `osls remove --stage STAGE`, as the README says it (no parameters needed). */
  remove(): Promise<void>;
}

/** The environment osls runs with: the emulator's endpoint, us-east-1, dummy credentials, no telemetry. */
function oslsEnvironment({ endpoint, credentials }: DeployTarget): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
}

const paramArgs = (params: Readonly<Record<string, string>>): string[] =>
  Object.entries({ ...TEST_DEFAULT_PARAMS, ...params }).map(([name, value]) => `--param=${name}=${value}`);

/**
 * Runs `osls deploy --stage STAGE --param=...` against the emulator, in the target's account (taking turns with
 * packaging runs of the same checkout), and reads the stack back. An account of its own keeps the stack's functions
 * (the sweep acts on every attachment in its account) away from other tests.
 */
export async function deployStack(
  target: DeployTarget,
  stage: string,
  params: Readonly<Record<string, string>> = {},
): Promise<DeployedStack> {
  await withServiceDirectory(() =>
    runOsls(['deploy', '--stage', stage, ...paramArgs(params)], oslsEnvironment(target), 'deploy', 300_000),
  );
  return readStack(target, stage);
}

/** Reads a deployed stage's stack back from the emulator. */
export async function readStack(target: DeployTarget, stage: string): Promise<DeployedStack> {
  const stackName = `iot-policy-guard-${stage}`;
  const cfn = new CloudFormationClient(clientConfig(target));
  const [{ StackResources = [] }, { Stacks = [] }, { TemplateBody = '{}' }] = await Promise.all([
    cfn.send(new DescribeStackResourcesCommand({ StackName: stackName })),
    cfn.send(new DescribeStacksCommand({ StackName: stackName })),
    cfn.send(new GetTemplateCommand({ StackName: stackName })),
  ]);
  const resources = Object.fromEntries(
    StackResources.map((r) => [
      r.LogicalResourceId ?? '',
      { type: r.ResourceType ?? '', physicalId: r.PhysicalResourceId ?? '' },
    ]),
  );
  const outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  return {
    target,
    stage,
    stackName,
    template: JSON.parse(TemplateBody) as Template,
    resources,
    outputs,
    physicalId(logicalId) {
      const found = resources[logicalId];
      if (!found?.physicalId)
        throw new Error(`stack ${stackName} has no resource ${logicalId}; it has ${Object.keys(resources).join(', ')}`);
      return found.physicalId;
    },
    remove: () =>
      withServiceDirectory(() =>
        runOsls(['remove', '--stage', stage], oslsEnvironment(target), 'remove', 300_000),
      ).then(() => undefined),
  };
}
