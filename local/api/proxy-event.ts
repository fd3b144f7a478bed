/**
 * Builds the API Gateway REST proxy event (`APIGatewayProxyEvent`) a Lambda proxy integration
 * receives, and maps the function's proxy result back to an HTTP response.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import { LOCAL_ACCOUNT } from '../runtime/local-resources';
import type { ApiRoute } from './api-definition';

export interface ProxyRequest {
  readonly route: ApiRoute;
  readonly httpMethod: string;
  /** Path without the stage prefix, e.g. `/orders/123`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Raw header list as received: name, value, name, value, ... (original casing kept, as API Gateway does). */
  readonly rawHeaders: readonly string[];
  readonly body: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly apiId: string;
  readonly stageName: string;
  readonly claims: JWTPayload | undefined;
  readonly receivedAt: Date;
}

export function buildProxyEvent(request: ProxyRequest): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    const name = request.rawHeaders[index]!;
    const value = request.rawHeaders[index + 1]!;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  const query: Record<string, string> = {};
  const multiValueQuery: Record<string, string[]> = {};
  for (const [name, value] of request.query) {
    query[name] = value;
    multiValueQuery[name] = [...(multiValueQuery[name] ?? []), value];
  }
  const hasQuery = Object.keys(query).length > 0;
  const hasPathParameters = Object.keys(request.pathParameters).length > 0;
  const host = Object.entries(headers).find(([name]) => name.toLowerCase() === 'host')?.[1] ?? 'localhost';
  const userAgent =
    Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  return {
    resource: request.route.resourcePath,
    path: request.path,
    httpMethod: request.httpMethod,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    pathParameters: hasPathParameters ? { ...request.pathParameters } : null,
    stageVariables: null,
    requestContext: {
      accountId: LOCAL_ACCOUNT.accountId,
      apiId: request.apiId,
      authorizer: request.claims === undefined ? undefined : { claims: cognitoClaims(request.claims) },
      domainName: host,
      domainPrefix: host.split('.')[0]!.split(':')[0]!,
      extendedRequestId: request.requestId,
      httpMethod: request.httpMethod,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: `/${request.stageName}${request.path}`,
      protocol: 'HTTP/1.1',
      requestId: request.requestId,
      requestTime: requestTimeOf(request.receivedAt),
      requestTimeEpoch: request.receivedAt.getTime(),
      resourceId: request.route.resourceLogicalId.slice(0, 10).toLowerCase(),
      resourcePath: request.route.resourcePath,
      stage: request.stageName,
    },
    body: request.body === '' ? null : request.body,
    isBase64Encoded: false,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (value: number) => String(value).padStart(2, '0');

/** `24/Nov/2026:21:30:00 +0000`, the format of `requestContext.requestTime`. */
function requestTimeOf(date: Date): string {
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/**
 * REST APIs hand Cognito claims over as strings, time claims in Java's date format
 * (`Tue Nov 24 21:30:00 UTC 2026`).
 */
function cognitoClaims(claims: JWTPayload): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (['exp', 'iat', 'auth_time'].includes(name) && typeof value === 'number') {
      const date = new Date(value * 1000);
      result[name] =
        `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${pad(date.getUTCDate())} ` +
        `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`;
    } else {
      result[name] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  return result;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** Maps a proxy result; undefined when it is malformed (API Gateway answers 502 then). */
export function httpResponseOf(result: unknown): HttpResponse | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const proxy = result as {
    statusCode?: unknown;
    headers?: Record<string, unknown>;
    multiValueHeaders?: Record<string, unknown[]>;
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  const statusCode = Number(proxy.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (proxy.body !== undefined && proxy.body !== null && typeof proxy.body !== 'string') return undefined;
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(proxy.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(proxy.multiValueHeaders ?? {})) {
    if (Array.isArray(values)) headers[name.toLowerCase()] = values.map(String);
  }
  headers['content-type'] ??= 'application/json';
  const text = typeof proxy.body === 'string' ? proxy.body : '';
  return {
    statusCode,
    headers,
    body: proxy.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
  };
}
