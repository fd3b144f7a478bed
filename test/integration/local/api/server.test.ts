import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiDefinition, readApiDefinition } from '../../../../local/api/api-definition';
import { LocalApiServer } from '../../../../local/api/server';
import { LocalIssuer, localIssuerUrl } from '../../../../local/auth/issuer';
import { loadTemplate } from '../../../../local/runtime/cfn-template';
import { FunctionPool } from '../../../../local/runtime/function-pool';
import { LocalResolver } from '../../../../local/runtime/local-resources';
import { readFunctions } from '../../../../local/runtime/template';

const FIXTURES = resolve(__dirname, '../../../fixtures');
const VALID_ORDER = {
  items: [{ sku: 'SKU-1', quantity: 2 }],
  currency: 'EUR',
  payment: { token: 'tok_approve' },
  email: 'ada@example.com',
  shippingAddress: { line1: '1 Main St' },
};

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bytesSent: number;
}

/** Streams `totalBytes` of body in 64 KiB chunks without holding it, stopping once the server answers. */
function streamLargeBody(
  url: string,
  totalBytes: number,
  declareLength: boolean,
  token: string,
): Promise<RawResponse> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return new Promise((resolvePromise, reject) => {
    let bytesSent = 0;
    let answered = false;
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      authorization: token,
    };
    if (declareLength) headers['content-length'] = totalBytes;
    const req = httpRequest(`${url}/orders`, { method: 'POST', headers }, (res) => {
      answered = true;
      let body = '';
      res.on('data', (data: Buffer) => {
        body += data.toString();
      });
      res.on('end', () =>
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body, bytesSent }),
      );
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && bytesSent < totalBytes) {
        bytesSent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('LocalApiServer', () => {
  let pool: FunctionPool;
  let issuer: LocalIssuer;
  let definition: ApiDefinition;
  let server: LocalApiServer;
  let token: string;

  beforeAll(async () => {
    const template = loadTemplate(join(FIXTURES, 'templates/app-minimal.json'));
    const resolver = new LocalResolver(template, {
      kafkaBrokers: ['127.0.0.1:9092'],
      imports: { 'shared-bus-name': 'bus' },
    });
    const proxy = join(FIXTURES, 'handlers/proxy.ts');
    const { functions } = readFunctions(template, resolver, {
      entryOverrides: { placeOrder: proxy, getOrder: proxy, analytics: proxy },
    });
    pool = new FunctionPool({ functions, log: () => undefined });
    issuer = await LocalIssuer.open({
      issuer: localIssuerUrl(3000),
      keyDir: mkdtempSync(join(tmpdir(), 'api-auth-')),
    });
    definition = readApiDefinition(template);
    server = await LocalApiServer.start({
      definition,
      invoke: (fn, event) => pool.invoke(fn, event),
      issuer,
      port: 0,
    });
    token = `Bearer ${await issuer.issue({ customerId: 'cust-42' })}`;
  });

  afterAll(async () => {
    await server?.stop();
    await pool?.close();
  });

  it('hands the function a REST proxy event with path parameters and Cognito claims', async () => {
    // Act
    const response = await fetch(
      `${server.url}/orders/3f0e2c1a-1111-4222-8333-444455556666?view=full&view=short`,
      {
        headers: { authorization: token, 'X-Custom': 'yes' },
      },
    );

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('x-fixture')).toBe('proxy');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const event = (await response.json()) as APIGatewayProxyEvent;
    expect(event).toMatchObject({
      resource: '/orders/{orderId}',
      path: '/orders/3f0e2c1a-1111-4222-8333-444455556666',
      httpMethod: 'GET',
      pathParameters: { orderId: '3f0e2c1a-1111-4222-8333-444455556666' },
      queryStringParameters: { view: 'short' },
      multiValueQueryStringParameters: { view: ['full', 'short'] },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        httpMethod: 'GET',
        resourcePath: '/orders/{orderId}',
        path: '/dev/orders/3f0e2c1a-1111-4222-8333-444455556666',
        stage: 'dev',
        protocol: 'HTTP/1.1',
        identity: { sourceIp: '127.0.0.1' },
        authorizer: {
          claims: {
            sub: 'cust-42',
            'cognito:username': 'cust-42',
            token_use: 'id',
            aud: 'order-pipeline-local',
          },
        },
      },
    });
    expect(event.headers['X-Custom']).toBe('yes');
    expect(event.multiValueHeaders['X-Custom']).toEqual(['yes']);
    expect(event.requestContext.requestId).toBe(response.headers.get('x-amzn-requestid'));
    expect(event.requestContext.authorizer?.claims.exp).toMatch(
      /^\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4}$/,
    );
  });

  it('passes a valid body through and maps multi-value headers back', async () => {
    // Act
    const response = await fetch(`${server.url}/dev/orders`, {
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json', 'Idempotency-Key': 'k-1' },
      body: JSON.stringify(VALID_ORDER),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const event = (await response.json()) as APIGatewayProxyEvent;
    expect(JSON.parse(event.body!)).toEqual(VALID_ORDER);
    expect(event.headers['Idempotency-Key']).toBe('k-1');
  });

  it('refuses a body that breaks the model with 400 in the template gateway response shape', async () => {
    // Act
    const response = await fetch(`${server.url}/orders`, {
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json' },
      body: JSON.stringify({ ...VALID_ORDER, items: [{ sku: 'SKU-1', quantity: 0 }], total: 1 }),
    });

    // Assess
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string; details: string } };
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.message).toBe('Invalid request body');
    expect(body.error.details).toContain('items[0].quantity must be >= 1');
    expect(body.error.details).toContain('total must NOT have additional properties');
  });

  it('refuses a body that is not JSON with 400', async () => {
    // Act
    const response = await fetch(`${server.url}/orders`, {
      method: 'POST',
      headers: { authorization: token, 'content-type': 'application/json' },
      body: '{"items": [',
    });

    // Assess
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });

  it.each([
    ['missing', undefined],
    ['garbage', 'Bearer not-a-jwt'],
  ])('answers 401 in our error shape for a %s token', async (_case, authorization) => {
    // Act
    const response = await fetch(`${server.url}/orders/abc`, {
      headers: authorization === undefined ? {} : { authorization },
    });

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: { code: 'UNAUTHORIZED', message: 'Unauthorized', details: [] },
    });
  });

  it('answers 401 for expired, other-issuer and unsigned tokens', async () => {
    // Prepare
    const expired = await issuer.issue({
      customerId: 'cust-42',
      issuedAt: new Date(Date.now() - 2 * 3_600_000),
    });
    const otherIssuer = await (
      await LocalIssuer.open({
        issuer: 'https://evil.example.com',
        keyDir: mkdtempSync(join(tmpdir(), 'evil-')),
      })
    ).issue({ customerId: 'cust-42' });
    const claims = decodeJwt(await issuer.issue({ customerId: 'cust-42' }));
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

    // Act
    const statuses = await Promise.all(
      [expired, otherIssuer, unsigned].map(async (candidate) => {
        const response = await fetch(`${server.url}/orders/abc`, {
          headers: { authorization: `Bearer ${candidate}` },
        });
        return response.status;
      }),
    );

    // Assess
    expect(statuses).toEqual([401, 401, 401]);
  });

  it('answers 404 in our error shape for a route the template does not have', async () => {
    // Act
    const responses = await Promise.all([
      fetch(`${server.url}/nothing-here`),
      fetch(`${server.url}/orders`, { method: 'DELETE', headers: { authorization: token } }),
    ]);

    // Assess
    expect(responses.map((response) => response.status)).toEqual([404, 404]);
    expect(((await responses[0]!.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('answers 502 without leaking the function error when the function fails', async () => {
    // Act
    const response = await fetch(`${server.url}/orders/abc`, {
      headers: { authorization: token, 'x-fixture-throw': '1' },
    });

    // Assess
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(text).not.toContain('fixture failure');
    expect(JSON.parse(text)).toEqual({
      error: { code: 'INTERNAL_ERROR', message: 'Internal server error', details: [] },
    });
  });

  it('refuses an announced 50 MB body with 413 before reading it', async () => {
    // Act
    const response = await streamLargeBody(server.url, 50 * 1024 * 1024, true, token);

    // Assess
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'PAYLOAD_TOO_LARGE', message: 'Request Too Long', details: [] },
    });
    expect(response.bytesSent).toBeLessThan(10 * 1024 * 1024);
  });

  it('stops reading a streamed body at 10 MB and answers 413 without holding it', async () => {
    // Prepare
    const heapBefore = process.memoryUsage().heapUsed;

    // Act
    const response = await streamLargeBody(server.url, 200 * 1024 * 1024, false, token);

    // Assess
    expect(response.status).toBe(413);
    // The server stopped reading: the client could push little beyond the limit and socket buffers.
    expect(response.bytesSent).toBeLessThan(30 * 1024 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(40 * 1024 * 1024);
  });
});

describe('LocalApiServer stage throttle', () => {
  it('answers 429 once a burst empties the template stage bucket (50 rps, burst 100)', async () => {
    // Prepare
    const template = loadTemplate(join(FIXTURES, 'templates/app-minimal.json'));
    const definition = readApiDefinition(template);
    const issuer = await LocalIssuer.open({
      issuer: localIssuerUrl(3000),
      keyDir: mkdtempSync(join(tmpdir(), 'throttle-auth-')),
    });
    const server = await LocalApiServer.start({ definition, invoke: async () => ({}), issuer, port: 0 });

    try {
      // Act: unauthenticated requests are cheap, and throttling applies before the authorizer.
      const started = performance.now();
      const responses = await Promise.all(
        Array.from({ length: 300 }, async () => {
          const response = await fetch(`${server.url}/orders/abc`);
          return { status: response.status, body: await response.text() };
        }),
      );
      const elapsedSeconds = (performance.now() - started) / 1000;

      // Assess: at most the burst plus what the rate refilled meanwhile got through.
      const admitted = responses.filter((response) => response.status === 401).length;
      const throttled = responses.filter((response) => response.status === 429);
      expect(admitted + throttled.length).toBe(300);
      expect(admitted).toBeGreaterThanOrEqual(100);
      expect(admitted).toBeLessThanOrEqual(100 + Math.ceil(50 * elapsedSeconds) + 1);
      expect(throttled.length).toBeGreaterThan(0);
      expect(JSON.parse(throttled[0]!.body)).toEqual({
        error: { code: 'TOO_MANY_REQUESTS', message: 'Too Many Requests', details: [] },
      });
    } finally {
      await server.stop();
    }
  });
});
