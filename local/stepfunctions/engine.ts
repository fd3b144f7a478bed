/**
 * The one entry point to aws-local-stepfunctions: the polyfill it needs is installed first, so no
 * other module imports the engine directly.
 */
import './supported-runtime';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';

export {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';

let timeoutErrorClass: Promise<new () => Error> | undefined;

/**
 * The engine's own `States.Timeout` error class, which it does not export. `States.TaskFailed`
 * must not match a timeout (AWS semantics), and the engine decides that with `instanceof`, so a
 * heartbeat timeout has to be an instance of this very class. It is taken from a one-task probe
 * execution that times out after 1 ms.
 */
export function statesTimeoutErrorClass(): Promise<new () => Error> {
  timeoutErrorClass ??= probeStatesTimeoutErrorClass();
  return timeoutErrorClass;
}

async function probeStatesTimeoutErrorClass(): Promise<new () => Error> {
  const probe = new StateMachine(
    {
      StartAt: 'Probe',
      States: {
        Probe: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe',
          TimeoutSeconds: 0.001,
          End: true,
        },
      },
    },
    { validationOptions: { noValidate: true } },
  );
  const never = new Promise<never>(() => undefined);
  try {
    await probe.run(null, { overrides: { taskResourceLocalHandlers: { Probe: () => never } } }).result;
  } catch (error) {
    const cause = error instanceof ExecutionError ? (error.cause as Error | undefined) : undefined;
    if (cause?.name === 'States.Timeout') return cause.constructor as new () => Error;
  }
  throw new Error(
    'aws-local-stepfunctions did not time out its probe task; the engine version is not supported',
  );
}
