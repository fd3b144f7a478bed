/**
 * The answers API Gateway gives itself (bad request, unauthorized, throttled, too large, ...):
 * the template's gateway response for the type when it defines one (else its DEFAULT_4XX /
 * DEFAULT_5XX), rendered like API Gateway renders it; otherwise our error shape
 * `{"error":{"code","message","details"}}`.
 */
import type { GatewayResponseDefinition } from './api-definition';

export type GatewayResponseType =
  | 'BAD_REQUEST_BODY'
  | 'BAD_REQUEST_PARAMETERS'
  | 'UNAUTHORIZED'
  | 'RESOURCE_NOT_FOUND'
  | 'REQUEST_TOO_LARGE'
  | 'THROTTLED'
  | 'INTEGRATION_FAILURE'
  | 'INTEGRATION_TIMEOUT';

export interface GatewayErrorDetail {
  readonly field?: string;
  readonly message: string;
}

export interface GatewayError {
  readonly type: GatewayResponseType;
  /** @default the type's API Gateway message */
  readonly message?: string;
  readonly details?: readonly GatewayErrorDetail[];
  /** What API Gateway puts in `$context.error.validationErrorString`. */
  readonly validationErrorString?: string;
}

export interface RenderedResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** API Gateway's status, message and error type per response type; `code` is our shape's code. */
const DEFAULTS: Record<
  GatewayResponseType,
  { status: number; message: string; code: string; errorType: string }
> = {
  BAD_REQUEST_BODY: {
    status: 400,
    message: 'Invalid request body',
    code: 'BAD_REQUEST',
    errorType: 'BadRequestException',
  },
  BAD_REQUEST_PARAMETERS: {
    status: 400,
    message: 'Missing required request parameters',
    code: 'BAD_REQUEST',
    errorType: 'BadRequestException',
  },
  UNAUTHORIZED: {
    status: 401,
    message: 'Unauthorized',
    code: 'UNAUTHORIZED',
    errorType: 'UnauthorizedException',
  },
  RESOURCE_NOT_FOUND: {
    status: 404,
    message: 'Not Found',
    code: 'NOT_FOUND',
    errorType: 'NotFoundException',
  },
  REQUEST_TOO_LARGE: {
    status: 413,
    message: 'Request Too Long',
    code: 'PAYLOAD_TOO_LARGE',
    errorType: 'RequestTooLargeException',
  },
  THROTTLED: {
    status: 429,
    message: 'Too Many Requests',
    code: 'TOO_MANY_REQUESTS',
    errorType: 'TooManyRequestsException',
  },
  INTEGRATION_FAILURE: {
    status: 502,
    message: 'Internal server error',
    code: 'INTERNAL_ERROR',
    errorType: 'InternalServerErrorException',
  },
  INTEGRATION_TIMEOUT: {
    status: 504,
    message: 'Endpoint request timed out',
    code: 'GATEWAY_TIMEOUT',
    errorType: 'InternalServerErrorException',
  },
};

export function renderGatewayResponse(
  definitions: Readonly<Record<string, GatewayResponseDefinition>>,
  error: GatewayError,
  requestId: string,
): RenderedResponse {
  const defaults = DEFAULTS[error.type];
  const message = error.message ?? defaults.message;
  const definition =
    definitions[error.type] ?? definitions[defaults.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX'];
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-amzn-errortype': defaults.errorType,
    ...lowerCaseKeys(definition?.headers ?? {}),
  };
  const statusCode = definitions[error.type]?.statusCode ?? defaults.status;
  if (definition?.template !== undefined) {
    return { statusCode, headers, body: renderTemplate(definition.template, error, message, requestId) };
  }
  const body = { error: { code: defaults.code, message, details: error.details ?? [] } };
  return { statusCode, headers, body: JSON.stringify(body) };
}

/** The `$context` substitutions gateway response templates use (they are not full VTL). */
function renderTemplate(template: string, error: GatewayError, message: string, requestId: string): string {
  const escaped = (text: string) => JSON.stringify(text).slice(1, -1);
  const values: Record<string, string> = {
    '$context.error.messageString': JSON.stringify(message),
    '$context.error.message': escaped(message),
    '$context.error.responseType': error.type,
    '$context.error.validationErrorString': escaped(error.validationErrorString ?? ''),
    '$context.requestId': requestId,
    '$context.extendedRequestId': requestId,
  };
  return template.replace(/\$context\.[A-Za-z.]+/g, (token) => {
    const key = Object.keys(values)
      .sort((a, b) => b.length - a.length)
      .find((candidate) => token.startsWith(candidate));
    return key === undefined ? '' : values[key]! + token.slice(key.length);
  });
}

function lowerCaseKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
