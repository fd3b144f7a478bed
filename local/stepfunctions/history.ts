/**
 * Translates aws-local-stepfunctions event logs into Step Functions history events
 * (GetExecutionHistory), as far as the engine reports them.
 */

/** The engine's event log entry; only the fields read here are typed. */
export interface EngineEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly Error?: unknown;
  readonly Cause?: unknown;
  readonly index?: number;
  readonly state?: {
    readonly name: string;
    readonly type: string;
    readonly input?: unknown;
    readonly output?: unknown;
  };
  readonly parentState?: { readonly name: string };
}

export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  /** Epoch milliseconds; the wire format turns it into seconds. */
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

export class ExecutionHistory {
  readonly #events: HistoryEvent[] = [];

  get events(): readonly HistoryEvent[] {
    return this.#events;
  }

  add(event: EngineEvent, roleArn: string): void {
    for (const mapped of toHistoryEntries(event, roleArn)) {
      const id = this.#events.length + 1;
      this.#events.push({ id, previousEventId: id - 1, timestamp: event.timestamp, ...mapped });
    }
  }
}

type Details = { type: string } & Record<string, unknown>;

/**
 * AWS records a TaskScheduled for every attempt of a Task: after TaskStateEntered, and again when a
 * Retry starts the next attempt (the engine reports that after the retry interval, when AWS
 * schedules it). Without it a retried task and a caught one look the same in the history.
 */
function toHistoryEntries(event: EngineEvent, roleArn: string): Details[] {
  const mapped = toHistoryDetails(event, roleArn);
  const attemptStarts =
    event.state?.type === 'Task' && (event.type === 'StateEntered' || event.type === 'StateRetried');
  if (!attemptStarts) return mapped ? [mapped] : [];
  const scheduled: Details = {
    type: 'TaskScheduled',
    taskScheduledEventDetails: { ...taskResource(), parameters: json(event.state?.input) },
  };
  return mapped ? [mapped, scheduled] : [scheduled];
}

function toHistoryDetails(event: EngineEvent, roleArn: string): Details | undefined {
  switch (event.type) {
    case 'ExecutionStarted':
      return {
        type: 'ExecutionStarted',
        executionStartedEventDetails: {
          input: json(event.input),
          inputDetails: { truncated: false },
          roleArn,
        },
      };
    case 'ExecutionSucceeded':
      return {
        type: 'ExecutionSucceeded',
        executionSucceededEventDetails: { output: json(event.output), outputDetails: { truncated: false } },
      };
    case 'ExecutionFailed':
      return { type: 'ExecutionFailed', executionFailedEventDetails: errorDetails(event) };
    case 'ExecutionAborted':
      return { type: 'ExecutionAborted', executionAbortedEventDetails: {} };
    case 'ExecutionTimeout':
      return { type: 'ExecutionTimedOut', executionTimedOutEventDetails: {} };
    case 'StateEntered':
      return {
        type: `${event.state?.type}StateEntered`,
        stateEnteredEventDetails: { name: event.state?.name, input: json(event.state?.input) },
      };
    case 'StateExited':
      return {
        type: `${event.state?.type}StateExited`,
        stateExitedEventDetails: { name: event.state?.name, output: json(event.state?.output) },
      };
    case 'StateFailed':
      if (event.state?.type !== 'Task') return undefined;
      return event.Error === 'States.Timeout' || event.Error === 'States.HeartbeatTimeout'
        ? { type: 'TaskTimedOut', taskTimedOutEventDetails: { ...errorDetails(event), ...taskResource() } }
        : { type: 'TaskFailed', taskFailedEventDetails: { ...errorDetails(event), ...taskResource() } };
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return {
        type: event.type,
        mapIterationEventDetails: { name: event.parentState?.name, index: event.index },
      };
    default:
      // Retry/catch bookkeeping and Parallel branch events have no AWS history counterpart.
      return undefined;
  }
}

function taskResource(): Record<string, string> {
  return { resourceType: 'lambda', resource: 'invoke' };
}

function errorDetails(event: EngineEvent): Record<string, string> {
  return {
    error: String(event.Error ?? ''),
    cause: typeof event.Cause === 'string' ? event.Cause : json(event.Cause),
  };
}

function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}
