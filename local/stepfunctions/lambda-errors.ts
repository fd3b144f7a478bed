/**
 * Maps a failed local Lambda invocation to the error a Task state sees in AWS: the function's
 * error type as the ASL error name, and Lambda's JSON error document as the cause. The original
 * error is deliberately not attached as `cause`: the engine would prefer it over the message.
 */
import { TaskFailureError } from './errors';

/**
 * What the invocation port may reject with. A plain `Error` is a function error (its `name` is the
 * errorType, as the Node.js Lambda runtime reports it); the port signals Lambda service faults by
 * rejecting with an error named `Lambda.*` (e.g. `Lambda.TooManyRequestsException`).
 */
export function toTaskFailure(error: unknown): TaskFailureError {
  if (error instanceof TaskFailureError) return error;
  if (error instanceof Error) {
    const errorType = error.name || 'Error';
    if (errorType.startsWith('Lambda.') || errorType.startsWith('States.')) {
      return new TaskFailureError(errorType, error.message);
    }
    const document = {
      errorType,
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
    return new TaskFailureError(errorType, JSON.stringify(document));
  }
  // Anything else (a crashed worker, a thrown string) has no error type: AWS reports Lambda.Unknown.
  return new TaskFailureError(
    'Lambda.Unknown',
    `The cause could not be determined because Lambda did not return an error type. Returned payload: ${safeJson(error)}`,
  );
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
