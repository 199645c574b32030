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
import { runOsls, withServiceDirectory, type Template } from '../../scripts/package-stack.js';

export interface DeployedResource {
  readonly type: string;
  readonly physicalId: string;
}

export interface DeployedStack {
  readonly stage: string;
  readonly stackName: string;
  /** The template CloudFormation holds for the stack. */
  readonly template: Template;
  /** Every resource of the stack by logical id. */
  readonly resources: Readonly<Record<string, DeployedResource>>;
  readonly outputs: Readonly<Record<string, string>>;
  /** The physical id (name or ARN, as CloudFormation reports it) of a logical resource; throws when it is missing. */
  physicalId(logicalId: string): string;
  /** `osls remove` for the stage. */
  remove(): Promise<void>;
}

/** The environment osls runs with: the emulator's endpoint, us-east-1, dummy credentials, no telemetry. */
function oslsEnvironment(endpoint: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
}

const paramArgs = (params: Readonly<Record<string, string>>): string[] =>
  Object.entries(params).map(([name, value]) => `--param=${name}=${value}`);

/**
 * Runs `osls deploy --stage STAGE --param=...` against the emulator at `endpoint` (taking turns with packaging runs
 * of the same checkout) and reads the stack back. Use a stage no other test uses: stacks outlive the test run.
 */
export async function deployStack(endpoint: string, stage: string, params: Readonly<Record<string, string>> = {}): Promise<DeployedStack> {
  const env = oslsEnvironment(endpoint);
  await withServiceDirectory(() => runOsls(['deploy', '--stage', stage, ...paramArgs(params)], env, 'deploy', 300_000));
  return readStack(endpoint, stage, params);
}

/** Reads a deployed stage's stack back from the emulator. */
export async function readStack(endpoint: string, stage: string, params: Readonly<Record<string, string>> = {}): Promise<DeployedStack> {
  const stackName = `iot-policy-guard-${stage}`;
  const cfn = new CloudFormationClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const [{ StackResources = [] }, { Stacks = [] }, { TemplateBody = '{}' }] = await Promise.all([
    cfn.send(new DescribeStackResourcesCommand({ StackName: stackName })),
    cfn.send(new DescribeStacksCommand({ StackName: stackName })),
    cfn.send(new GetTemplateCommand({ StackName: stackName })),
  ]);
  const resources = Object.fromEntries(
    StackResources.map((r) => [r.LogicalResourceId ?? '', { type: r.ResourceType ?? '', physicalId: r.PhysicalResourceId ?? '' }]),
  );
  const outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  return {
    stage,
    stackName,
    template: JSON.parse(TemplateBody) as Template,
    resources,
    outputs,
    physicalId(logicalId) {
      const found = resources[logicalId];
      if (!found?.physicalId) throw new Error(`stack ${stackName} has no resource ${logicalId}; it has ${Object.keys(resources).join(', ')}`);
      return found.physicalId;
    },
    remove: () =>
      withServiceDirectory(() => runOsls(['remove', '--stage', stage, ...paramArgs(params)], oslsEnvironment(endpoint), 'remove', 300_000)).then(() => undefined),
  };
}
