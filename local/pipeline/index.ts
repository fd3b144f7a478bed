/**
 * The whole pipeline on one machine: the real parts (Kafka and the DynamoDB server), the
 * template's functions in isolated workers, the saga on the local Step Functions endpoint, the
 * template's event source mappings as Kafka consumer groups, the API emulator and the dashboard.
 * `npm start` runs the 'dev' profile; the e2e tests run the 'test' profile on the harness's parts.
 * Chosen consumers can run in a child process of their own (`consumerProcess`), which can
 * then be killed and restarted alone. Nothing half-starts: a failure while starting stops what did
 * start and rethrows.
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import {
  PIPELINE_FUNCTIONS,
  SETTING_ENV_VARS,
  TABLE_ENV_VARS,
  type TableName,
} from '../../lib/config/functions';
import { readApiDefinition } from '../api/api-definition';
import { LocalApiServer } from '../api/server';
import { LocalIssuer, localIssuerUrl } from '../auth/issuer';
import { Dashboard } from '../dashboard/server';
import { onShutdownSignal } from '../infra/child-registry';
import { LocalServices } from '../infra/local-services';
import { localDir, repositoryRoot, STACK_OUTPUTS_FILE, TOOL_ENVIRONMENT_FILE } from '../infra/paths';
import { assertPortFree } from '../infra/preflight';
import { type StackTemplate, stageTemplates } from '../runtime/cfn-template';
import { ConsumerProcess } from '../runtime/consumer-process-host';
import { FunctionNotInvocableError } from '../runtime/errors';
import { EventSourceMappings } from '../runtime/event-source-mapping';
import { FunctionPool, type LogSink } from '../runtime/function-pool';
import { startLambdaApi } from '../runtime/lambda-api';
import { combineMappings, type MappingControl } from '../runtime/mapping-control';
import { KafkaOnFailureDestination } from '../runtime/on-failure';
import type { EventSourceMappingDefinition, LocalFunctionDefinition } from '../runtime/template';
import { type RunningLocalStepFunctions, startLocalStepFunctions } from '../stepfunctions';
import { PipelineDashboardSources } from './dashboard-sources';
import { PipelineKafka } from './kafka-tools';
import { freePort } from './tcp-ports';
import { consumerNameOf, type PipelineInfrastructure, type PipelineTopology, readTopology } from './topology';

export type { PipelineInfrastructure } from './topology';

export interface RunningPipeline {
  readonly apiUrl: string;
  readonly dashboardUrl: string;
  readonly endpoints: {
    readonly dynamodb: string;
    readonly sfn: string;
    /** The Lambda Invoke API of the local functions (AWS_ENDPOINT_URL_LAMBDA). */
    readonly lambda: string;
    readonly kafkaBrokers: readonly string[];
  };
  /** Each table's local name. */
  readonly tables: Readonly<Record<TableName, string>>;
  readonly mailboxDir: string;
  /** The state machine the checkout starts (its local ARN). */
  readonly stateMachineArn: string;
  /**
   * The App stack's outputs with their local values (`OrdersTableName`, `<Consumer>FunctionName`,
   * ...). The 'dev' profile also writes them to `.local/stack-outputs.json`, in the shape of
   * `cdk deploy --outputs-file`, for the operator tools.
   */
  readonly stackOutputs: Readonly<Record<string, string>>;
  /**
   * The variables that point the AWS SDK and kafkajs at this pipeline's parts (AWS_ENDPOINT_URL_*,
   * KAFKA_BROKERS, AWS_REGION); the 'dev' profile writes them to `.local/tool-environment.json`.
   */
  readonly toolEnvironment: Readonly<Record<string, string>>;
  /** Where the functions' console output goes. */
  readonly functionLogFile: string;
  token(customerId: string): Promise<string>;
  /** The dead-letter topic of a consumer (ConsumerName): its mappings' on-failure destination. */
  deadLetterTopic(consumer: string): string;
  pause(consumer: string): Promise<void>;
  resume(consumer: string): Promise<void>;
  /** Records behind over all the consumer's topics. */
  lag(consumer: string): Promise<number>;
  /** Every group lag 0 and nothing in flight; throws after 60 s. */
  waitForConsumersIdle(): Promise<void>;
  readOrder(orderId: string): Promise<Record<string, unknown> | undefined>;
  /**
   * The child process running the consumers named in `StartPipelineOptions.consumerProcess`: kill it (SIGKILL by
   * default), start it again, watch its activity. Undefined when every consumer runs in this process.
   */
  readonly consumerProcess: ConsumerProcess | undefined;
  stop(): Promise<void>;
}

export interface StartPipelineOptions {
  /**
   * 'dev' (`npm start`): starts the real parts on their default ports (each from its env var) with
   * data in `.local/`. 'test': uses `infrastructure` (the integration harness's parts), free ports,
   * a temporary mailbox. @default 'dev'
   */
  readonly profile?: 'dev' | 'test';
  /** The running parts to use; 'test' falls back to the harness's environment variables. */
  readonly infrastructure?: PipelineInfrastructure;
  /** Progress lines. @default console.log for 'dev', nothing for 'test' */
  readonly log?: (line: string) => void;
  /** Accepted for `npm start`; the demo itself is local/demo.ts. */
  readonly demo?: boolean;
  /**
   * Folder of the Step Functions execution journal for the 'test' profile, so a test can stop the
   * pipeline and start it again on the same executions, as Step Functions keeps them across a
   * redeploy of the functions. The 'dev' profile always keeps its journal in `.local/`.
   * @default no journal for 'test'
   */
  readonly stepFunctionsDataDir?: string;
  /**
   * Consumers whose event source mappings and functions run in a child process of their own
   * (local/runtime/consumer-process.ts) instead of this one, so that it can be killed and restarted
   * without the rest of the pipeline, as a Lambda poller or sandbox fails alone.
   * `RunningPipeline.consumerProcess` controls it.
   * @default none: every consumer runs in this process
   */
  readonly consumerProcess?: ConsumerProcessOptions;
  /**
   * Variables set on top of the template's environment of single functions, by pipeline name, e.g.
   * `{ checkout: { ADMISSION_MAX_COMMAND_BACKLOG: '5' } }`: a test's own setting, in place of the
   * stage's.
   * @default none: every function runs with its template environment
   */
  readonly functionEnvironment?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface ConsumerProcessOptions {
  /** Consumer catalogue names (ConsumerName), e.g. ['notification', 'loyalty']. */
  readonly consumers: readonly string[];
  /**
   * Session timeout of the process's consumer group members: after a kill, the groups give the
   * dead members' partitions to the restarted process only once this has passed.
   * @default kafkajs's 30 s
   */
  readonly sessionTimeoutMs?: number;
}

/** Starting the pipeline failed; whatever had started is stopped again. */
export class PipelineStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PipelineStartError';
  }
}

/**
 * Environments per function, by pipeline name, from the function catalogue. Lambda runs up to one
 * invocation per partition of a Kafka mapping; locally a function without its own figure gets the
 * pool's default.
 */
const CONCURRENCY: Readonly<Record<string, number>> = Object.fromEntries(
  PIPELINE_FUNCTIONS.flatMap((spec) =>
    spec.localConcurrency === undefined ? [] : [[spec.name, spec.localConcurrency] as const],
  ),
);
/** Partitions of one consumer group processed at once (each partition stays in order). */
const PARTITIONS_CONCURRENTLY = 8;
const IDLE_TIMEOUT_MS = 60_000;
const SLOW_INVOCATION_MS = 1_000;

interface Ports {
  readonly api: number;
  readonly dashboard: number;
  readonly sfn: number;
  readonly lambda: number;
}

export async function startPipeline(options: StartPipelineOptions = {}): Promise<RunningPipeline> {
  const profile = options.profile ?? 'dev';
  const log = options.log ?? (profile === 'dev' ? console.log : () => undefined);
  const repoRoot = repositoryRoot();
  const templates = stageTemplates(join(repoRoot, 'cdk.out'), 'dev');
  const stops: { name: string; stop: () => Promise<unknown> }[] = [];
  const stopAll = async (): Promise<void> => {
    for (const { stop } of stops.splice(0).reverse()) await Promise.resolve(stop()).catch(() => undefined);
  };
  try {
    const ports = profile === 'dev' ? await devPorts() : await testPorts();
    let infrastructure: PipelineInfrastructure;
    let dataDir: string;
    if (profile === 'dev') {
      dataDir = localDir();
      const stack = new LocalServices({ templates, log });
      stops.push({ name: 'local stack', stop: () => stack.stop() });
      infrastructure = await stack.start();
    } else {
      infrastructure = options.infrastructure ?? infrastructureFromEnvironment();
      dataDir = mkdtempSync(join(tmpdir(), 'order-pipeline-'));
      stops.push({
        name: 'temporary data',
        stop: async () => rmSync(dataDir, { recursive: true, force: true }),
      });
    }
    return await assemble({
      profile,
      ports,
      infrastructure,
      dataDir,
      templates,
      repoRoot,
      log,
      stops,
      stopAll,
      stepFunctionsDataDir: options.stepFunctionsDataDir,
      consumerProcess: options.consumerProcess,
      functionEnvironment: options.functionEnvironment,
    });
  } catch (error) {
    await stopAll();
    if (
      error instanceof Error &&
      /PortInUse|PrerequisiteMissing|ArtifactFetch|ComponentStart/.test(error.name)
    ) {
      throw error;
    }
    throw new PipelineStartError(
      `The local pipeline did not start: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      { cause: error },
    );
  }
}

interface AssembleInput {
  readonly profile: 'dev' | 'test';
  readonly ports: Ports;
  readonly infrastructure: PipelineInfrastructure;
  readonly dataDir: string;
  readonly templates: readonly StackTemplate[];
  readonly repoRoot: string;
  readonly log: (line: string) => void;
  readonly stops: { name: string; stop: () => Promise<unknown> }[];
  readonly stopAll: () => Promise<void>;
  readonly stepFunctionsDataDir?: string;
  readonly consumerProcess?: ConsumerProcessOptions;
  readonly functionEnvironment?: StartPipelineOptions['functionEnvironment'];
}

async function assemble(input: AssembleInput): Promise<RunningPipeline> {
  const { infrastructure, ports, dataDir, stops, log } = input;
  const mailboxDir = join(dataDir, 'mailbox');
  // Test runs keep their function log after the temporary data is gone: it is what explains a failure.
  const logDir =
    input.profile === 'dev' ? join(dataDir, 'logs') : join(input.repoRoot, '.local', 'test-logs');
  mkdirSync(mailboxDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const functionLogFile =
    input.profile === 'dev'
      ? join(logDir, 'functions.log')
      : join(logDir, `functions-${Date.now()}-${process.pid}.log`);
  const functionLog = createWriteStream(functionLogFile, { flags: 'a' });
  stops.push({ name: 'function log', stop: () => new Promise((resolve) => functionLog.end(resolve)) });
  const sink: LogSink = (functionName, stream, line) => {
    functionLog.write(
      `${new Date().toISOString()} [${functionName}] ${stream === 'stderr' ? '! ' : ''}${line}\n`,
    );
  };

  const sfnEndpoint = `http://127.0.0.1:${ports.sfn}`;
  const lambdaEndpoint = `http://127.0.0.1:${ports.lambda}`;
  const templateTopology = readTopology({
    templates: input.templates,
    infrastructure,
    repoRoot: input.repoRoot,
    environmentOverrides: {
      ...infrastructure.environment,
      KAFKA_BROKERS: infrastructure.kafkaBrokers.join(','),
      AWS_ENDPOINT_URL_DYNAMODB: infrastructure.dynamodbEndpoint,
      AWS_ENDPOINT_URL_SFN: sfnEndpoint,
      [SETTING_ENV_VARS.emailTransport]: 'mailbox',
      MAILBOX_DIR: mailboxDir,
      AWS_ACCESS_KEY_ID: infrastructure.environment.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: infrastructure.environment.AWS_SECRET_ACCESS_KEY ?? 'local',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
    },
  });
  const topology = withFunctionEnvironment(templateTopology, input.functionEnvironment ?? {});
  const toolEnvironment: Record<string, string> = {
    AWS_REGION: topology.region,
    AWS_ACCESS_KEY_ID: topology.functions[0]?.environment.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: topology.functions[0]?.environment.AWS_SECRET_ACCESS_KEY ?? 'local',
    AWS_ENDPOINT_URL_DYNAMODB: infrastructure.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SFN: sfnEndpoint,
    AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint,
    KAFKA_BROKERS: infrastructure.kafkaBrokers.join(','),
  };
  if (input.profile === 'dev') {
    const appStack = input.templates.find((stack) => stack.stackName.endsWith('-App'));
    if (appStack) writeToolFiles(dataDir, appStack.stackName, topology.appOutputs, toolEnvironment);
  }
  const region = topology.region;
  const split = splitConsumers(topology, input.consumerProcess?.consumers ?? []);

  const pool = new FunctionPool({
    functions: split.local.functions,
    region,
    concurrency: CONCURRENCY,
    log: sink,
  });
  stops.push({ name: 'functions', stop: () => pool.close() });
  const consumerProcess =
    split.child.functions.length === 0
      ? undefined
      : new ConsumerProcess({
          config: {
            functions: split.child.functions,
            mappings: split.child.mappings,
            brokers: infrastructure.kafkaBrokers,
            region,
            concurrency: CONCURRENCY,
            partitionsConcurrently: PARTITIONS_CONCURRENTLY,
            slowInvocationMs: SLOW_INVOCATION_MS,
            sessionTimeoutMs: input.consumerProcess?.sessionTimeoutMs,
          },
          log: sink,
        });
  if (consumerProcess) stops.push({ name: 'consumer process', stop: () => consumerProcess.stop() });
  // Every invocation goes through here: slow ones are noted in the function log (saga steps time out at 2-10 s).
  const invoke = async (functionRef: string, event: unknown): Promise<unknown> => {
    const started = Date.now();
    try {
      return await pool.invoke(functionRef, event);
    } finally {
      const ms = Date.now() - started;
      if (ms >= SLOW_INVOCATION_MS) sink(functionRef, 'stderr', `slow invocation: ${ms} ms`);
    }
  };

  // What an operator tool invokes (npm run dlq redrive): the same pool the mappings use.
  const lambdaApi = await startLambdaApi({
    port: ports.lambda,
    invoke: async (functionName, event) => {
      if (split.child.functions.some((definition) => answersTo(definition, functionName))) {
        throw new FunctionNotInvocableError(
          `Function ${functionName} runs in the consumer child process, which serves its event source mappings only`,
        );
      }
      return invoke(functionName, event);
    },
  });
  stops.push({ name: 'lambda api', stop: () => lambdaApi.close() });
  log(`Lambda endpoint ${lambdaApi.endpoint} invokes the local functions`);

  const sfn: RunningLocalStepFunctions = await startLocalStepFunctions({
    stateMachines: [topology.stateMachine],
    invokeFunction: (name, payload) => invoke(name, payload),
    dataDir: input.profile === 'dev' ? join(dataDir, 'sfn') : input.stepFunctionsDataDir,
    port: ports.sfn,
    onWarning: (message, error) =>
      sink('step-functions', 'stderr', `${message}${error ? `: ${String(error)}` : ''}`),
    // Executions left RUNNING by the last stop continue once the functions are warm (below).
    resumeRestored: 'on-request',
  });
  stops.push({ name: 'step functions', stop: () => sfn.close() });
  log(`Step Functions endpoint ${sfn.endpoint} runs ${topology.stateMachine.stateMachineArn}`);

  const onFailure = new KafkaOnFailureDestination(infrastructure.kafkaBrokers);
  stops.push({ name: 'on-failure client', stop: async () => onFailure.close() });
  const mappings = new EventSourceMappings({
    mappings: split.local.mappings,
    invoke: (functionLogicalId, event) => invoke(functionLogicalId, event),
    functionArnOf: (functionLogicalId) => pool.resolve(functionLogicalId).arn,
    brokers: infrastructure.kafkaBrokers,
    onFailure,
    partitionsConcurrently: PARTITIONS_CONCURRENTLY,
    log: (line) => sink('event-source-mappings', 'stdout', line),
  });
  stops.push({ name: 'event source mappings', stop: () => mappings.stop() });
  const warmed = warmUp(pool, split.local.functions, split.local.mappings);
  const childStarted = consumerProcess?.start();
  await mappings.start();
  await warmed;
  await childStarted;
  // A re-driven saga step that met cold functions would time out and fail its order.
  sfn.service.resumeRestoredExecutions();
  log(
    `Event source mappings: ${topology.mappings.length} (consumer groups joined)${
      consumerProcess
        ? `; ${split.child.mappings.length} of them in consumer process ${consumerProcess.pid}`
        : ''
    }`,
  );
  const allMappings: MappingControl = consumerProcess
    ? combineMappings([mappings, consumerProcess])
    : mappings;

  const appTemplate = input.templates.find((stack) => stack.stackName.endsWith('-App'))!.template;
  const issuer = await LocalIssuer.open({
    issuer: localIssuerUrl(ports.api),
    keyDir: join(dataDir, 'auth'),
  });
  const api = await LocalApiServer.start({
    definition: readApiDefinition(appTemplate),
    invoke: (functionLogicalId, event) => invoke(functionLogicalId, event),
    issuer,
    port: ports.api,
  });
  stops.push({ name: 'api', stop: () => api.stop() });

  const kafka = new PipelineKafka(infrastructure.kafkaBrokers);
  stops.push({ name: 'kafka tools', stop: () => kafka.disconnect() });
  await kafka.connect();

  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: infrastructure.dynamodbEndpoint,
      region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  stops.push({ name: 'dynamodb client', stop: async () => db.destroy() });
  const tables = tablesOf(topology);

  const consumerNames = new Map<string, string>();
  for (const mapping of topology.mappings) {
    const definition = topology.functions.find(
      (candidate) => candidate.logicalId === mapping.functionLogicalId,
    );
    if (definition) consumerNames.set(mapping.functionLogicalId, consumerNameOf(definition));
  }
  const sources = new PipelineDashboardSources({
    mappings: allMappings,
    consumerNames,
    stepFunctions: sfn.service,
    stateMachineArn: topology.stateMachine.stateMachineArn,
    db,
    ordersTable: tables.orders,
    mailboxDir,
    kafka,
  });
  const dashboard = new Dashboard({
    sources,
    port: ports.dashboard,
    onSampleError: (error) => log(`Dashboard sample failed (retrying): ${String(error)}`),
  });
  const dashboardUrl = await dashboard.start();
  stops.push({ name: 'dashboard', stop: () => dashboard.stop() });

  const logicalIdsOf = (consumer: string): string[] => {
    const ids = [...consumerNames].filter(([, name]) => name === consumer).map(([id]) => id);
    if (ids.length === 0) {
      throw new RangeError(
        `No consumer '${consumer}'; known: ${[...new Set(consumerNames.values())].join(', ')}`,
      );
    }
    return ids;
  };
  const lagOf = async (logicalIds: readonly string[] | undefined): Promise<number> => {
    const lags = await withRetries(() => allMappings.getLag());
    const ids = logicalIds ? new Set(logicalIds) : undefined;
    const byMapping = new Map(topology.mappings.map((m) => [m.logicalId, m.functionLogicalId]));
    return lags
      .filter((lag) => !ids || ids.has(byMapping.get(lag.mappingLogicalId) ?? ''))
      .reduce((sum, lag) => sum + lag.lag, 0);
  };
  const consumerIds = new Set(consumerNames.keys());
  const busy = async (): Promise<boolean> =>
    pool.stats().some((stats) => consumerIds.has(stats.logicalId) && stats.running + stats.queued > 0) ||
    ((await consumerProcess?.busy()) ?? false);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      removeSignalHook();
      await input.stopAll();
    })();
    return stopped;
  };
  const removeSignalHook = onShutdownSignal(stop);

  return {
    apiUrl: api.url,
    dashboardUrl,
    endpoints: {
      dynamodb: infrastructure.dynamodbEndpoint,
      sfn: sfn.endpoint,
      lambda: lambdaApi.endpoint,
      kafkaBrokers: infrastructure.kafkaBrokers,
    },
    tables,
    mailboxDir,
    stateMachineArn: topology.stateMachine.stateMachineArn,
    stackOutputs: topology.appOutputs,
    toolEnvironment,
    functionLogFile,
    token: (customerId) => issuer.issue({ customerId }),
    deadLetterTopic: (consumer) => {
      const ids = new Set(logicalIdsOf(consumer));
      const topic = topology.mappings.find(
        (m) => ids.has(m.functionLogicalId) && m.onFailureTopic,
      )?.onFailureTopic;
      if (!topic) throw new RangeError(`Consumer '${consumer}' has no on-failure destination`);
      return topic;
    },
    pause: async (consumer) => sources.pause(consumer),
    resume: async (consumer) => sources.resume(consumer),
    lag: (consumer) => lagOf(logicalIdsOf(consumer)),
    waitForConsumersIdle: async () => {
      const deadline = Date.now() + IDLE_TIMEOUT_MS;
      let quietPolls = 0;
      // Two quiet polls in a row: a record produced by the last invocation shows up as lag.
      while (quietPolls < 2) {
        if (Date.now() > deadline) {
          throw new Error(
            `Consumers not idle after ${IDLE_TIMEOUT_MS / 1000} s (lag ${await lagOf(undefined)})`,
          );
        }
        const idle = !(await busy()) && (await lagOf(undefined)) === 0 && !(await busy());
        quietPolls = idle ? quietPolls + 1 : 0;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    readOrder: async (orderId) => {
      const { Item } = await db.send(new GetCommand({ TableName: tables.orders, Key: { orderId } }));
      return Item;
    },
    consumerProcess,
    stop,
  };
}

/**
 * What the operator tools need to find the local mode: the App stack's outputs in the shape
 * `cdk deploy --outputs-file` writes, and the variables that point the AWS SDK and kafkajs at the
 * local parts (the same variables the SDK reads on AWS, where they are simply not set).
 */
export function writeToolFiles(
  dataDir: string,
  appStackName: string,
  outputs: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string>>,
): void {
  const write = (file: string, value: unknown) =>
    writeFileSync(join(dataDir, file), `${JSON.stringify(value, null, 2)}\n`);
  write(STACK_OUTPUTS_FILE, { [appStackName]: outputs });
  write(TOOL_ENVIRONMENT_FILE, environment);
}

/** The topology with each named function's variables added to its environment. */
function withFunctionEnvironment(
  topology: PipelineTopology,
  byName: Readonly<Record<string, Readonly<Record<string, string>>>>,
): PipelineTopology {
  const known = new Set(topology.functions.map(consumerNameOf));
  const unknown = Object.keys(byName).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new RangeError(
      `No function ${unknown.map((name) => `'${name}'`).join(', ')} to set variables on; known: ${[...known].join(', ')}`,
    );
  }
  return {
    ...topology,
    functions: topology.functions.map((definition) => ({
      ...definition,
      environment: { ...definition.environment, ...byName[consumerNameOf(definition)] },
    })),
  };
}

interface ConsumerSplit {
  readonly functions: readonly LocalFunctionDefinition[];
  readonly mappings: readonly EventSourceMappingDefinition[];
}

/** The functions and mappings of the consumers named for the child process, and the rest. */
function splitConsumers(
  topology: PipelineTopology,
  childConsumers: readonly string[],
): { local: ConsumerSplit; child: ConsumerSplit } {
  const consumerFunctions = topology.functions.filter((definition) =>
    topology.mappings.some((mapping) => mapping.functionLogicalId === definition.logicalId),
  );
  const unknown = childConsumers.filter(
    (name) => !consumerFunctions.some((definition) => consumerNameOf(definition) === name),
  );
  if (unknown.length > 0) {
    throw new RangeError(
      `No consumer ${unknown.map((name) => `'${name}'`).join(', ')} to run in a child process; known: ${consumerFunctions.map(consumerNameOf).join(', ')}`,
    );
  }
  const inChild = new Set(
    consumerFunctions
      .filter((definition) => childConsumers.includes(consumerNameOf(definition)))
      .map((definition) => definition.logicalId),
  );
  const part = (child: boolean): ConsumerSplit => ({
    functions: topology.functions.filter((definition) => inChild.has(definition.logicalId) === child),
    mappings: topology.mappings.filter((mapping) => inChild.has(mapping.functionLogicalId) === child),
  });
  return { local: part(false), child: part(true) };
}

/**
 * Loads every function once (the Lambda init phase) before traffic arrives: a cold start inside a
 * 5 s saga step would otherwise look like a timeout. Consumers get an empty MSK event (a no-op
 * batch); the others a marker event they reject, which is fine, their module is loaded by then.
 */
async function warmUp(
  pool: FunctionPool,
  functions: readonly LocalFunctionDefinition[],
  mappings: readonly EventSourceMappingDefinition[],
): Promise<void> {
  const consumers = new Set(mappings.map((mapping) => mapping.functionLogicalId));
  await Promise.allSettled(
    functions.flatMap((definition) => {
      const event = consumers.has(definition.logicalId)
        ? {
            eventSource: 'aws:kafka',
            eventSourceArn: 'arn:aws:kafka:local:warm-up',
            bootstrapServers: '',
            records: {},
          }
        : { warmUp: true };
      // The saga's critical path gets every environment warm: a cold start counts against a step's timeout.
      const environments = CONCURRENCY[definition.functionName] ?? 1;
      return Array.from({ length: environments }, () => pool.invoke(definition.logicalId, event));
    }),
  );
}

/** Whether Invoke's FunctionName (name, ARN, logical id, pipeline name) names this function. */
function answersTo(definition: LocalFunctionDefinition, functionName: string): boolean {
  const ref = functionName.replace(/:(\$LATEST|\d+)$/, '');
  return [definition.logicalId, definition.functionName, definition.arn, definition.pipelineName].includes(
    ref,
  );
}

/** Retries the broker's transient answers (not the coordinator yet, coordinator loading). */
async function withRetries<T>(action: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

function tablesOf(topology: PipelineTopology): RunningPipeline['tables'] {
  const table = ([name, variable]: [TableName, string]): [TableName, string] => {
    const local = topology.tableEnvironment[variable];
    if (!local) throw new RangeError(`No local table for ${variable}`);
    return [name, local];
  };
  return Object.fromEntries(
    (Object.entries(TABLE_ENV_VARS) as [TableName, string][]).map(table),
  ) as RunningPipeline['tables'];
}

async function devPorts(): Promise<Ports> {
  const ports = {
    api: Number(process.env.API_PORT ?? 3000),
    dashboard: Number(process.env.DASHBOARD_PORT ?? 3001),
    sfn: Number(process.env.SFN_PORT ?? 8083),
    lambda: Number(process.env.LAMBDA_PORT ?? 9001),
  };
  // Checked before anything starts, so a second `npm start` fails at once and clearly.
  await assertPortFree(ports.api, 'API_PORT');
  await assertPortFree(ports.dashboard, 'DASHBOARD_PORT');
  await assertPortFree(ports.sfn, 'SFN_PORT');
  await assertPortFree(ports.lambda, 'LAMBDA_PORT');
  return ports;
}

async function testPorts(): Promise<Ports> {
  return {
    api: await freePort(),
    dashboard: await freePort(),
    sfn: await freePort(),
    lambda: await freePort(),
  };
}

/** The integration harness's parts, from the variables its globalSetup exports. */
function infrastructureFromEnvironment(): PipelineInfrastructure {
  const env = process.env;
  const missing = ['KAFKA_BROKERS', 'AWS_ENDPOINT_URL_DYNAMODB', 'LOCAL_TABLES'].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new PipelineStartError(
      `The 'test' profile needs the running parts: pass \`infrastructure: inject('localServices')\` or set ${missing.join(', ')}`,
    );
  }
  const environment = Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        (/_TABLE_NAME$/.test(entry[0]) ||
          ['KAFKA_BROKERS', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION'].includes(entry[0])),
    ),
  );
  return {
    kafkaBrokers: env.KAFKA_BROKERS!.split(','),
    dynamodbEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB!,
    tables: JSON.parse(env.LOCAL_TABLES ?? '{}') as Record<string, string>,
    environment,
  };
}
