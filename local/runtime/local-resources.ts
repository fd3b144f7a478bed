/**
 * The one reader of CloudFormation tokens in synthesized templates (Ref, Fn::GetAtt,
 * Fn::ImportValue, Fn::Join, Fn::Sub, Fn::Select, parameters, pseudo parameters): a table logical id
 * becomes the local table name, a state machine its local ARN, an MSK
 * cluster a local ARN (handlers get KAFKA_BROKERS instead of it, see template.ts). The local mode,
 * the benchmarks and the template tests all resolve through it, so they cannot disagree.
 */
import { SETTING_ENV_VARS } from '../../lib/config/functions';
import type { CfnResource, CfnTemplate } from './cfn-template';
import { isRecord } from './cfn-template';
import { UnresolvableTokenError } from './errors';

/**
 * The account the local mode stands in for: nothing talks to AWS, the values only shape ARNs. The
 * region is the stages' (lib/config/stages.ts), so local ARNs look like the deployed ones.
 */
export const LOCAL_ACCOUNT = { partition: 'aws', region: 'eu-central-1', accountId: '000000000000' } as const;
/** The client id local tokens are issued for; the Cognito user pool client resolves to it. */
export const LOCAL_USER_POOL_CLIENT_ID = 'order-pipeline-local';
export const LOCAL_USER_POOL_ID = 'local_orderpipeline';

export interface LocalResourceConfig {
  /** @default LOCAL_ACCOUNT.region */
  readonly region?: string;
  /** @default LOCAL_ACCOUNT.accountId */
  readonly accountId?: string;
  /** What `AWS::StackName` resolves to. @default 'local' */
  readonly stackName?: string;
  /** Broker list handed to handlers and to the event source mappings, e.g. ['127.0.0.1:9092']. @default [] */
  readonly kafkaBrokers?: readonly string[];
  /**
   * Overrides per logical id of what `Ref` returns (escape hatch for resources named differently
   * locally); for a Lambda function it is the function name its ARN is built from.
   */
  readonly refs?: Readonly<Record<string, string>>;
  /** Values of `Fn::ImportValue` by export name, ahead of the exporting templates. */
  readonly imports?: Readonly<Record<string, string>>;
  /**
   * Templates of the other stacks (e.g. the Data stack): `Fn::ImportValue` resolves through their
   * `Outputs` exports, in their own context.
   */
  readonly exporters?: readonly CfnTemplate[];
  /**
   * Consulted first for every intrinsic (`{ Ref }`, `{ 'Fn::GetAtt' }`, ...): a value replaces it,
   * undefined leaves it to the resolver. Template tests render tokens as placeholders with it.
   */
  readonly intrinsic?: (token: Readonly<Record<string, unknown>>) => string | undefined;
}

const KAFKA_CLUSTER_TYPES = new Set(['AWS::MSK::Cluster', 'AWS::MSK::ServerlessCluster']);

export class LocalResolver {
  readonly region: string;
  readonly accountId: string;
  readonly kafkaBrokers: readonly string[];
  private exportIndex: Map<string, { resolver: LocalResolver; value: unknown }> | undefined;

  constructor(
    readonly template: CfnTemplate,
    private readonly config: LocalResourceConfig = {},
  ) {
    this.region = config.region ?? LOCAL_ACCOUNT.region;
    this.accountId = config.accountId ?? LOCAL_ACCOUNT.accountId;
    this.kafkaBrokers = config.kafkaBrokers ?? [];
  }

  /** Resolves a property value to a string; `where` names the property in error messages. */
  resolve(value: unknown, where: string): string {
    const resolved = this.resolveValue(value, where);
    if (resolved === undefined) throw new UnresolvableTokenError(`${where}: resolves to AWS::NoValue`);
    return resolved;
  }

  /** Whether the value is (or references) an MSK cluster: handlers get KAFKA_BROKERS for it. */
  referencesKafkaCluster(value: unknown): boolean {
    if (typeof value === 'string') return value.startsWith('arn:aws:kafka:');
    if (Array.isArray(value)) return value.some((item) => this.referencesKafkaCluster(item));
    if (!isRecord(value)) return false;
    if ('Fn::ImportValue' in value && typeof value['Fn::ImportValue'] === 'string') {
      const exported = this.exported(value['Fn::ImportValue']);
      return exported?.resolver.referencesKafkaCluster(exported.value) === true;
    }
    const logicalId = referencedLogicalId(value);
    if (logicalId !== undefined)
      return KAFKA_CLUSTER_TYPES.has(this.template.Resources[logicalId]?.Type ?? '');
    return Object.values(value).some((item) => this.referencesKafkaCluster(item));
  }

  /** The logical id a Ref/GetAtt points at, if the value is one. */
  logicalIdOf(value: unknown): string | undefined {
    return isRecord(value) ? referencedLogicalId(value) : undefined;
  }

  tableName(logicalId: string): string {
    return this.config.refs?.[logicalId] ?? this.literalName(logicalId, 'TableName');
  }

  functionName(logicalId: string): string {
    const override = this.config.refs?.[logicalId];
    if (override !== undefined) return override;
    const resource = this.resource(logicalId);
    const fromProperty = resource.Properties?.FunctionName;
    if (typeof fromProperty === 'string') return fromProperty;
    const variables = (
      resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined
    )?.Variables;
    const pipelineName = variables?.[SETTING_ENV_VARS.pipelineFunction];
    return typeof pipelineName === 'string' ? pipelineName : logicalId;
  }

  functionArn(logicalId: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${this.functionName(logicalId)}`;
  }

  stateMachineName(logicalId: string): string {
    return this.literalName(logicalId, 'StateMachineName');
  }

  /** The ARN the local Step Functions endpoint registers the state machine under. */
  stateMachineArn(logicalId: string): string {
    return (
      this.config.refs?.[logicalId] ??
      `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${this.stateMachineName(logicalId)}`
    );
  }

  kafkaClusterArn(logicalId: string): string {
    return `arn:aws:kafka:${this.region}:${this.accountId}:cluster/${this.literalName(logicalId, 'ClusterName')}/local`;
  }

  private resolveValue(value: unknown, where: string): string | undefined {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (!isRecord(value))
      throw new UnresolvableTokenError(`${where}: cannot resolve ${JSON.stringify(value)}`);
    const given = this.config.intrinsic?.(value);
    if (given !== undefined) return given;
    if ('Ref' in value) return this.resolveRef(String(value.Ref), where);
    if ('Fn::GetAtt' in value) {
      const [logicalId, attribute] = getAttParts(value['Fn::GetAtt']);
      return this.resolveGetAtt(logicalId, attribute, where);
    }
    if ('Fn::ImportValue' in value) {
      const name = this.resolve(value['Fn::ImportValue'], where);
      const imported = this.config.imports?.[name];
      if (imported !== undefined) return imported;
      const exported = this.exported(name);
      if (exported === undefined)
        throw new UnresolvableTokenError(`${where}: no local value for import '${name}'`);
      return exported.resolver.resolve(exported.value, `${where} (export ${name})`);
    }
    if ('Fn::Join' in value) {
      const [delimiter, parts] = value['Fn::Join'] as [string, unknown[]];
      return parts
        .map((part, index) => this.resolveValue(part, `${where}[${index}]`))
        .filter((p) => p !== undefined)
        .join(delimiter);
    }
    if ('Fn::Select' in value) {
      const [index, list] = value['Fn::Select'] as [number | string, unknown];
      const items = Array.isArray(list) ? list : this.resolve(list, where).split(',');
      return this.resolveValue(items[Number(index)], where);
    }
    if ('Fn::Sub' in value) return this.resolveSub(value['Fn::Sub'], where);
    throw new UnresolvableTokenError(`${where}: unsupported intrinsic ${Object.keys(value).join(', ')}`);
  }

  /** The output exported under `name` by one of the exporter templates, with a resolver for its stack. */
  private exported(name: string): { resolver: LocalResolver; value: unknown } | undefined {
    if (this.exportIndex === undefined) {
      this.exportIndex = new Map();
      for (const exporter of this.config.exporters ?? []) {
        const resolver = new LocalResolver(exporter, { ...this.config, exporters: [] });
        for (const output of Object.values(exporter.Outputs ?? {})) {
          const exportName = output.Export?.Name;
          if (typeof exportName === 'string')
            this.exportIndex.set(exportName, { resolver, value: output.Value });
        }
      }
    }
    return this.exportIndex.get(name);
  }

  private resolveSub(sub: unknown, where: string): string {
    const [text, variables] = Array.isArray(sub)
      ? (sub as [string, Record<string, unknown>])
      : [String(sub), {}];
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_match, name: string) => {
      if (name in variables) return this.resolve(variables[name], where);
      const [logicalId, attribute] = name.split('.', 2) as [string, string | undefined];
      return attribute === undefined
        ? this.resolve({ Ref: logicalId }, where)
        : this.resolve({ 'Fn::GetAtt': [logicalId, attribute] }, where);
    });
  }

  private resolveRef(logicalId: string, where: string): string | undefined {
    switch (logicalId) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.accountId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.config.stackName ?? 'local';
      case 'AWS::NoValue':
        return undefined;
    }
    const override = this.config.refs?.[logicalId];
    if (override !== undefined) return override;
    const parameter = this.template.Parameters?.[logicalId];
    if (parameter !== undefined) return this.resolve(parameter.Default, `${where} (parameter ${logicalId})`);
    const type = this.resource(logicalId, where).Type;
    switch (type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return this.tableName(logicalId);
      case 'AWS::StepFunctions::StateMachine':
        return this.stateMachineArn(logicalId);
      case 'AWS::Lambda::Function':
        return this.functionName(logicalId);
      case 'AWS::MSK::Cluster':
      case 'AWS::MSK::ServerlessCluster':
        return this.kafkaClusterArn(logicalId);
      case 'AWS::Cognito::UserPool':
        return LOCAL_USER_POOL_ID;
      case 'AWS::Cognito::UserPoolClient':
        return LOCAL_USER_POOL_CLIENT_ID;
      default:
        throw new UnresolvableTokenError(`${where}: no local value for Ref ${logicalId} (${type})`);
    }
  }

  private resolveGetAtt(logicalId: string, attribute: string, where: string): string {
    const type = this.resource(logicalId, where).Type;
    const key = `${type}.${attribute}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${this.region}:${this.accountId}:table/${this.tableName(logicalId)}`;
      case 'AWS::Lambda::Function.Arn':
        return this.functionArn(logicalId);
      case 'AWS::StepFunctions::StateMachine.Arn':
        return this.stateMachineArn(logicalId);
      case 'AWS::StepFunctions::StateMachine.Name':
        return this.stateMachineName(logicalId);
      case 'AWS::MSK::Cluster.Arn':
      case 'AWS::MSK::ServerlessCluster.Arn':
        return this.kafkaClusterArn(logicalId);
      default:
        throw new UnresolvableTokenError(
          `${where}: no local value for Fn::GetAtt ${logicalId}.${attribute} (${type})`,
        );
    }
  }

  private resource(logicalId: string, where = logicalId): CfnResource {
    const resource = this.template.Resources[logicalId];
    if (!resource)
      throw new UnresolvableTokenError(`${where}: resource '${logicalId}' is not in the template`);
    return resource;
  }

  /** The resource's explicit physical name when it is a literal, else its logical id. */
  private literalName(logicalId: string, property: string): string {
    const name = this.resource(logicalId).Properties?.[property];
    return typeof name === 'string' ? name : logicalId;
  }
}

function getAttParts(value: unknown): [string, string] {
  if (Array.isArray(value)) return [String(value[0]), String(value[1])];
  const text = String(value);
  const dot = text.indexOf('.');
  return [text.slice(0, dot), text.slice(dot + 1)];
}

function referencedLogicalId(value: Record<string, unknown>): string | undefined {
  if (typeof value.Ref === 'string') return value.Ref;
  if ('Fn::GetAtt' in value) return getAttParts(value['Fn::GetAtt'])[0];
  return undefined;
}
