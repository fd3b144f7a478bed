/**
 * Runs the template's functions locally as Lambda does: each execution environment is a worker
 * thread with the function's own environment variables, serving one invocation at a time; a small
 * pool of environments per function; the function's Timeout ends a run and discards its sandbox.
 * `invoke` serves the API emulator, the event source mappings and the Step Functions emulator.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { LAMBDA_SYNC_REQUEST_MAX_BYTES, LAMBDA_SYNC_RESPONSE_MAX_BYTES } from '../../lib/config/aws-rules';
import {
  FunctionInvocationError,
  FunctionPoolClosedError,
  FunctionTimeoutError,
  RequestEntityTooLargeError,
  UnknownFunctionError,
} from './errors';
import type {
  InitMessage,
  InvokeMessage,
  ReadyMessage,
  ResultMessage,
  StartedMessage,
  WorkerInit,
} from './function-worker';
import type { LocalFunctionDefinition } from './template';

const BOOTSTRAP = new URL('./function-worker-bootstrap.mjs', import.meta.url);

export type LogSink = (functionName: string, stream: 'stdout' | 'stderr', line: string) => void;

export interface FunctionPoolOptions {
  readonly functions: readonly LocalFunctionDefinition[];
  /** Variables every function gets besides its own: endpoints (AWS_ENDPOINT_URL_*), local credentials. */
  readonly sharedEnvironment?: Readonly<Record<string, string>>;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Execution environments per function (a number for all, or by logical id / function name). @default 2 */
  readonly concurrency?: number | Readonly<Record<string, number>>;
  /** Where the functions' console output goes. @default process stdout/stderr, prefixed with the function name */
  readonly log?: LogSink;
}

export interface InvokeOptions {
  /** X-Ray trace header handed to the function as `_X_AMZN_TRACE_ID`. */
  readonly traceId?: string;
}

export interface FunctionStats {
  readonly logicalId: string;
  readonly functionName: string;
  readonly invocations: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly running: number;
  readonly queued: number;
  readonly environments: number;
}

interface Environment {
  readonly worker: Worker;
  busy: boolean;
  pending: ((result: ResultMessage | ReadyMessage | StartedMessage) => void) | undefined;
  crash: ((error: Error) => void) | undefined;
}

interface QueuedInvocation {
  readonly event: unknown;
  readonly options: InvokeOptions;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

const DEFAULT_CONCURRENCY = 2;
/** Lambda's limit on the init phase (loading the handler) of an on-demand function. */
const INIT_TIMEOUT_MS = 10_000;

/**
 * With the JSON log format and system logs at INFO, Lambda writes a platform.start and a
 * platform.report event per invocation to the function's log group (Telemetry API schema:
 * https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html). They count in
 * the log volume an order costs, and the report carries the billed duration.
 */
type ReportStatus = 'success' | 'error' | 'failure' | 'timeout';

function platformStart(requestId: string): string {
  return JSON.stringify({
    time: new Date().toISOString(),
    type: 'platform.start',
    record: { requestId, version: '$LATEST' },
  });
}

const defaultLog: LogSink = (functionName, stream, line) => {
  (stream === 'stdout' ? process.stdout : process.stderr).write(`[${functionName}] ${line}\n`);
};

class FunctionRunner {
  readonly environments = new Set<Environment>();
  readonly queue: QueuedInvocation[] = [];
  invocations = 0;
  errors = 0;
  timeouts = 0;
  private closed = false;
  private nextId = 0;

  constructor(
    readonly definition: LocalFunctionDefinition,
    private readonly env: Readonly<Record<string, string>>,
    private readonly concurrency: number,
    private readonly log: LogSink,
  ) {}

  invoke(event: unknown, options: InvokeOptions): Promise<unknown> {
    if (this.closed) return Promise.reject(new FunctionPoolClosedError('The function pool is closed'));
    // Every caller here invokes synchronously, so Lambda's 6 MB request limit applies.
    if (Buffer.byteLength(JSON.stringify(event ?? null)) > LAMBDA_SYNC_REQUEST_MAX_BYTES) {
      return Promise.reject(
        new RequestEntityTooLargeError(this.definition.functionName, LAMBDA_SYNC_REQUEST_MAX_BYTES),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ event, options, resolve, reject });
      this.dispatch();
    });
  }

  get running(): number {
    return [...this.environments].filter((environment) => environment.busy).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const queued of this.queue.splice(0)) {
      queued.reject(new FunctionPoolClosedError('The function pool was closed before the invocation ran'));
    }
    await Promise.all([...this.environments].map((environment) => this.discard(environment)));
  }

  /**
   * Starts one execution environment and runs its init phase (loads the handler), so the first
   * invocation does not pay the TypeScript cold start (saga steps have timeouts of a few seconds).
   * Resolves with the init error, if any; the environment stays for the next invocation either way.
   */
  async warm(): Promise<Error | undefined> {
    if (this.closed || this.environments.size > 0) return undefined;
    const environment = this.spawn();
    environment.busy = true;
    const outcome = await new Promise<Error | undefined>((resolve) => {
      environment.pending = (message) => {
        if (message.type !== 'ready') return;
        resolve(
          message.error === undefined
            ? undefined
            : new FunctionInvocationError(
                this.definition.functionName,
                message.error.errorType,
                message.error.errorMessage,
              ),
        );
      };
      environment.crash = (error) => resolve(error);
      environment.worker.postMessage({ type: 'init' } satisfies InitMessage);
    });
    environment.pending = undefined;
    environment.crash = undefined;
    environment.busy = false;
    this.dispatch();
    return outcome;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let environment = [...this.environments].find((candidate) => !candidate.busy);
      if (!environment && this.environments.size < this.concurrency) environment = this.spawn();
      if (!environment) return;
      this.run(environment, this.queue.shift()!);
    }
  }

  private spawn(): Environment {
    const { definition } = this;
    const workerData: WorkerInit = {
      entry: definition.entry,
      handlerExport: definition.handlerExport,
      functionName: definition.functionName,
      functionArn: definition.arn,
      memorySizeMb: definition.memorySizeMb,
    };
    const worker = new Worker(BOOTSTRAP, {
      workerData,
      env: { ...this.env, AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${randomUUID().replaceAll('-', '')}` },
      stdout: true,
      stderr: true,
    });
    this.forwardLines(worker.stdout, 'stdout');
    this.forwardLines(worker.stderr, 'stderr');
    const environment: Environment = { worker, busy: false, pending: undefined, crash: undefined };
    worker.on('message', (message: ResultMessage | ReadyMessage | StartedMessage) =>
      environment.pending?.(message),
    );
    const onCrash = (error: Error) => {
      this.environments.delete(environment);
      environment.crash?.(error);
      this.dispatch();
    };
    worker.on('error', onCrash);
    worker.on('exit', (code) => onCrash(new Error(`The execution environment exited with code ${code}`)));
    this.environments.add(environment);
    return environment;
  }

  private run(environment: Environment, invocation: QueuedInvocation): void {
    const { definition } = this;
    const timeoutMs = definition.timeoutSeconds * 1000;
    const message: InvokeMessage = {
      type: 'invoke',
      id: ++this.nextId,
      event: invocation.event,
      awsRequestId: randomUUID(),
      timeoutMs,
      traceId: invocation.options.traceId,
    };
    environment.busy = true;
    this.invocations += 1;
    let startedAt: number | undefined;
    const settle = (status: ReportStatus, outcome: () => void) => {
      clearTimeout(timer);
      environment.pending = undefined;
      environment.crash = undefined;
      environment.busy = false;
      this.report(message.awsRequestId, startedAt, status);
      outcome();
      this.dispatch();
    };
    // Lambda ends a timed-out invocation by discarding its sandbox; the next one starts cold. The
    // Timeout runs from the end of the init phase, which has its own limit.
    const onTimeout = () => {
      this.timeouts += 1;
      this.errors += 1;
      environment.crash = undefined;
      void this.discard(environment);
      settle('timeout', () =>
        invocation.reject(new FunctionTimeoutError(definition.functionName, definition.timeoutSeconds)),
      );
    };
    let timer = setTimeout(onTimeout, INIT_TIMEOUT_MS + timeoutMs);
    environment.pending = (result) => {
      if (result.type === 'started' && result.id === message.id) {
        startedAt = performance.now();
        this.log(definition.functionName, 'stdout', platformStart(message.awsRequestId));
        clearTimeout(timer);
        timer = setTimeout(onTimeout, timeoutMs);
        return;
      }
      if (result.type !== 'result' || result.id !== message.id) return;
      settle(result.ok ? 'success' : 'error', () => {
        if (result.ok && Buffer.byteLength(result.payload) <= LAMBDA_SYNC_RESPONSE_MAX_BYTES) {
          invocation.resolve(JSON.parse(result.payload));
          return;
        }
        if (result.ok) {
          // The function ran, but Lambda cannot return its result: an Unhandled function error.
          this.errors += 1;
          invocation.reject(
            new FunctionInvocationError(
              definition.functionName,
              'Function.ResponseSizeTooLarge',
              `Response payload size exceeded maximum allowed payload size (${LAMBDA_SYNC_RESPONSE_MAX_BYTES} bytes).`,
            ),
          );
          return;
        }
        this.errors += 1;
        invocation.reject(
          new FunctionInvocationError(
            definition.functionName,
            result.error.errorType,
            result.error.errorMessage,
          ),
        );
      });
    };
    environment.crash = (error) => {
      this.errors += 1;
      settle('failure', () =>
        invocation.reject(
          new FunctionInvocationError(definition.functionName, 'Runtime.ExitError', error.message, {
            cause: error,
          }),
        ),
      );
    };
    environment.worker.postMessage(message);
  }

  /** Lambda's report of an invocation, in the function's log group, billed to the next millisecond. */
  private report(requestId: string, startedAt: number | undefined, status: ReportStatus): void {
    if (startedAt === undefined) return;
    const durationMs = Math.round((performance.now() - startedAt) * 100) / 100;
    const record = {
      time: new Date().toISOString(),
      type: 'platform.report',
      record: {
        requestId,
        metrics: {
          durationMs,
          billedDurationMs: Math.max(1, Math.ceil(durationMs)),
          memorySizeMB: this.definition.memorySizeMb,
        },
        status,
      },
    };
    this.log(this.definition.functionName, 'stdout', JSON.stringify(record));
  }

  private async discard(environment: Environment): Promise<void> {
    this.environments.delete(environment);
    environment.worker.removeAllListeners('exit');
    environment.worker.removeAllListeners('error');
    // A terminated worker may still report an error; it must not crash the host.
    environment.worker.on('error', () => undefined);
    await environment.worker.terminate();
  }

  private forwardLines(stream: Readable, name: 'stdout' | 'stderr'): void {
    createInterface({ input: stream }).on('line', (line) =>
      this.log(this.definition.functionName, name, line),
    );
  }
}

export class FunctionPool {
  private readonly runners = new Map<string, FunctionRunner>();
  private readonly aliases = new Map<string, string>();

  constructor(options: FunctionPoolOptions) {
    const region = options.region ?? 'us-east-1';
    for (const definition of options.functions) {
      const env = {
        ...baseEnvironment(),
        ...options.sharedEnvironment,
        ...definition.environment,
        ...reservedEnvironment(definition, region),
      };
      this.runners.set(
        definition.logicalId,
        new FunctionRunner(
          definition,
          env,
          concurrencyFor(definition, options.concurrency),
          options.log ?? defaultLog,
        ),
      );
      for (const alias of [definition.functionName, definition.arn, definition.pipelineName]) {
        if (alias !== undefined) this.aliases.set(alias, definition.logicalId);
      }
    }
  }

  /**
   * Invokes a function by logical id, function name, pipeline name or ARN (also `<arn>:$LATEST`);
   * resolves with the JSON result, rejects with FunctionInvocationError (name = the function's error
   * type) or FunctionTimeoutError.
   */
  invoke(functionRef: string, event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    return this.runner(functionRef).invoke(event, options);
  }

  /**
   * Starts one environment per function and loads its handler now (see FunctionRunner.warm); returns
   * the functions whose init failed, by function name.
   */
  async warm(): Promise<Record<string, Error>> {
    const failures: Record<string, Error> = {};
    await Promise.all(
      [...this.runners.values()].map(async (runner) => {
        const error = await runner.warm();
        if (error) failures[runner.definition.functionName] = error;
      }),
    );
    return failures;
  }

  /** The function's definition; throws UnknownFunctionError for a name no function answers to. */
  resolve(functionRef: string): LocalFunctionDefinition {
    return this.runner(functionRef).definition;
  }

  has(functionRef: string): boolean {
    return this.logicalIdOf(functionRef) !== undefined;
  }

  list(): LocalFunctionDefinition[] {
    return [...this.runners.values()].map((runner) => runner.definition);
  }

  stats(): FunctionStats[] {
    return [...this.runners.values()].map((runner) => ({
      logicalId: runner.definition.logicalId,
      functionName: runner.definition.functionName,
      invocations: runner.invocations,
      errors: runner.errors,
      timeouts: runner.timeouts,
      running: runner.running,
      queued: runner.queue.length,
      environments: runner.environments.size,
    }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.close()));
  }

  private logicalIdOf(functionRef: string): string | undefined {
    const ref = functionRef.replace(/:(\$LATEST|\d+)$/, '');
    if (this.runners.has(ref)) return ref;
    return this.aliases.get(ref);
  }

  private runner(functionRef: string): FunctionRunner {
    const logicalId = this.logicalIdOf(functionRef);
    const runner = logicalId === undefined ? undefined : this.runners.get(logicalId);
    if (!runner) {
      throw new UnknownFunctionError(
        `No local function '${functionRef}'; known: ${[...this.runners.values()].map((r) => r.definition.functionName).join(', ')}`,
      );
    }
    return runner;
  }
}

/** What a Lambda sandbox has from its host: a PATH, a locale, and the X-Ray SDK's mode (below). */
function baseEnvironment(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    NODE_ENV: process.env.NODE_ENV ?? 'production',
    // Locally tracing is off (no AWS_EXECUTION_ENV, no daemon), yet merely importing the X-Ray SDK
    // (Powertools Tracer) in its default automatic mode enables cls-hooked's async hooks, with a
    // destroy hook on every promise: ~15 % of a busy handler worker's CPU (bench/REPORT.md, CPU
    // profile). Manual mode skips them; a disabled Tracer never asks the SDK for a segment.
    AWS_XRAY_MANUAL_MODE: '1',
  };
}

/** Lambda's reserved variables; they win over the template's, as in AWS. */
function reservedEnvironment(definition: LocalFunctionDefinition, region: string): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: definition.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(definition.memorySizeMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${definition.functionName}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    _HANDLER: `index.${definition.handlerExport}`,
  };
}

function concurrencyFor(
  definition: LocalFunctionDefinition,
  concurrency: FunctionPoolOptions['concurrency'],
): number {
  if (typeof concurrency === 'number') return Math.max(1, concurrency);
  return Math.max(
    1,
    concurrency?.[definition.logicalId] ?? concurrency?.[definition.functionName] ?? DEFAULT_CONCURRENCY,
  );
}
