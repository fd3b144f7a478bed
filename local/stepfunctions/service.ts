/**
 * The local Step Functions service: state machines from the template, executions run by
 * aws-local-stepfunctions, AWS execution-name semantics, callback tokens, durable execution records
 * and counters for the dashboard. The HTTP endpoint is a thin adapter over this class.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { executionNameProblem, STEP_FUNCTIONS_LIMITS } from '../../lib/config/aws-rules';
import { executionArnFor, isExecutionArn, parseStateMachineArn } from './arns';
import { type PreparedDefinition, prepareDefinition } from './definition';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
  statesTimeoutErrorClass,
} from './engine';
import {
  constraintError,
  ExecutionAlreadyExistsError,
  ExecutionDoesNotExistError,
  InvalidArnError,
  InvalidExecutionInputError,
  InvalidNameError,
  StateMachineDoesNotExistError,
  UnsupportedDefinitionError,
  ValidationError,
} from './errors';
import {
  type ExecutionJournal,
  type ExecutionRecord,
  type ExecutionStatus,
  FileExecutionJournal,
  InMemoryExecutionJournal,
} from './execution-store';
import { type EngineEvent, ExecutionHistory, type HistoryEvent } from './history';
import { createTaskHandlers, type InvokeFunction, TASK_TOKEN_PLACEHOLDER } from './task-handlers';
import { TaskTokenRegistry, timeoutCause, timeoutErrorName } from './task-tokens';

export interface StateMachineSource {
  readonly stateMachineArn: string;
  /** The ASL definition, as an object or as the JSON text of DefinitionString. */
  readonly definition: unknown;
  /** @default a local role ARN derived from the state machine name */
  readonly roleArn?: string;
}

export interface LocalStepFunctionsOptions {
  readonly stateMachines: readonly StateMachineSource[];
  readonly invokeFunction: InvokeFunction;
  /**
   * Folder for the execution journal (e.g. `.local/sfn`).
   * @default nothing is persisted: executions are forgotten when the process stops
   */
  readonly dataDir?: string;
  /** Told about failures nobody awaits (asynchronous invocations, journal writes). @default ignored */
  readonly onWarning?: (message: string, error?: unknown) => void;
  /**
   * When executions that were RUNNING at the last stop are driven again: 'at-start', as soon as the
   * service is created, or 'on-request', when `resumeRestoredExecutions()` is called. A host that
   * starts its functions after this service uses 'on-request' once they are warm: a re-driven step
   * that meets a cold function times out and fails an order that would have gone through.
   * @default 'at-start'
   */
  readonly resumeRestored?: 'at-start' | 'on-request';
}

export interface ExecutionEndedEvent {
  readonly record: ExecutionRecord;
  readonly durationMs: number;
}

/** What the dashboard listens to. */
export interface LocalStepFunctionsEvents {
  executionStarted: [ExecutionRecord];
  executionSucceeded: [ExecutionEndedEvent];
  executionFailed: [ExecutionEndedEvent];
  executionTimedOut: [ExecutionEndedEvent];
  executionAborted: [ExecutionEndedEvent];
  /** Every terminal status, whichever it is. */
  executionEnded: [ExecutionEndedEvent];
}

export interface ExecutionCounts {
  /** Executions known to the service (started now or restored from the journal). */
  readonly started: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly aborted: number;
}

export interface StartExecutionRequest {
  readonly stateMachineArn?: unknown;
  readonly name?: unknown;
  readonly input?: unknown;
}

export interface ListExecutionsRequest {
  readonly stateMachineArn?: unknown;
  readonly statusFilter?: unknown;
  readonly maxResults?: unknown;
  readonly nextToken?: unknown;
}

export interface GetExecutionHistoryRequest {
  readonly executionArn?: unknown;
  readonly maxResults?: unknown;
  readonly reverseOrder?: unknown;
  readonly nextToken?: unknown;
  readonly includeExecutionData?: unknown;
}

export interface LoadedStateMachine {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly roleArn: string;
  readonly definitionText: string;
  readonly createdAt: number;
}

interface MachineEntry extends LoadedStateMachine {
  readonly prepared: PreparedDefinition;
  readonly engine: StateMachine;
  /** Engines that start at another state, to continue executions after a restart. */
  readonly resumeEngines: Map<string, StateMachine>;
}

interface ExecutionEntry {
  record: ExecutionRecord;
  history?: ExecutionHistory;
  /** Settles once the RUNNING record is durable. */
  persisted: Promise<void>;
  abort?: () => void;
  stopRequest?: { error?: string; cause?: string };
  readonly done: Promise<ExecutionRecord>;
  readonly settle: (record: ExecutionRecord) => void;
}

type EngineHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

export class LocalStepFunctions extends EventEmitter<LocalStepFunctionsEvents> {
  readonly tokens: TaskTokenRegistry;
  readonly #machines = new Map<string, MachineEntry>();
  readonly #executions = new Map<string, ExecutionEntry>();
  readonly #statusCounts: Record<ExecutionStatus, number> = {
    RUNNING: 0,
    SUCCEEDED: 0,
    FAILED: 0,
    TIMED_OUT: 0,
    ABORTED: 0,
  };
  readonly #invokeFunction: InvokeFunction;
  readonly #journal: ExecutionJournal;
  readonly #onWarning: (message: string, error?: unknown) => void;
  readonly #resumeRestored: 'at-start' | 'on-request';
  /** Restored RUNNING executions waiting for `resumeRestoredExecutions()`. */
  readonly #awaitingResume: { machine: MachineEntry; entry: ExecutionEntry }[] = [];
  #closing = false;

  private constructor(options: LocalStepFunctionsOptions, timeoutError: new () => Error) {
    super();
    this.#invokeFunction = options.invokeFunction;
    this.#onWarning = options.onWarning ?? (() => undefined);
    this.#resumeRestored = options.resumeRestored ?? 'at-start';
    this.#journal = options.dataDir
      ? new FileExecutionJournal(options.dataDir)
      : new InMemoryExecutionJournal();
    this.tokens = new TaskTokenRegistry({
      createTimeoutError: (kind) => {
        // The engine's own class, so that `States.TaskFailed` does not match a timeout (as in AWS).
        const error = new timeoutError();
        error.name = timeoutErrorName(kind);
        error.message = timeoutCause(kind);
        return error;
      },
    });
    for (const source of options.stateMachines) this.#addStateMachine(source);
  }

  /**
   * Loads the state machines, restores the journal, and drives again every execution that was
   * RUNNING when the previous process stopped: from the top-level state it was in, with that
   * state's input (the state runs again: a waiting task gets a new token and invokes again; AWS
   * would keep waiting on the old token). See `resumeRestored` for when.
   */
  static async create(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
    const service = new LocalStepFunctions(options, await statesTimeoutErrorClass());
    await service.#restore();
    return service;
  }

  get stateMachines(): readonly LoadedStateMachine[] {
    return [...this.#machines.values()].map(({ prepared: _p, engine: _e, ...machine }) => machine);
  }

  counts(stateMachineArn?: string): ExecutionCounts {
    let byStatus: Record<ExecutionStatus, number> = this.#statusCounts;
    if (stateMachineArn !== undefined) {
      byStatus = { RUNNING: 0, SUCCEEDED: 0, FAILED: 0, TIMED_OUT: 0, ABORTED: 0 };
      for (const { record } of this.#executions.values()) {
        if (record.stateMachineArn === stateMachineArn) byStatus[record.status] += 1;
      }
    }
    return {
      started: STATUSES.reduce((sum, status) => sum + byStatus[status], 0),
      running: byStatus.RUNNING,
      succeeded: byStatus.SUCCEEDED,
      failed: byStatus.FAILED,
      timedOut: byStatus.TIMED_OUT,
      aborted: byStatus.ABORTED,
    };
  }

  async startExecution(request: StartExecutionRequest): Promise<{ executionArn: string; startDate: number }> {
    // AWS checks the API model's constraints first, then the state machine, then name and input.
    checkStartConstraints(request);
    const machine = this.#machine(request.stateMachineArn);
    const name = request.name === undefined ? randomUUID() : validName(request.name);
    const input = validInput(request.input);
    const executionArn = executionArnFor(machine.stateMachineArn, name);
    const existing = this.#executions.get(executionArn);
    if (existing) {
      // AWS: the same name and input while running is the same execution (an idempotent retry).
      if (existing.record.status === 'RUNNING' && existing.record.input === input) {
        await existing.persisted;
        return { executionArn, startDate: existing.record.startDate };
      }
      throw new ExecutionAlreadyExistsError(executionArn);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.stateMachineArn,
      name,
      input,
      status: 'RUNNING',
      startDate: Date.now(),
      redriveCount: 0,
    };
    const entry = this.#track(record);
    entry.persisted = this.#journal.append(record);
    try {
      await entry.persisted;
    } catch (error) {
      // Not durable, so not accepted: the caller may retry with the same name.
      this.#executions.delete(executionArn);
      this.#statusCounts.RUNNING -= 1;
      throw error;
    }
    this.emit('executionStarted', record);
    this.#run(machine, entry);
    return { executionArn, startDate: record.startDate };
  }

  describeExecution(executionArn: unknown): ExecutionRecord & { readonly stateMachineName: string } {
    const { record } = this.#execution(executionArn);
    return { ...record, stateMachineName: parseStateMachineArn(record.stateMachineArn).name };
  }

  /** Resolves with the final record once the execution has ended. */
  async waitForExecution(executionArn: string): Promise<ExecutionRecord> {
    return this.#execution(executionArn).done;
  }

  async stopExecution(
    executionArn: unknown,
    error?: unknown,
    cause?: unknown,
  ): Promise<{ stopDate: number }> {
    const entry = this.#execution(executionArn);
    if (entry.record.status === 'RUNNING') {
      entry.stopRequest = { error: optionalString(error), cause: optionalString(cause) };
      await entry.persisted;
      entry.abort?.();
      await entry.done;
    }
    return { stopDate: entry.record.stopDate ?? Date.now() };
  }

  listExecutions(request: ListExecutionsRequest): { executions: ExecutionRecord[]; nextToken?: string } {
    if (request.stateMachineArn !== undefined) this.#machine(request.stateMachineArn);
    if (request.statusFilter !== undefined && !STATUSES.includes(request.statusFilter as ExecutionStatus)) {
      throw new ValidationError(`Invalid statusFilter: '${String(request.statusFilter)}'`);
    }
    const matching = [...this.#executions.values()]
      .map((entry) => entry.record)
      .filter(
        (record) =>
          request.stateMachineArn === undefined || record.stateMachineArn === request.stateMachineArn,
      )
      .filter((record) => request.statusFilter === undefined || record.status === request.statusFilter)
      // AWS lists the newest first.
      .sort((a, b) => b.startDate - a.startDate);
    return page(matching, request.maxResults, request.nextToken, 'executions');
  }

  getExecutionHistory(request: GetExecutionHistoryRequest): { events: HistoryEvent[]; nextToken?: string } {
    const entry = this.#execution(request.executionArn);
    let events = [...(entry.history?.events ?? restoredHistory(entry.record))];
    if (request.reverseOrder === true) events.reverse();
    if (request.includeExecutionData === false) events = events.map(withoutExecutionData);
    const { events: pageEvents, nextToken } = page(events, request.maxResults, request.nextToken, 'events');
    return { events: pageEvents, nextToken };
  }

  sendTaskSuccess(taskToken: unknown, output: unknown): void {
    this.tokens.succeed(taskToken, output);
  }

  sendTaskFailure(taskToken: unknown, error?: unknown, cause?: unknown): void {
    this.tokens.fail(taskToken, optionalString(error), optionalString(cause));
  }

  sendTaskHeartbeat(taskToken: unknown): void {
    this.tokens.heartbeat(taskToken);
  }

  /** Drives the restored RUNNING executions held back by `resumeRestored: 'on-request'`. Idempotent. */
  resumeRestoredExecutions(): void {
    if (this.#closing) return;
    for (const { machine, entry } of this.#awaitingResume.splice(0)) {
      if (entry.record.status === 'RUNNING') this.#run(machine, entry);
    }
  }

  describeStateMachine(stateMachineArn: unknown): LoadedStateMachine {
    const { prepared: _p, engine: _e, ...machine } = this.#machine(stateMachineArn);
    return machine;
  }

  /**
   * Stops running executions without recording them as stopped: they stay RUNNING in the journal,
   * so the next start continues them, as after a crash.
   */
  async close(): Promise<void> {
    this.#closing = true;
    for (const entry of this.#executions.values()) {
      if (entry.record.status === 'RUNNING') entry.abort?.();
    }
    this.tokens.cancelAll(new ExecutionAbortedError());
    await this.#journal.close();
  }

  #addStateMachine(source: StateMachineSource): void {
    const { name } = parseStateMachineArn(source.stateMachineArn);
    const prepared = prepareDefinition(source.definition);
    const engine = engineFor(source.stateMachineArn, prepared);
    const [partition, , , region, accountId] = source.stateMachineArn.split(':');
    this.#machines.set(source.stateMachineArn, {
      resumeEngines: new Map(),
      stateMachineArn: source.stateMachineArn,
      name,
      roleArn: source.roleArn ?? `arn:${partition}:iam::${accountId}:role/local-${name}-${region}`,
      definitionText:
        typeof source.definition === 'string' ? source.definition : JSON.stringify(source.definition),
      createdAt: Date.now(),
      prepared,
      engine,
    });
  }

  async #restore(): Promise<void> {
    for (const stored of await this.#journal.load()) {
      if (stored.status !== 'RUNNING') {
        this.#track(stored).settle(stored);
        continue;
      }
      const machine = this.#machines.get(stored.stateMachineArn);
      if (!machine) {
        const entry = this.#track(stored);
        this.#finish(entry, {
          status: 'ABORTED',
          error: 'States.Runtime',
          cause: 'The state machine of this execution is no longer in the template',
        });
        continue;
      }
      const record: ExecutionRecord = {
        ...stored,
        redriveCount: stored.redriveCount + 1,
        redriveDate: Date.now(),
      };
      const entry = this.#track(record);
      entry.persisted = this.#journal.append(record);
      await entry.persisted;
      if (this.#resumeRestored === 'at-start') this.#run(machine, entry);
      else this.#awaitingResume.push({ machine, entry });
    }
  }

  #track(record: ExecutionRecord): ExecutionEntry {
    let settle!: (record: ExecutionRecord) => void;
    const done = new Promise<ExecutionRecord>((resolve) => {
      settle = resolve;
    });
    const entry: ExecutionEntry = { record, persisted: Promise.resolve(), done, settle };
    this.#executions.set(record.executionArn, entry);
    this.#statusCounts[record.status] += 1;
    return entry;
  }

  #run(machine: MachineEntry, entry: ExecutionEntry): void {
    const { record } = entry;
    const { engine, input } = this.#startingPoint(machine, record);
    const history = new ExecutionHistory();
    entry.history = history;
    const handlers = createTaskHandlers(machine.prepared, {
      executionArn: record.executionArn,
      invokeFunction: this.#invokeFunction,
      tokens: this.tokens,
      onBackgroundError: (stateName, error) =>
        this.#onWarning(
          `Asynchronous invocation of task '${stateName}' failed (${record.executionArn})`,
          error,
        ),
    });
    const run = engine.run(input, {
      overrides: { taskResourceLocalHandlers: handlers as EngineHandlers },
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          RoleArn: machine.roleArn,
          RedriveCount: record.redriveCount,
        },
        StateMachine: { Id: machine.stateMachineArn, Name: machine.name },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      },
    });
    entry.abort = run.abort;
    void (async () => {
      for await (const event of run.eventLogs) {
        history.add(event as EngineEvent, machine.roleArn);
        this.#notePosition(entry, event as EngineEvent);
      }
    })().catch((error: unknown) => this.#onWarning(`History of ${record.executionArn} is incomplete`, error));
    run.result.then(
      (output) => {
        const text = JSON.stringify(output ?? null);
        if (Buffer.byteLength(text) <= STEP_FUNCTIONS_LIMITS.payloadMaxBytes) {
          this.#finish(entry, { status: 'SUCCEEDED', output: text });
          return;
        }
        // The last state's output is over the payload quota: AWS fails the execution.
        this.#finish(entry, {
          status: 'FAILED',
          error: 'States.DataLimitExceeded',
          cause:
            'The state/task returned a result with a size exceeding the maximum number of bytes service limit.',
        });
      },
      (error: unknown) => this.#finishWithError(entry, error),
    );
  }

  /** Where a run begins: the top of the machine, or the state a restored execution was in. */
  #startingPoint(
    machine: MachineEntry,
    record: ExecutionRecord,
  ): { engine: StateMachine; input: Parameters<StateMachine['run']>[0] } {
    const position = record.position;
    const states = machine.prepared.definition.States as Record<string, unknown> | undefined;
    if (position === undefined || states?.[position.stateName] === undefined) {
      return { engine: machine.engine, input: JSON.parse(record.input) };
    }
    let engine = machine.resumeEngines.get(position.stateName);
    if (!engine) {
      // The same definition, validated when it was loaded; only StartAt moves, which leaves the
      // states before it unreachable, so the engine is told not to validate again.
      engine = new StateMachine(
        { ...machine.prepared.definition, StartAt: position.stateName } as unknown as StateMachineDefinition,
        { validationOptions: { noValidate: true } },
      );
      machine.resumeEngines.set(position.stateName, engine);
    }
    return { engine, input: JSON.parse(position.input) };
  }

  /**
   * Journals each top-level state the execution enters, so a restart continues there. States
   * inside Parallel / Map branches are not positions: a restart re-enters their parent state.
   */
  #notePosition(entry: ExecutionEntry, event: EngineEvent): void {
    if (event.type !== 'StateEntered' || event.state === undefined || event.parentState !== undefined) return;
    // The event log trails the run: never let a late position overwrite the final record.
    if (this.#closing || entry.record.status !== 'RUNNING') return;
    entry.record = {
      ...entry.record,
      position: { stateName: event.state.name, input: JSON.stringify(event.state.input ?? null) },
    };
    this.#journal
      .append(entry.record)
      .catch((error: unknown) =>
        this.#onWarning(`Could not record the position of ${entry.record.executionArn}`, error),
      );
  }

  #finishWithError(entry: ExecutionEntry, error: unknown): void {
    if (error instanceof ExecutionAbortedError) {
      // Stopped by close(): the journal keeps it RUNNING so that the next start runs it again.
      if (!entry.stopRequest && this.#closing) return;
      this.#finish(entry, { status: 'ABORTED', ...entry.stopRequest });
    } else if (error instanceof ExecutionTimeoutError) {
      this.#finish(entry, { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution timed out' });
    } else {
      const failure = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
      const { name, message } =
        failure instanceof Error ? failure : { name: 'States.Runtime', message: String(failure) };
      this.#finish(entry, { status: 'FAILED', error: name, cause: message });
    }
  }

  #finish(
    entry: ExecutionEntry,
    outcome: { status: ExecutionStatus; output?: string; error?: string; cause?: string },
  ): void {
    const previous = entry.record;
    const record: ExecutionRecord = { ...previous, ...outcome, stopDate: Date.now() };
    entry.record = record;
    this.#statusCounts[previous.status] -= 1;
    this.#statusCounts[record.status] += 1;
    this.tokens.cancelExecution(record.executionArn, new ExecutionAbortedError());
    this.#journal
      .append(record)
      .catch((error: unknown) =>
        this.#onWarning(`Could not record the end of ${record.executionArn}`, error),
      );
    entry.settle(record);
    const ended: ExecutionEndedEvent = { record, durationMs: record.stopDate! - record.startDate };
    if (record.status !== 'RUNNING') this.emit(EVENT_BY_STATUS[record.status], ended);
    this.emit('executionEnded', ended);
  }

  #machine(stateMachineArn: unknown): MachineEntry {
    parseStateMachineArn(stateMachineArn);
    const machine = this.#machines.get(stateMachineArn as string);
    if (!machine) throw new StateMachineDoesNotExistError(stateMachineArn as string);
    return machine;
  }

  #execution(executionArn: unknown): ExecutionEntry {
    if (!isExecutionArn(executionArn)) throw new InvalidArnError(executionArn);
    const entry = this.#executions.get(executionArn);
    if (!entry) throw new ExecutionDoesNotExistError(executionArn);
    return entry;
  }
}

/**
 * Validating a definition costs the engine about a second (it compiles its JSON schema each time);
 * an engine holds no per-run state, so one per distinct definition serves every service instance.
 */
const ENGINES = new Map<string, StateMachine>();

function engineFor(stateMachineArn: string, prepared: PreparedDefinition): StateMachine {
  const key = JSON.stringify(prepared.definition);
  let engine = ENGINES.get(key);
  if (!engine) {
    try {
      engine = new StateMachine(prepared.definition as unknown as StateMachineDefinition);
    } catch (error) {
      throw new UnsupportedDefinitionError(
        `State machine '${stateMachineArn}' is not valid ASL: ${(error as Error).message}`,
        { cause: error },
      );
    }
    ENGINES.set(key, engine);
  }
  return engine;
}

const EVENT_BY_STATUS = {
  SUCCEEDED: 'executionSucceeded',
  FAILED: 'executionFailed',
  TIMED_OUT: 'executionTimedOut',
  ABORTED: 'executionAborted',
} as const satisfies Record<Exclude<ExecutionStatus, 'RUNNING'>, keyof LocalStepFunctionsEvents>;

/** The length constraints of the API model, answered with ValidationException as AWS does. */
function checkStartConstraints(request: StartExecutionRequest): void {
  const { name, input } = request;
  if (typeof name === 'string' && executionNameProblem(name) === 'length') {
    const max = STEP_FUNCTIONS_LIMITS.executionNameMaxLength;
    throw constraintError(
      'name',
      `'${name}'`,
      name.length === 0
        ? 'Member must have length greater than or equal to 1'
        : `Member must have length less than or equal to ${max}`,
    );
  }
  if (typeof input === 'string' && Buffer.byteLength(input) > STEP_FUNCTIONS_LIMITS.payloadMaxBytes) {
    throw constraintError(
      'input',
      undefined,
      `Member must have size less than or equal to ${STEP_FUNCTIONS_LIMITS.payloadMaxBytes} bytes in UTF-8 encoding`,
    );
  }
}

function validName(name: unknown): string {
  if (typeof name !== 'string' || executionNameProblem(name) !== undefined) throw new InvalidNameError(name);
  return name;
}

function validInput(input: unknown): string {
  if (input === undefined || input === null) return '{}';
  if (typeof input !== 'string')
    throw new InvalidExecutionInputError('Invalid State Machine Execution Input: not a string');
  try {
    JSON.parse(input);
  } catch (error) {
    throw new InvalidExecutionInputError(
      `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      {
        cause: error,
      },
    );
  }
  return input;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function page<T, K extends string>(
  items: readonly T[],
  maxResults: unknown,
  nextToken: unknown,
  key: K,
): { [P in K]: T[] } & { nextToken?: string } {
  const size = typeof maxResults === 'number' && maxResults > 0 ? Math.min(maxResults, 1000) : 100;
  let offset = 0;
  if (nextToken !== undefined) {
    offset = Number.parseInt(Buffer.from(String(nextToken), 'base64url').toString('utf8'), 10);
    if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('Invalid nextToken');
  }
  const slice = items.slice(offset, offset + size);
  const more = offset + size < items.length;
  const result = { [key]: slice } as { [P in K]: T[] };
  return more ? { ...result, nextToken: Buffer.from(String(offset + size)).toString('base64url') } : result;
}

/** After a restart only the record survives; its history is rebuilt from it. */
function restoredHistory(record: ExecutionRecord): HistoryEvent[] {
  const events: HistoryEvent[] = [
    {
      id: 1,
      previousEventId: 0,
      timestamp: record.startDate,
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input: record.input, inputDetails: { truncated: false } },
    },
  ];
  if (record.status === 'RUNNING' || record.stopDate === undefined) return events;
  const details: Record<ExecutionStatus, [string, Record<string, unknown>]> = {
    RUNNING: ['', {}],
    SUCCEEDED: ['executionSucceededEventDetails', { output: record.output }],
    FAILED: ['executionFailedEventDetails', { error: record.error, cause: record.cause }],
    TIMED_OUT: ['executionTimedOutEventDetails', { error: record.error, cause: record.cause }],
    ABORTED: ['executionAbortedEventDetails', { error: record.error, cause: record.cause }],
  };
  const type = {
    SUCCEEDED: 'ExecutionSucceeded',
    FAILED: 'ExecutionFailed',
    TIMED_OUT: 'ExecutionTimedOut',
    ABORTED: 'ExecutionAborted',
  }[record.status];
  const [key, value] = details[record.status];
  events.push({ id: 2, previousEventId: 1, timestamp: record.stopDate, type, [key]: value });
  return events;
}

function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const stripped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    stripped[key] =
      key.endsWith('EventDetails') && typeof value === 'object' && value !== null
        ? Object.fromEntries(
            Object.entries(value).filter(([field]) => field !== 'input' && field !== 'output'),
          )
        : value;
  }
  return stripped as HistoryEvent;
}
