/**
 * What checkout does at the API Gateway edge: read its headers and map checkout's typed errors,
 * once, to the API's error responses.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  BadRequestError,
  ConflictError,
  type HttpError,
  ServiceUnavailableError,
  toApiResponse,
} from '../../shared/http';
import { logger } from '../../shared/observability';
import {
  IdempotencyKeyConflictError,
  InvalidOrderRequestError,
  PipelineAtCapacityError,
} from '../domain/errors';

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
