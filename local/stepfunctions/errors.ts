/**
 * Errors of the local Step Functions service. API errors carry the AWS error code (`__type` on the
 * wire) so @aws-sdk/client-sfn raises the same exception classes it raises against AWS.
 */

/** Base of every error the Step Functions API answers with; `code` is the AWS error code. */
export class StepFunctionsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StepFunctionsApiError';
  }
}

export class ExecutionAlreadyExistsError extends StepFunctionsApiError {
  constructor(executionArn: string, options?: { cause?: unknown }) {
    super('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`, 400, options);
    this.name = 'ExecutionAlreadyExistsError';
  }
}

export class ExecutionDoesNotExistError extends StepFunctionsApiError {
  constructor(executionArn: string, options?: { cause?: unknown }) {
    super('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`, 400, options);
    this.name = 'ExecutionDoesNotExistError';
  }
}

export class StateMachineDoesNotExistError extends StepFunctionsApiError {
  constructor(stateMachineArn: string, options?: { cause?: unknown }) {
    super('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`, 400, options);
    this.name = 'StateMachineDoesNotExistError';
  }
}

export class TaskDoesNotExistError extends StepFunctionsApiError {
  constructor(options?: { cause?: unknown }) {
    super(
      'TaskDoesNotExist',
      'Task Does Not Exist: the task token is not known to this endpoint',
      400,
      options,
    );
    this.name = 'TaskDoesNotExistError';
  }
}

export class TaskTimedOutError extends StepFunctionsApiError {
  constructor(options?: { cause?: unknown }) {
    super('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'", 400, options);
    this.name = 'TaskTimedOutError';
  }
}

export class InvalidTokenError extends StepFunctionsApiError {
  constructor(received: string, options?: { cause?: unknown }) {
    super('InvalidToken', `Invalid Token: '${received.slice(0, 64)}'`, 400, options);
    this.name = 'InvalidTokenError';
  }
}

export class InvalidOutputError extends StepFunctionsApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidOutput', message, 400, options);
    this.name = 'InvalidOutputError';
  }
}

export class InvalidArnError extends StepFunctionsApiError {
  constructor(received: unknown, options?: { cause?: unknown }) {
    super('InvalidArn', `Invalid Arn: '${String(received)}'`, 400, options);
    this.name = 'InvalidArnError';
  }
}

export class InvalidNameError extends StepFunctionsApiError {
  constructor(received: unknown, options?: { cause?: unknown }) {
    super('InvalidName', `Invalid Name: '${String(received)}'`, 400, options);
    this.name = 'InvalidNameError';
  }
}

export class InvalidExecutionInputError extends StepFunctionsApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidExecutionInput', message, 400, options);
    this.name = 'InvalidExecutionInputError';
  }
}

export class ValidationError extends StepFunctionsApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ValidationException', message, 400, options);
    this.name = 'ValidationError';
  }
}

/**
 * A request member outside the API model's constraints, answered in AWS's words, e.g.
 * `1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: ...`. Sensitive
 * members (input, output) are not echoed, as AWS does not echo them.
 */
export function constraintError(
  member: string,
  shown: string | undefined,
  constraint: string,
): ValidationError {
  const value = shown === undefined ? 'Value' : `Value ${shown}`;
  return new ValidationError(
    `1 validation error detected: ${value} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

export class UnknownOperationError extends StepFunctionsApiError {
  constructor(target: string | undefined, options?: { cause?: unknown }) {
    super(
      'UnknownOperationException',
      `Operation not supported by the local endpoint: '${target ?? ''}'`,
      400,
      options,
    );
    this.name = 'UnknownOperationError';
  }
}

/**
 * A Task state's failure as the state machine sees it. `name` is the ASL error name (what `Retry`
 * and `Catch` match on, e.g. `PaymentDeclined`, `Lambda.Unknown`) and `message` is the cause, because
 * aws-local-stepfunctions reads exactly these two fields.
 */
export class TaskFailureError extends Error {
  constructor(errorName: string, cause: string, options?: { cause?: unknown }) {
    super(cause, options);
    this.name = errorName;
  }
}

/**
 * A task input or result over Step Functions' 256 KiB payload quota. Terminal, as in AWS: no
 * Retry or Catch applies (aws-local-stepfunctions reads `isRetryable` and `isCatchable`), so the
 * execution fails with States.DataLimitExceeded.
 */
export class DataLimitExceededError extends TaskFailureError {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(cause: string, options?: { cause?: unknown }) {
    super('States.DataLimitExceeded', cause, options);
  }
}

/** A state machine definition uses something the local engine cannot run faithfully. */
export class UnsupportedDefinitionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnsupportedDefinitionError';
  }
}

/** A CloudFormation intrinsic in a state machine definition could not be resolved locally. */
export class TemplateResolutionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateResolutionError';
  }
}

/** The local endpoint could not listen (most often: the port is taken by another `npm start`). */
export class EndpointStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EndpointStartError';
  }
}
