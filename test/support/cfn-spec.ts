/**
 * Checks a CloudFormation template against the CloudFormation resource specification, as the CDK team keeps it
 * (@aws-cdk/aws-service-spec): resource types, property names, value types where the spec gives them, required
 * properties, and the targets of Ref, Fn::GetAtt and Fn::Sub. This is what moto's CloudFormation does not check: it
 * creates alarms, subscriptions, resource policies, the trail, EventInvokeConfig and EventBusPolicy as placeholders.
 * Values made by intrinsic functions are not typed (they are only known at deploy time); both branches of Fn::If are.
 */
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, Resource, SpecDatabase, TypeDefinition } from '@aws-cdk/service-spec-types';
import type { Template } from '../../scripts/package-stack.js';

let loading: Promise<SpecDatabase> | undefined;
/** The specification, loaded once per process (about 3 s). */
export const specification = (): Promise<SpecDatabase> => (loading ??= loadAwsServiceSpec());

const PSEUDO = new Set([
  'AWS::AccountId',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
  'AWS::NotificationARNs',
]);

/** Every problem of the template, one line each (empty: valid as far as the specification says). */
export function specProblems(
  template: Template & { Parameters?: Record<string, unknown> },
  db: SpecDatabase,
): string[] {
  const problems: string[] = [];
  const logicalIds = new Set([...Object.keys(template.Resources), ...Object.keys(template.Parameters ?? {})]);
  const specOf = new Map<string, Resource>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    const [spec] = db.lookup('resource', 'cloudFormationType', 'equals', resource.Type);
    if (!spec) {
      problems.push(`${id}: unknown resource type ${resource.Type}`);
      continue;
    }
    specOf.set(id, spec);
  }
  const checker = new Checker(db, problems, logicalIds, specOf);
  for (const [id, resource] of Object.entries(template.Resources)) {
    const spec = specOf.get(id);
    if (spec) checker.properties(`${id} (${resource.Type})`, resource.Properties ?? {}, spec.properties);
    checker.references(id, resource);
  }
  checker.references('Outputs', template.Outputs ?? {});
  return problems;
}

class Checker {
  constructor(
    private readonly db: SpecDatabase,
    private readonly problems: string[],
    private readonly logicalIds: ReadonlySet<string>,
    private readonly specOf: ReadonlyMap<string, Resource>,
  ) {}

  properties(at: string, value: unknown, spec: Readonly<Record<string, Property>>): void {
    if (isIntrinsic(value)) {
      this.branches(value, (branch) => this.properties(at, branch, spec));
      return;
    }
    if (!isObject(value))
      return void this.problems.push(`${at}: expected an object of properties, got ${JSON.stringify(value)}`);
    for (const [name, inner] of Object.entries(value)) {
      const property = spec[name];
      if (!property)
        this.problems.push(`${at}: unknown property ${name} (known: ${Object.keys(spec).sort().join(', ')})`);
      else this.value(`${at}.${name}`, inner, property.type);
    }
    for (const [name, property] of Object.entries(spec)) {
      if (property.required && !(name in value)) this.problems.push(`${at}: required property ${name} is missing`);
    }
  }

  private value(at: string, value: unknown, type: PropertyType): void {
    if (isIntrinsic(value)) {
      this.branches(value, (branch) => this.value(at, branch, type));
      return;
    }
    const wrong = (): void =>
      void this.problems.push(`${at}: expected ${describe(type)}, got ${JSON.stringify(value)?.slice(0, 80)}`);
    switch (type.type) {
      case 'string':
      case 'date-time':
        if (typeof value !== 'string' && typeof value !== 'number') wrong();
        return;
      case 'number':
      case 'integer':
        if (
          typeof value !== 'number' &&
          !(typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
        )
          wrong();
        return;
      case 'boolean':
        if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') wrong();
        return;
      case 'json':
        return;
      case 'tag':
        if (!isObject(value) || !('Key' in value) || !('Value' in value)) wrong();
        return;
      case 'array':
        if (!Array.isArray(value)) wrong();
        else for (const [i, element] of value.entries()) this.value(`${at}[${i}]`, element, type.element);
        return;
      case 'map':
        if (!isObject(value)) wrong();
        else for (const [key, element] of Object.entries(value)) this.value(`${at}.${key}`, element, type.element);
        return;
      case 'ref': {
        const definition = this.db.get('typeDefinition', type.reference.$ref) as TypeDefinition;
        this.properties(at, value, definition.properties);
        return;
      }
      case 'union': {
        // A union is satisfied by any member that reports nothing.
        const results = type.types.map((member) => {
          const scratch: string[] = [];
          new Checker(this.db, scratch, this.logicalIds, this.specOf).value(at, value, member);
          return scratch;
        });
        if (!results.some((r) => r.length === 0))
          this.problems.push(`${at}: matches no member of ${describe(type)}: ${results.map((r) => r[0]).join(' | ')}`);
        return;
      }
      default:
        return;
    }
  }

  /** Fn::If: both branches; other intrinsic functions make values this check cannot know. */
  private branches(value: Record<string, unknown>, check: (branch: unknown) => void): void {
    const args = value['Fn::If'];
    if (!Array.isArray(args)) return;
    for (const branch of args.slice(1)) {
      if (!(isObject(branch) && branch.Ref === 'AWS::NoValue')) check(branch);
    }
  }

  /** Ref, Fn::GetAtt and Fn::Sub anywhere below `node` name resources (and attributes) or parameters that exist. */
  references(at: string, node: unknown): void {
    if (Array.isArray(node)) {
      for (const inner of node) this.references(at, inner);
      return;
    }
    if (!isObject(node)) return;
    for (const [key, inner] of Object.entries(node)) {
      if (key === 'Ref' && typeof inner === 'string' && !PSEUDO.has(inner) && !this.logicalIds.has(inner))
        this.problems.push(`${at}: Ref to unknown ${inner}`);
      if (key === 'Fn::GetAtt') {
        const [target, attribute] = typeof inner === 'string' ? inner.split(/\.(.*)/s) : (inner as unknown[]);
        this.attribute(at, String(target), attribute);
      }
      if (key === 'Fn::Sub') {
        const [text, variables = {}] =
          typeof inner === 'string' ? [inner, {}] : (inner as [string, Record<string, unknown>]);
        for (const [, name = ''] of String(text).matchAll(/\$\{(?!!)([^}]+)\}/g)) {
          if (name in (variables as Record<string, unknown>) || PSEUDO.has(name)) continue;
          const [target = '', attribute] = name.split(/\.(.*)/s);
          if (attribute === undefined) {
            if (!this.logicalIds.has(target)) this.problems.push(`${at}: Fn::Sub names unknown \${${name}}`);
          } else this.attribute(at, target, attribute);
        }
      }
      this.references(at, inner);
    }
  }

  private attribute(at: string, target: string, attribute: unknown): void {
    const spec = this.specOf.get(target);
    if (!this.logicalIds.has(target)) this.problems.push(`${at}: Fn::GetAtt of unknown resource ${target}`);
    else if (spec && typeof attribute === 'string' && !(attribute in spec.attributes)) {
      this.problems.push(
        `${at}: ${target} (${spec.cloudFormationType}) has no attribute ${attribute} (it has ` +
          `${Object.keys(spec.attributes).join(', ')})`,
      );
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || (keys[0]?.startsWith('Fn::') ?? false));
}

function describe(type: PropertyType): string {
  if (type.type === 'array' || type.type === 'map') return `${type.type} of ${describe(type.element)}`;
  if (type.type === 'union') return type.types.map(describe).join(' or ');
  return type.type;
}
