/**
 * Local implementations of the Lambda Task integrations, handed to aws-local-stepfunctions as
 * `taskResourceLocalHandlers`: plain invoke, function ARN, and the `.waitForTaskToken` callback.
 */
import { randomUUID } from 'node:crypto';
import { STEP_FUNCTIONS_LIMITS } from '../../lib/config/aws-rules';
import { functionNameOf } from './arns';
import type { PreparedDefinition, TaskSpec } from './definition';
import { DataLimitExceededError, TaskFailureError } from './errors';
import { toTaskFailure } from './lambda-errors';
import type { TaskTokenRegistry } from './task-tokens';

/**
 * Runs a Lambda function locally and resolves with its return value, or rejects with the error it
 * threw. The local runtime supplies the real one (handlers in workers); tests pass a fake.
 */
export type InvokeFunction = (functionName: string, payload: unknown) => Promise<unknown>;

/**
 * The engine resolves `$$.Task.Token` from the context object once per run, but a token must be
 * unique per task attempt, so the context carries this marker and each attempt swaps in a fresh token.
 */
export const TASK_TOKEN_PLACEHOLDER = '__local_sfn_task_token__';

export type TaskHandler = (input: unknown) => Promise<unknown>;

export interface TaskHandlerDependencies {
  readonly executionArn: string;
  readonly invokeFunction: InvokeFunction;
  readonly tokens: TaskTokenRegistry;
  /** Reports errors of asynchronous (`InvocationType: Event`) invocations nobody waits for. */
  readonly onBackgroundError?: (stateName: string, error: unknown) => void;
}

export function createTaskHandlers(
  prepared: PreparedDefinition,
  deps: TaskHandlerDependencies,
): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const spec of prepared.tasks.values()) {
    handlers[spec.stateName] = async (input) => {
      // The state's input after Parameters, and the connector's result, are held to the quota.
      withinPayloadQuota(spec, input, 'has an input');
      return withinPayloadQuota(spec, await runTask(spec, input, deps), 'returned a result');
    };
  }
  return handlers;
}

function withinPayloadQuota(spec: TaskSpec, value: unknown, what: string): unknown {
  if (Buffer.byteLength(JSON.stringify(value ?? null)) > STEP_FUNCTIONS_LIMITS.payloadMaxBytes) {
    throw new DataLimitExceededError(
      `The state/task '${spec.stateName}' ${what} with a size exceeding the maximum number of bytes service limit.`,
    );
  }
  return value;
}

async function runTask(spec: TaskSpec, input: unknown, deps: TaskHandlerDependencies): Promise<unknown> {
  switch (spec.kind) {
    case 'lambda-function':
      return invoke(deps, functionNameOf(spec.resource), input);
    case 'lambda-invoke': {
      const request = readInvokeRequest(spec, input);
      if (request.invocationType !== 'RequestResponse') {
        fireAndForget(spec, deps, request.functionName, request.payload);
        return { Payload: '', StatusCode: request.invocationType === 'Event' ? 202 : 204 };
      }
      const result = await invoke(deps, request.functionName, request.payload);
      return invokeResponse(result);
    }
    case 'lambda-callback':
      return runCallbackTask(spec, input, deps);
  }
}

async function runCallbackTask(
  spec: TaskSpec,
  input: unknown,
  deps: TaskHandlerDependencies,
): Promise<unknown> {
  const request = readInvokeRequest(spec, input);
  // The token is open before the function runs: a function may answer it before it returns.
  const { token, result } = deps.tokens.open({
    executionArn: deps.executionArn,
    stateName: spec.stateName,
    timeoutSeconds: spec.timeoutSeconds,
    heartbeatSeconds: spec.heartbeatSeconds,
  });
  const invocation = invoke(deps, request.functionName, withToken(request.payload, token));
  if (request.invocationType === 'RequestResponse') {
    // A function error fails the task, unless the token was already answered (then it is a no-op).
    invocation.catch((error: unknown) => deps.tokens.cancel(token, toTaskFailure(error)));
  } else {
    invocation.catch((error: unknown) => deps.onBackgroundError?.(spec.stateName, error));
  }
  return result;
}

interface InvokeRequest {
  readonly functionName: string;
  readonly payload: unknown;
  readonly invocationType: string;
}

function readInvokeRequest(spec: TaskSpec, input: unknown): InvokeRequest {
  const parameters = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  if (typeof parameters.FunctionName !== 'string') {
    throw new TaskFailureError(
      'States.Runtime',
      `Task state '${spec.stateName}' has no FunctionName parameter`,
    );
  }
  return {
    functionName: functionNameOf(parameters.FunctionName),
    // Lambda receives an empty event when the state passes no Payload.
    payload: parameters.Payload ?? {},
    invocationType:
      typeof parameters.InvocationType === 'string' ? parameters.InvocationType : 'RequestResponse',
  };
}

async function invoke(
  deps: TaskHandlerDependencies,
  functionName: string,
  payload: unknown,
): Promise<unknown> {
  try {
    // Through JSON, as across the Lambda API: the function never shares objects with the execution.
    const result = await deps.invokeFunction(functionName, JSON.parse(JSON.stringify(payload)));
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  } catch (error) {
    throw toTaskFailure(error);
  }
}

function fireAndForget(
  spec: TaskSpec,
  deps: TaskHandlerDependencies,
  functionName: string,
  payload: unknown,
): void {
  invoke(deps, functionName, payload).catch((error: unknown) =>
    deps.onBackgroundError?.(spec.stateName, error),
  );
}

/** The shape of the AWS `lambda:invoke` integration's result. */
function invokeResponse(payload: unknown): Record<string, unknown> {
  const requestId = randomUUID();
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: { HttpStatusCode: 200 },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: 200,
  };
}

function withToken(value: unknown, token: string): unknown {
  if (typeof value === 'string')
    return value.includes(TASK_TOKEN_PLACEHOLDER) ? value.replaceAll(TASK_TOKEN_PLACEHOLDER, token) : value;
  if (Array.isArray(value)) return value.map((item) => withToken(item, token));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withToken(item, token)]));
  }
  return value;
}
