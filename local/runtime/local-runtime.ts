/**
 * Wires the local runtime for `npm start` and the end-to-end tests: reads the functions and event
 * source mappings of the App template (tokens resolved against the local parts), runs the
 * functions in a FunctionPool, and drives them from Kafka with EventSourceMappings. The API server
 * (local/api/local-api.ts) and the Step Functions emulator invoke through `invokeFunction`.
 */
import type { CfnTemplate } from './cfn-template';
import { EventSourceMappings, type EventSourceMappingsOptions } from './event-source-mapping';
import { FunctionPool, type FunctionPoolOptions } from './function-pool';
import { LocalResolver, type LocalResourceConfig } from './local-resources';
import { KafkaOnFailureDestination } from './on-failure';
import {
  type EventSourceMappingDefinition,
  type LocalFunctionDefinition,
  readEventSourceMappings,
  readFunctions,
  type SkippedFunction,
} from './template';

export interface LocalRuntimeOptions {
  /** The App stack's template. */
  readonly appTemplate: CfnTemplate;
  /** The other stacks' templates (the Data stack): cross-stack imports resolve through them. */
  readonly otherTemplates?: readonly CfnTemplate[];
  readonly kafkaBrokers: readonly string[];
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Ref values by logical id: the local table names and queue URLs infra created, the state machine ARN. */
  readonly refs?: LocalResourceConfig['refs'];
  /** Variables every function gets: AWS_ENDPOINT_URL_DYNAMODB / _SFN, placeholder credentials, MAILBOX_DIR. */
  readonly sharedEnvironment?: Readonly<Record<string, string>>;
  /** Per-function environment overrides (e.g. EMAIL_TRANSPORT=mailbox), by logical id or pipeline name. */
  readonly environmentOverrides?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly concurrency?: FunctionPoolOptions['concurrency'];
  readonly log?: FunctionPoolOptions['log'];
  readonly mappingLog?: EventSourceMappingsOptions['log'];
  /** @default process.cwd() */
  readonly repoRoot?: string;
}

export interface LocalRuntime {
  readonly resolver: LocalResolver;
  readonly functions: readonly LocalFunctionDefinition[];
  readonly skipped: readonly SkippedFunction[];
  readonly mappingDefinitions: readonly EventSourceMappingDefinition[];
  readonly pool: FunctionPool;
  readonly mappings: EventSourceMappings;
  /** Invoke by logical id, name, pipeline name or ARN: the Step Functions emulator's invokeFunction port. */
  readonly invokeFunction: (functionRef: string, payload: unknown) => Promise<unknown>;
  /** Starts the event source mappings (the pool starts sandboxes on demand). */
  start(): Promise<void>;
  /** Stops the mappings first (no new batches), then the functions. */
  stop(): Promise<void>;
}

export function createLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  const resolver = new LocalResolver(options.appTemplate, {
    kafkaBrokers: options.kafkaBrokers,
    region: options.region,
    refs: options.refs,
    exporters: options.otherTemplates,
  });
  const { functions: read, skipped } = readFunctions(options.appTemplate, resolver, {
    repoRoot: options.repoRoot,
  });
  const functions = read.map((definition) => {
    const overrides = {
      ...options.environmentOverrides?.[definition.pipelineName ?? ''],
      ...options.environmentOverrides?.[definition.logicalId],
    };
    return { ...definition, environment: { ...definition.environment, ...overrides } };
  });
  const mappingDefinitions = readEventSourceMappings(options.appTemplate, resolver).filter((mapping) =>
    functions.some((definition) => definition.logicalId === mapping.functionLogicalId),
  );
  const pool = new FunctionPool({
    functions,
    sharedEnvironment: options.sharedEnvironment,
    region: resolver.region,
    concurrency: options.concurrency,
    log: options.log,
  });
  const onFailure = new KafkaOnFailureDestination(options.kafkaBrokers);
  const mappings = new EventSourceMappings({
    mappings: mappingDefinitions,
    invoke: (functionLogicalId, event) => pool.invoke(functionLogicalId, event),
    functionArnOf: (functionLogicalId) => pool.resolve(functionLogicalId).arn,
    brokers: options.kafkaBrokers,
    onFailure,
    log: options.mappingLog,
  });
  return {
    resolver,
    functions,
    skipped,
    mappingDefinitions,
    pool,
    mappings,
    invokeFunction: (functionRef, payload) => pool.invoke(functionRef, payload),
    start: () => mappings.start(),
    stop: async () => {
      await mappings.stop();
      await pool.close();
      await onFailure.close();
    },
  };
}
