/** Typed errors of the local runtime (template reading, function invocation, event source mappings). */

/** The template has something the local mode cannot read (a missing resource, an unknown shape). */
export class TemplateReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateReadError';
  }
}

/** A CloudFormation token (Ref, Fn::GetAtt, Fn::ImportValue, ...) that has no local value. */
export class UnresolvableTokenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnresolvableTokenError';
  }
}

/** No function of the template answers to the name, logical id or ARN given. */
export class UnknownFunctionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnknownFunctionError';
  }
}

/**
 * The function returned an error (thrown by the handler, a failed init, a crashed sandbox).
 * `name` carries the function's own error type (e.g. `TransientFailure`) because callers such as the
 * Step Functions emulator match Retry/Catch on it, exactly as Lambda reports `errorType`.
 */
export class FunctionInvocationError extends Error {
  readonly errorType: string;
  readonly functionName: string;
  constructor(functionName: string, errorType: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = errorType;
    this.errorType = errorType;
    this.functionName = functionName;
  }
}

/** The function ran past its configured Timeout; its sandbox was discarded, as Lambda does. */
export class FunctionTimeoutError extends FunctionInvocationError {
  constructor(functionName: string, timeoutSeconds: number, options?: { cause?: unknown }) {
    super(
      functionName,
      'Sandbox.Timedout',
      `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
      options,
    );
  }
}

/** The pool was closed while invocations were waiting or running. */
export class FunctionPoolClosedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FunctionPoolClosedError';
  }
}

/**
 * Lambda refused a synchronous invocation whose request is over 6 MB: the function never runs.
 * Named `Lambda.RequestEntityTooLargeException`, the Lambda service fault it is, so the Step
 * Functions emulator reports it as Lambda does and the mappings count it as a failed invocation.
 */
export class RequestEntityTooLargeError extends Error {
  readonly functionName: string;
  constructor(functionName: string, limitBytes: number, options?: { cause?: unknown }) {
    super(`Request must be smaller than ${limitBytes} bytes for the InvokeFunction operation`, options);
    this.name = 'Lambda.RequestEntityTooLargeException';
    this.functionName = functionName;
  }
}

/**
 * The function exists but cannot be invoked from here: it runs in the consumer child process of
 * the local mode, which only its event source mappings reach.
 */
export class FunctionNotInvocableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FunctionNotInvocableError';
  }
}
