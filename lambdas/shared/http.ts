/**
 * API errors and their one mapping to a response, the shape every API answer's error has:
 * `{"error":{"code","message","details":[...]}}`. Unknown errors become a 500 INTERNAL_ERROR
 * with a generic message; their details are logged, never returned.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

export interface ErrorDetail {
  /** Where the problem is, e.g. `items[0].quantity` or `Idempotency-Key`. */
  readonly field?: string;
  readonly message: string;
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: readonly ErrorDetail[];
  };
}

export class HttpError extends Error {
  public readonly details: readonly ErrorDetail[];
  /** Response headers besides Content-Type, e.g. `Retry-After` on a 503. */
  public readonly headers: Readonly<Record<string, string>>;

  public constructor(
    public readonly statusCode: number,
    public readonly code: string,
    message: string,
    options: {
      details?: readonly ErrorDetail[];
      headers?: Readonly<Record<string, string>>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.details = options.details ?? [];
    this.headers = options.headers ?? {};
  }
}

export class BadRequestError extends HttpError {
  public constructor(
    message: string,
    options: { details?: readonly ErrorDetail[]; code?: string; cause?: unknown } = {},
  ) {
    super(400, options.code ?? 'BAD_REQUEST', message, options);
    this.name = 'BadRequestError';
  }
}

export class UnauthorizedError extends HttpError {
  public constructor(message = 'A valid bearer token is required', options: { cause?: unknown } = {}) {
    super(401, 'UNAUTHORIZED', message, options);
    this.name = 'UnauthorizedError';
  }
}

export class NotFoundError extends HttpError {
  public constructor(message = 'Not found', options: { cause?: unknown } = {}) {
    super(404, 'NOT_FOUND', message, options);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends HttpError {
  public constructor(
    message: string,
    options: { details?: readonly ErrorDetail[]; code?: string; cause?: unknown } = {},
  ) {
    super(409, options.code ?? 'CONFLICT', message, options);
    this.name = 'ConflictError';
  }
}

/** The service cannot take the request now; `Retry-After` tells the client when to try again (503). */
export class ServiceUnavailableError extends HttpError {
  public constructor(
    message: string,
    options: { retryAfterSeconds: number; code?: string; cause?: unknown },
  ) {
    super(503, options.code ?? 'SERVICE_UNAVAILABLE', message, {
      headers: { 'Retry-After': String(options.retryAfterSeconds) },
      cause: options.cause,
    });
    this.name = 'ServiceUnavailableError';
  }
}

export class PayloadTooLargeError extends HttpError {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    // The contract wants 400 for every invalid input, an oversized body included.
    super(400, 'PAYLOAD_TOO_LARGE', message, options);
    this.name = 'PayloadTooLargeError';
  }
}

/** Converts zod issues to details: `items.0.quantity` -> `items[0].quantity`. */
export function detailsFromIssues(
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
): ErrorDetail[] {
  return issues.map((issue) => {
    const field = issue.path
      .map((part, index) =>
        typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
      )
      .join('');
    return field ? { field, message: issue.message } : { message: issue.message };
  });
}

/** The customer id is the `sub` claim the Cognito authorizer verified; nothing else is trusted. */
export function customerIdOf(event: APIGatewayProxyEvent): string {
  const claims = event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub.trim() === '') throw new UnauthorizedError();
  return sub;
}

export const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export interface ErrorLogger {
  error(message: string, ...extra: unknown[]): void;
}

/** The response for any error thrown by a handler; only HttpErrors show their message. */
export function toApiResponse(error: unknown, logger?: ErrorLogger): APIGatewayProxyResult {
  if (error instanceof HttpError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message, details: error.details } };
    return jsonResponse(error.statusCode, body, { ...error.headers });
  }
  logger?.error('Unexpected error', { error });
  const body: ErrorBody = {
    error: { code: 'INTERNAL_ERROR', message: 'An internal error occurred', details: [] },
  };
  return jsonResponse(500, body);
}
