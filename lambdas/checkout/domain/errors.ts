/**
 * Checkout's typed errors. The HTTP handlers map each one once to a response; use cases never
 * speak HTTP.
 */

/** One problem with the request, pointing at the offending field (`items[0].sku`) if there is one. */
export interface RequestProblem {
  readonly field?: string;
  readonly message: string;
}

/** A stable code per kind of bad input; the API returns it as `error.code`. */
export type InvalidRequestCode = 'VALIDATION_ERROR' | 'INVALID_JSON' | 'PAYLOAD_TOO_LARGE' | 'UNKNOWN_SKU';

/** The request cannot be accepted as sent (400). */
export class InvalidOrderRequestError extends Error {
  public readonly details: readonly RequestProblem[];
  public readonly code: InvalidRequestCode;

  public constructor(
    message: string,
    options: { details?: readonly RequestProblem[]; code?: InvalidRequestCode; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'InvalidOrderRequestError';
    this.details = options.details ?? [];
    this.code = options.code ?? 'VALIDATION_ERROR';
  }
}

/** The Idempotency-Key was already used for a different request body (409). */
export class IdempotencyKeyConflictError extends Error {
  public constructor(
    public readonly orderId: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      'This Idempotency-Key was already used for a different order request; send a new key to place a new order',
      { cause: options.cause },
    );
    this.name = 'IdempotencyKeyConflictError';
  }
}

/**
 * The pipeline already carries more orders than it can finish in time, so this one is not taken
 * (503 with Retry-After). Nothing was written and no saga started: the customer may simply retry.
 */
export class PipelineAtCapacityError extends Error {
  public constructor(
    public readonly retryAfterSeconds: number,
    options: { cause?: unknown } = {},
  ) {
    super(`The shop cannot take more orders right now; retry in ${retryAfterSeconds} s`, {
      cause: options.cause,
    });
    this.name = 'PipelineAtCapacityError';
  }
}
