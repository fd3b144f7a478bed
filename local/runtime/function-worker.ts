/**
 * One Lambda execution environment: runs in its own worker thread with the function's own
 * `process.env`, loads the TypeScript handler once (the init phase) and serves one invocation at a
 * time, as a Lambda sandbox does. Started by function-pool.ts through function-worker-bootstrap.mjs,
 * which registers tsx first.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { stopIdleRequestQueuePolling } from '../../lambdas/shared/kafka/request-queue-idle';

export interface WorkerInit {
  readonly entry: string;
  readonly handlerExport: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly memorySizeMb: number;
}

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  readonly event: unknown;
  readonly awsRequestId: string;
  /** The function's Timeout; it runs from the end of the init phase, as in Lambda. */
  readonly timeoutMs: number;
  readonly traceId: string | undefined;
}

export interface ErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace: readonly string[];
}

/** Runs the init phase (loads the handler) ahead of the first invocation. */
export interface InitMessage {
  readonly type: 'init';
}

export interface ReadyMessage {
  readonly type: 'ready';
  readonly error: ErrorPayload | undefined;
}

/** The handler is loaded and the invocation (and its timeout) starts now. */
export interface StartedMessage {
  readonly type: 'started';
  readonly id: number;
}

export type ResultMessage =
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly payload: string }
  | { readonly type: 'result'; readonly id: number; readonly ok: false; readonly error: ErrorPayload };

type Handler = (
  event: unknown,
  context: Context,
  callback?: (error?: unknown, result?: unknown) => void,
) => unknown;

const init = workerData as WorkerInit;
// A frozen Lambda sandbox runs no timers between invocations; here the thread stays live, and every
// producer connection of the handler would otherwise wake it each millisecond.
stopIdleRequestQueuePolling();
let handlerPromise: Promise<Handler> | undefined;

class HandlerLoadError extends Error {
  constructor(
    name: 'Runtime.ImportModuleError' | 'Runtime.HandlerNotFound',
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = name;
  }
}

/** Imports the handler once; a failed init is retried on the next invocation, as in Lambda. */
function loadHandler(): Promise<Handler> {
  handlerPromise ??= import(pathToFileURL(init.entry).href).then(
    (module: Record<string, unknown>) => {
      const candidate =
        module[init.handlerExport] ??
        (module.default as Record<string, unknown> | undefined)?.[init.handlerExport];
      if (typeof candidate !== 'function') {
        throw new HandlerLoadError(
          'Runtime.HandlerNotFound',
          `${init.entry} does not export a function named '${init.handlerExport}'`,
        );
      }
      return candidate as Handler;
    },
    (error: unknown) => {
      throw new HandlerLoadError(
        'Runtime.ImportModuleError',
        `Cannot load ${init.entry}: ${String(error)}`,
        error,
      );
    },
  );
  handlerPromise.catch(() => {
    handlerPromise = undefined;
  });
  return handlerPromise;
}

function contextFor(message: InvokeMessage, deadlineMs: number): Context {
  const noop = () => undefined;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: init.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: init.functionArn,
    memoryLimitInMB: String(init.memorySizeMb),
    awsRequestId: message.awsRequestId,
    logGroupName: `/aws/lambda/${init.functionName}`,
    logStreamName:
      process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
  };
}

/** Supports both async handlers and the older callback style. */
function callHandler(handler: Handler, event: unknown, context: Context): Promise<unknown> {
  if (handler.length < 3) return Promise.resolve(handler(event, context));
  return new Promise((resolve, reject) => {
    const returned = handler(event, context, (error, result) => (error ? reject(error) : resolve(result)));
    if (returned instanceof Promise) returned.then(resolve, reject);
  });
}

function errorPayloadOf(error: unknown): ErrorPayload {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      stackTrace: (error.stack ?? '')
        .split('\n')
        .slice(1)
        .map((line) => line.trim()),
    };
  }
  return { errorType: 'Error', errorMessage: String(error), stackTrace: [] };
}

async function invoke(message: InvokeMessage): Promise<ResultMessage> {
  if (message.traceId === undefined) delete process.env._X_AMZN_TRACE_ID;
  else process.env._X_AMZN_TRACE_ID = message.traceId;
  try {
    const handler = await loadHandler();
    parentPort?.postMessage({ type: 'started', id: message.id } satisfies StartedMessage);
    const deadlineMs = Date.now() + message.timeoutMs;
    const result = await callHandler(handler, message.event, contextFor(message, deadlineMs));
    // Lambda serializes the result to JSON; `undefined` becomes null.
    return { type: 'result', id: message.id, ok: true, payload: JSON.stringify(result ?? null) };
  } catch (error) {
    return { type: 'result', id: message.id, ok: false, error: errorPayloadOf(error) };
  }
}

parentPort?.on('message', (message: InvokeMessage | InitMessage) => {
  if (message.type === 'init') {
    void loadHandler().then(
      () => parentPort?.postMessage({ type: 'ready', error: undefined } satisfies ReadyMessage),
      (error: unknown) =>
        parentPort?.postMessage({ type: 'ready', error: errorPayloadOf(error) } satisfies ReadyMessage),
    );
    return;
  }
  if (message.type !== 'invoke') return;
  void invoke(message).then((result) => parentPort?.postMessage(result));
});
