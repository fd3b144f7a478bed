/**
 * What the local pipeline runs, read from the synthesized templates: the App stack's functions
 * (each with its own environment, tokens resolved against the local parts), its Kafka event source
 * mappings and its state machine. The Data stack's exports feed the App stack's Fn::ImportValue.
 * `npm start`, the e2e tests and `npm run replay` all build their runtime from this one reading.
 */

import type { CfnTemplate, StackTemplate } from '../runtime/cfn-template';
import { LocalResolver } from '../runtime/local-resources';
import {
  type EventSourceMappingDefinition,
  type LocalFunctionDefinition,
  readEventSourceMappings,
  readFunctions,
} from '../runtime/template';
import { stateMachinesFromTemplate, type TemplateStateMachine } from '../stepfunctions';

/** The endpoints and names of the real parts (LocalServices's start() / the test harness provide them). */
export interface PipelineInfrastructure {
  readonly kafkaBrokers: readonly string[];
  readonly dynamodbEndpoint: string;
  /** Logical id -> table name. */
  readonly tables: Readonly<Record<string, string>>;
  /** KAFKA_BROKERS, AWS_ENDPOINT_URL_*, *_TABLE_NAME, region and credentials. */
  readonly environment: Readonly<Record<string, string>>;
}

export interface PipelineTopology {
  readonly region: string;
  readonly resolver: LocalResolver;
  readonly functions: readonly LocalFunctionDefinition[];
  readonly mappings: readonly EventSourceMappingDefinition[];
  readonly stateMachine: TemplateStateMachine;
  /** Table env var (ORDERS_TABLE_NAME, ...) -> table name. */
  readonly tableEnvironment: Readonly<Record<string, string>>;
  /** The App stack's outputs with their local values, as `cdk deploy --outputs-file` lists them. */
  readonly appOutputs: Readonly<Record<string, string>>;
}

/** The templates do not describe a runnable pipeline (no App stack, no state machine, ...). */
export class PipelineTopologyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PipelineTopologyError';
  }
}

export interface TopologyOptions {
  readonly templates: readonly StackTemplate[];
  readonly infrastructure: PipelineInfrastructure;
  readonly repoRoot: string;
  /** Variables every function gets on top of its template environment (they win). */
  readonly environmentOverrides: Readonly<Record<string, string>>;
}

export function readTopology(options: TopologyOptions): PipelineTopology {
  const { infrastructure } = options;
  const region = infrastructure.environment.AWS_REGION ?? 'us-east-1';
  const appStack = options.templates.find((stack) => stack.stackName.endsWith('-App'));
  if (!appStack) {
    throw new PipelineTopologyError(
      `No App stack among the templates (${options.templates.map((s) => s.stackName).join(', ')})`,
    );
  }
  const appTemplate = appStack.template;
  const imports: Record<string, string> = {};
  for (const stack of options.templates) {
    if (stack === appStack) continue;
    Object.assign(imports, exportsOf(stack.template, infrastructure, region));
  }
  const resolver = new LocalResolver(appTemplate, {
    region,
    kafkaBrokers: infrastructure.kafkaBrokers,
    imports,
  });
  const { functions } = readFunctions(appTemplate, resolver, { repoRoot: options.repoRoot });
  if (functions.length === 0) throw new PipelineTopologyError('The App template has no pipeline functions');
  const mappings = readEventSourceMappings(appTemplate, resolver);
  const [stateMachine] = stateMachinesFromTemplate(resolver);
  if (!stateMachine) throw new PipelineTopologyError('The App template has no state machine (the saga)');
  const tableEnvironment = Object.fromEntries(
    Object.entries(infrastructure.environment).filter(([name]) => name.endsWith('_TABLE_NAME')),
  );
  return {
    region,
    resolver,
    functions: functions.map((definition) => ({
      ...definition,
      environment: { ...definition.environment, ...options.environmentOverrides },
    })),
    mappings,
    stateMachine,
    tableEnvironment,
    appOutputs: outputsOf(appTemplate, resolver),
  };
}

/** Output key -> local value; outputs with no local meaning (the user pool, the SES identity) are left out. */
function outputsOf(template: CfnTemplate, resolver: LocalResolver): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [outputId, output] of Object.entries(template.Outputs ?? {})) {
    try {
      values[outputId] = resolver.resolve(output.Value, `Outputs.${outputId}.Value`);
    } catch {
      // Nothing local answers to it; a tool that needs it says so.
    }
  }
  return values;
}

/** Export name -> local value of a stack's outputs; values with no local meaning (subnets, keys) get a placeholder. */
function exportsOf(
  template: CfnTemplate,
  infrastructure: PipelineInfrastructure,
  region: string,
): Record<string, string> {
  const resolver = new LocalResolver(template, {
    region,
    kafkaBrokers: infrastructure.kafkaBrokers,
    refs: infrastructure.tables,
  });
  const values: Record<string, string> = {};
  for (const [outputId, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Export?.Name === undefined) continue;
    const name = resolver.resolve(output.Export.Name, `Outputs.${outputId}.Export.Name`);
    try {
      values[name] = resolver.resolve(output.Value, `Outputs.${outputId}.Value`);
    } catch {
      // VPC subnets, security groups, KMS keys, alarm topics: nothing local answers to them.
      values[name] = `local-${outputId}`;
    }
  }
  return values;
}

/** The consumer catalogue name of a function (its PIPELINE_FUNCTION tag), else its function name. */
export function consumerNameOf(definition: LocalFunctionDefinition): string {
  return definition.pipelineName ?? definition.functionName;
}
