/**
 * Prepares an ASL definition for aws-local-stepfunctions: classifies every Task state's resource,
 * refuses what the engine would silently run wrong (JSONata, Assign, non-Lambda integrations), and
 * adjusts timeouts so the engine and the callback emulation agree with AWS.
 */
import { UnsupportedDefinitionError } from './errors';
import { MAX_TIMER_SECONDS } from './task-tokens';

/** How a Task state's `Resource` is run locally. */
export type TaskKind =
  /** `arn:aws:states:::lambda:invoke`: result wrapped as `{ Payload, StatusCode, ... }`. */
  | 'lambda-invoke'
  /** `arn:aws:states:::lambda:invoke.waitForTaskToken`: result is the SendTaskSuccess output. */
  | 'lambda-callback'
  /** A Lambda function ARN (CDK `payloadResponseOnly`): result is the function's return value. */
  | 'lambda-function';

export interface TaskSpec {
  readonly stateName: string;
  readonly kind: TaskKind;
  readonly resource: string;
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
}

export interface PreparedDefinition {
  /** A copy of the definition, safe to hand to the engine. */
  readonly definition: Record<string, unknown>;
  /** Every Task state, nested Parallel / Map states included, by state name. */
  readonly tasks: ReadonlyMap<string, TaskSpec>;
}

type Json = Record<string, unknown>;

const LAMBDA_INVOKE = /^arn:[a-z-]+:states:::lambda:invoke$/;
const LAMBDA_CALLBACK = /^arn:[a-z-]+:states:::lambda:invoke\.waitForTaskToken$/;
const LAMBDA_FUNCTION = /^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;

export function classifyTaskResource(resource: string): TaskKind | undefined {
  if (LAMBDA_INVOKE.test(resource)) return 'lambda-invoke';
  if (LAMBDA_CALLBACK.test(resource)) return 'lambda-callback';
  if (LAMBDA_FUNCTION.test(resource)) return 'lambda-function';
  return undefined;
}

export function prepareDefinition(source: unknown): PreparedDefinition {
  const parsed: unknown = typeof source === 'string' ? parseJson(source) : structuredClone(source);
  if (!isObject(parsed) || !isObject(parsed.States) || typeof parsed.StartAt !== 'string') {
    throw new UnsupportedDefinitionError('A state machine definition needs StartAt and States');
  }
  rejectJsonata(parsed, 'the state machine');
  if (typeof parsed.TimeoutSeconds === 'number') parsed.TimeoutSeconds = clampSeconds(parsed.TimeoutSeconds);
  const tasks = new Map<string, TaskSpec>();
  prepareStates(parsed.States, tasks);
  return { definition: parsed, tasks };
}

function prepareStates(states: Json, tasks: Map<string, TaskSpec>): void {
  for (const [stateName, state] of Object.entries(states)) {
    if (!isObject(state)) throw new UnsupportedDefinitionError(`State '${stateName}' is not an object`);
    rejectJsonata(state, `state '${stateName}'`);
    if ('Assign' in state) {
      throw new UnsupportedDefinitionError(
        `State '${stateName}' uses Assign, which the local engine does not run`,
      );
    }
    if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
      for (const branch of state.Branches)
        if (isObject(branch) && isObject(branch.States)) prepareStates(branch.States, tasks);
    }
    if (state.Type === 'Map') {
      for (const key of ['Iterator', 'ItemProcessor']) {
        const processor = state[key];
        if (isObject(processor) && isObject(processor.States)) prepareStates(processor.States, tasks);
      }
    }
    widenTimeoutMatchers(state);
    if (state.Type === 'Task') tasks.set(stateName, prepareTask(stateName, state));
  }
}

function prepareTask(stateName: string, state: Json): TaskSpec {
  const resource = state.Resource;
  const kind = typeof resource === 'string' ? classifyTaskResource(resource) : undefined;
  if (typeof resource !== 'string' || kind === undefined) {
    throw new UnsupportedDefinitionError(
      `Task state '${stateName}' has resource '${String(resource)}'; the local engine runs Lambda tasks only`,
    );
  }
  if (kind === 'lambda-callback' && ('TimeoutSecondsPath' in state || 'HeartbeatSecondsPath' in state)) {
    throw new UnsupportedDefinitionError(
      `Task state '${stateName}' uses TimeoutSecondsPath/HeartbeatSecondsPath; give fixed TimeoutSeconds/HeartbeatSeconds`,
    );
  }
  const timeoutSeconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : undefined;
  const heartbeatSeconds = typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined;
  if (kind === 'lambda-callback') {
    // The token registry enforces the callback task's timeouts (heartbeats need to restart a
    // clock, which the engine's fixed race cannot); the engine's own clock is pushed out of the way.
    state.TimeoutSeconds = MAX_TIMER_SECONDS;
  } else if (!('TimeoutSecondsPath' in state)) {
    // The engine defaults a Task to 60 s where AWS waits 99999999 s: keep the AWS meaning, as far
    // as Node timers reach.
    state.TimeoutSeconds = clampSeconds(timeoutSeconds ?? MAX_TIMER_SECONDS);
  }
  return { stateName, kind, resource, timeoutSeconds, heartbeatSeconds };
}

/**
 * In AWS a `States.Timeout` retrier or catcher also matches `States.HeartbeatTimeout`; the engine
 * compares names exactly, so the heartbeat name is added wherever `States.Timeout` is listed.
 */
function widenTimeoutMatchers(state: Json): void {
  for (const key of ['Retry', 'Catch']) {
    const matchers = state[key];
    if (!Array.isArray(matchers)) continue;
    for (const matcher of matchers) {
      const errors = isObject(matcher) ? matcher.ErrorEquals : undefined;
      if (
        Array.isArray(errors) &&
        errors.includes('States.Timeout') &&
        !errors.includes('States.HeartbeatTimeout')
      ) {
        errors.push('States.HeartbeatTimeout');
      }
    }
  }
}

function rejectJsonata(node: Json, where: string): void {
  if (node.QueryLanguage === 'JSONata') {
    throw new UnsupportedDefinitionError(`${where} uses JSONata; the local engine runs JSONPath only`);
  }
}

function clampSeconds(seconds: number): number {
  return Math.min(seconds, MAX_TIMER_SECONDS);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UnsupportedDefinitionError(`The definition is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
