/**
 * API Gateway REST API proxy events as a Cognito-authorized route delivers them: the verified
 * claims under requestContext.authorizer.claims, headers as the client spelled them.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

export const CUSTOMER_SUB = '7b1f3c2e-9a4d-4e5f-8a6b-1c2d3e4f5a6b';

export function cognitoClaims(sub = CUSTOMER_SUB): Record<string, string> {
  return {
    sub,
    'cognito:username': sub,
    email: 'ada@example.com',
    email_verified: 'true',
    iss: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEf123',
    aud: '3n4b5urk1ft4fl3mg5e62d9ado',
    token_use: 'id',
    auth_time: '1764018000',
    exp: 'Tue Nov 24 22:00:00 UTC 2026',
    iat: 'Tue Nov 24 21:00:00 UTC 2026',
  };
}

export interface ProxyEventOptions {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly resource: string;
  readonly body?: string | null;
  readonly headers?: Record<string, string>;
  readonly pathParameters?: Record<string, string> | null;
  /** `null` for a request without authorizer claims. */
  readonly claims?: Record<string, string> | null;
  readonly isBase64Encoded?: boolean;
}

export function proxyEvent(options: ProxyEventOptions): APIGatewayProxyEvent {
  const headers = {
    Accept: 'application/json',
    Authorization: 'Bearer eyJraWQiOiJleGFtcGxlIiwiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl',
    Host: 'abc123.execute-api.eu-central-1.amazonaws.com',
    'X-Amzn-Trace-Id': 'Root=1-6743a5b2-0123456789abcdef01234567',
    ...(options.method === 'POST' ? { 'Content-Type': 'application/json' } : {}),
    ...options.headers,
  };
  return {
    resource: options.resource,
    path: options.path,
    httpMethod: options.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: options.body ?? null,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: options.claims === null ? null : { claims: options.claims ?? cognitoClaims() },
      domainName: 'abc123.execute-api.eu-central-1.amazonaws.com',
      domainPrefix: 'abc123',
      httpMethod: options.method,
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
        sourceIp: '203.0.113.10',
        user: null,
        userAgent: 'vitest',
        userArn: null,
      },
      path: `/prod${options.path}`,
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: 1764018000000,
      resourceId: 'xyz789',
      resourcePath: options.resource,
      stage: 'prod',
    },
  };
}

export function postOrder(body: unknown, options: Partial<ProxyEventOptions> = {}): APIGatewayProxyEvent {
  return proxyEvent({
    method: 'POST',
    path: '/orders',
    resource: '/orders',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...options,
  });
}

export function getOrderEvent(
  orderId: string,
  options: Partial<ProxyEventOptions> = {},
): APIGatewayProxyEvent {
  return proxyEvent({
    method: 'GET',
    path: `/orders/${orderId}`,
    resource: '/orders/{orderId}',
    pathParameters: { orderId },
    ...options,
  });
}

export const lambdaContext = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'order-pipeline-checkout',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:order-pipeline-checkout',
  memoryLimitInMB: '512',
  awsRequestId: 'a1b2c3d4-0000-4000-8000-000000000001',
  logGroupName: '/aws/lambda/order-pipeline-checkout',
  logStreamName: '2026/11/24/[$LATEST]abcdef',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;
