/**
 * What both checkout routes do at the API Gateway edge: find the authenticated customer and map
 * checkout's typed errors, once, to the API's error responses.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  BadRequestError,
  ConflictError,
  type HttpError,
  NotFoundError,
  ServiceUnavailableError,
  toApiResponse,
  UnauthorizedError,
} from '../../shared/http';
import { logger } from '../../shared/observability';
import {
  CustomerNotAuthenticatedError,
  IdempotencyKeyConflictError,
  InvalidOrderRequestError,
  OrderNotFoundError,
  PipelineAtCapacityError,
} from '../domain/errors';

/** The customer id is the `sub` claim the Cognito authorizer verified; nothing else is trusted. */
export function customerIdOf(event: APIGatewayProxyEvent): string {
  const claims = event.requestContext?.authorizer?.claims as Record<string, unknown> | undefined;
  const sub = claims?.sub;
  if (typeof sub !== 'string' || sub.trim() === '') throw new CustomerNotAuthenticatedError();
  return sub;
}

/** A header by name, case-insensitively (API Gateway keeps the client's spelling). */
export function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

export function errorResponse(error: unknown): APIGatewayProxyResult {
  return toApiResponse(toHttpError(error), logger);
}

function toHttpError(error: unknown): HttpError | unknown {
  if (error instanceof InvalidOrderRequestError) {
    return new BadRequestError(error.message, { code: error.code, details: error.details, cause: error });
  }
  if (error instanceof CustomerNotAuthenticatedError)
    return new UnauthorizedError(error.message, { cause: error });
  if (error instanceof OrderNotFoundError) return new NotFoundError(error.message, { cause: error });
  if (error instanceof IdempotencyKeyConflictError) {
    return new ConflictError(error.message, { code: 'IDEMPOTENCY_KEY_REUSED', cause: error });
  }
  // 503, not 429: the shop is full, not this client too fast (the stage throttle answers 429).
  if (error instanceof PipelineAtCapacityError) {
    return new ServiceUnavailableError(error.message, {
      code: 'PIPELINE_AT_CAPACITY',
      retryAfterSeconds: error.retryAfterSeconds,
      cause: error,
    });
  }
  return error;
}
