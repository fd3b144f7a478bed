/**
 * Task tokens of the `.waitForTaskToken` callback pattern: aws-local-stepfunctions has none, so
 * this registry mints them, waits for SendTaskSuccess / SendTaskFailure, and enforces the Task
 * state's TimeoutSeconds and HeartbeatSeconds (SendTaskHeartbeat restarts the heartbeat window).
 */
import { randomBytes } from 'node:crypto';
import { STEP_FUNCTIONS_LIMITS } from '../../lib/config/aws-rules';
import {
  constraintError,
  InvalidOutputError,
  InvalidTokenError,
  TaskDoesNotExistError,
  TaskFailureError,
  TaskTimedOutError,
} from './errors';

/** Prefix of every locally minted token, so a token from elsewhere is told apart from an expired one. */
const TOKEN_PREFIX = 'AQLocal';
/** Largest delay Node timers accept; longer timeouts would fire at once instead. */
export const MAX_TIMER_SECONDS = 2_147_483;

export type TaskTimeoutKind = 'timeout' | 'heartbeat';

export interface OpenTaskOptions {
  readonly executionArn: string;
  readonly stateName: string;
  /** Whole task budget, from the state's TimeoutSeconds. */
  readonly timeoutSeconds?: number;
  /** Longest silence between heartbeats, from the state's HeartbeatSeconds. */
  readonly heartbeatSeconds?: number;
}

export interface OpenTask {
  readonly token: string;
  /** Settles with the parsed SendTaskSuccess output, or rejects with the task's error. */
  readonly result: Promise<unknown>;
}

export interface TaskTokenRegistryOptions {
  /** Builds the error a timed-out task fails with; the engine adapter supplies its own States.Timeout. */
  readonly createTimeoutError?: (kind: TaskTimeoutKind) => Error;
  /** How many closed tokens are remembered to answer TaskTimedOut rather than TaskDoesNotExist. */
  readonly closedTokenMemory?: number;
  readonly mintToken?: () => string;
}

interface PendingTask {
  readonly options: OpenTaskOptions;
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  timeoutTimer?: NodeJS.Timeout;
  heartbeatTimer?: NodeJS.Timeout;
}

/**
 * AWS names a missed heartbeat `States.HeartbeatTimeout` and an exhausted TimeoutSeconds
 * `States.Timeout` (which also matches heartbeat timeouts: see `prepareDefinition`).
 */
export function timeoutErrorName(kind: TaskTimeoutKind): string {
  return kind === 'heartbeat' ? 'States.HeartbeatTimeout' : 'States.Timeout';
}

export function timeoutCause(kind: TaskTimeoutKind): string {
  return kind === 'heartbeat'
    ? 'No heartbeat was received within HeartbeatSeconds'
    : 'The task did not finish within TimeoutSeconds';
}

export function defaultTimeoutError(kind: TaskTimeoutKind): Error {
  return new TaskFailureError(timeoutErrorName(kind), timeoutCause(kind));
}

export class TaskTokenRegistry {
  readonly #pending = new Map<string, PendingTask>();
  readonly #closed = new Set<string>();
  readonly #createTimeoutError: (kind: TaskTimeoutKind) => Error;
  readonly #closedTokenMemory: number;
  readonly #mintToken: () => string;

  constructor(options: TaskTokenRegistryOptions = {}) {
    this.#createTimeoutError = options.createTimeoutError ?? defaultTimeoutError;
    this.#closedTokenMemory = options.closedTokenMemory ?? 100_000;
    this.#mintToken = options.mintToken ?? (() => TOKEN_PREFIX + randomBytes(48).toString('base64url'));
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Tokens still waiting for an answer, e.g. for the dashboard or a test. */
  pendingTasks(): readonly { token: string; executionArn: string; stateName: string }[] {
    return [...this.#pending].map(([token, task]) => ({
      token,
      executionArn: task.options.executionArn,
      stateName: task.options.stateName,
    }));
  }

  open(options: OpenTaskOptions): OpenTask {
    const token = this.#mintToken();
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const result = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The engine may stop listening (abort) before the task settles; never leave a rejection unhandled.
    result.catch(() => undefined);
    const task: PendingTask = { options, resolve, reject };
    this.#pending.set(token, task);
    if (options.timeoutSeconds !== undefined) {
      task.timeoutTimer = setTimeout(() => this.#expire(token, 'timeout'), toDelayMs(options.timeoutSeconds));
    }
    this.#armHeartbeat(token, task);
    return { token, result };
  }

  succeed(token: unknown, output: unknown): void {
    checkTokenConstraints(token);
    const parsed = parseOutput(output);
    const task = this.#take(token);
    task.resolve(parsed);
  }

  fail(token: unknown, error?: string, cause?: string): void {
    const task = this.#take(token);
    task.reject(new TaskFailureError(error ?? '', cause ?? ''));
  }

  heartbeat(token: unknown): void {
    const task = this.#find(token);
    this.#armHeartbeat(token as string, task);
  }

  /** Closes a task nobody will answer any more (its invocation failed, or its execution stopped). */
  cancel(token: string, error: Error): void {
    const task = this.#pending.get(token);
    if (!task) return;
    this.#close(token, task);
    task.reject(error);
  }

  /** Closes every open task, e.g. when the service stops, so no timer keeps the process alive. */
  cancelAll(error: Error): void {
    for (const token of [...this.#pending.keys()]) this.cancel(token, error);
  }

  cancelExecution(executionArn: string, error: Error): void {
    for (const [token, task] of this.#pending) {
      if (task.options.executionArn === executionArn) this.cancel(token, error);
    }
  }

  #armHeartbeat(token: string, task: PendingTask): void {
    if (task.options.heartbeatSeconds === undefined) return;
    clearTimeout(task.heartbeatTimer);
    task.heartbeatTimer = setTimeout(
      () => this.#expire(token, 'heartbeat'),
      toDelayMs(task.options.heartbeatSeconds),
    );
  }

  #expire(token: string, kind: TaskTimeoutKind): void {
    const task = this.#pending.get(token);
    if (!task) return;
    this.#close(token, task);
    task.reject(this.#createTimeoutError(kind));
  }

  #find(token: unknown): PendingTask {
    checkTokenConstraints(token);
    const task = this.#pending.get(token);
    if (task) return task;
    if (this.#closed.has(token)) throw new TaskTimedOutError();
    if (!token.startsWith(TOKEN_PREFIX)) throw new InvalidTokenError(token);
    // A local token this process never saw: it belongs to a run before a restart.
    throw new TaskDoesNotExistError();
  }

  #take(token: unknown): PendingTask {
    const task = this.#find(token);
    this.#close(token as string, task);
    return task;
  }

  #close(token: string, task: PendingTask): void {
    clearTimeout(task.timeoutTimer);
    clearTimeout(task.heartbeatTimer);
    this.#pending.delete(token);
    this.#closed.add(token);
    if (this.#closed.size > this.#closedTokenMemory) {
      // Sets iterate in insertion order: the first entry is the oldest closed token.
      const oldest = this.#closed.values().next().value;
      if (oldest !== undefined) this.#closed.delete(oldest);
    }
  }
}

function toDelayMs(seconds: number): number {
  return Math.min(seconds, MAX_TIMER_SECONDS) * 1000;
}

/** The API model's constraints on taskToken, checked before the token is looked up, as AWS does. */
function checkTokenConstraints(token: unknown): asserts token is string {
  if (token === undefined || token === null) {
    throw constraintError('taskToken', 'null', 'Member must not be null');
  }
  if (typeof token !== 'string') throw new InvalidTokenError(String(token));
  if (token.length < 1) {
    throw constraintError('taskToken', `'${token}'`, 'Member must have length greater than or equal to 1');
  }
  if (token.length > STEP_FUNCTIONS_LIMITS.taskTokenMaxLength) {
    throw constraintError(
      'taskToken',
      `'${token}'`,
      `Member must have length less than or equal to ${STEP_FUNCTIONS_LIMITS.taskTokenMaxLength}`,
    );
  }
}

function parseOutput(output: unknown): unknown {
  if (output === undefined || output === null) {
    throw constraintError('output', 'null', 'Member must not be null');
  }
  if (typeof output !== 'string')
    throw new InvalidOutputError('Invalid Output: output must be a JSON string');
  if (Buffer.byteLength(output) > STEP_FUNCTIONS_LIMITS.payloadMaxBytes) {
    throw constraintError(
      'output',
      undefined,
      `Member must have size less than or equal to ${STEP_FUNCTIONS_LIMITS.payloadMaxBytes} bytes in UTF-8 encoding`,
    );
  }
  try {
    return JSON.parse(output);
  } catch (error) {
    throw new InvalidOutputError(`Invalid Output: ${(error as Error).message}`, { cause: error });
  }
}
