/**
 * Authorization and abuse through the real local API (gateway emulator, Cognito-style authorizer,
 * checkout handlers in their workers, the DynamoDB server): one customer cannot see or touch another's
 * order; tokens that are not the user pool's current, signed ones are refused before any function
 * runs; prices and the customer id cannot come from the client; a burst over the stage throttle
 * gets 429 and an oversized body 413, with the process's memory bounded. Each refusal is checked
 * for the error body and for having written nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { STAGES } from '../../../lib/config/stages';
import { LocalIssuer } from '../../../local/auth/issuer';
import { type RunningPipeline, startPipeline } from '../../../local/pipeline';
import { orderBody, Shop } from '../e2e/shop';
import { ordersOfCustomer } from './orders-of-customer';

let pipeline: RunningPipeline;
let shop: Shop;
/** The pipeline's own issuer (same key, issuer and audience), to mint expired and mis-addressed tokens. */
let poolIssuer: LocalIssuer;
let foreignKeyDir: string;

beforeAll(async () => {
  pipeline = await startPipeline({ profile: 'test', infrastructure: inject('localServices') });
  shop = new Shop(pipeline);
  const claims = claimsOf(await pipeline.token('probe'));
  // The test profile keeps its key pair in the run's data folder, next to the mailbox.
  poolIssuer = await LocalIssuer.open({
    issuer: claims.iss as string,
    audience: claims.aud as string,
    keyDir: join(dirname(pipeline.mailboxDir), 'auth'),
  });
  foreignKeyDir = mkdtempSync(join(tmpdir(), 'foreign-issuer-'));
});

afterAll(async () => {
  await pipeline?.stop();
  if (foreignKeyDir) rmSync(foreignKeyDir, { recursive: true, force: true });
});

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

function customer(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

const ERROR_BODY = {
  error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) },
};

async function send(
  method: 'GET' | 'POST',
  path: string,
  options: { authorization?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${pipeline.apiUrl}${path}`, {
    method,
    headers: {
      ...(options.authorization ? { authorization: options.authorization } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("one customer and another's order", () => {
  it('cannot be read by another customer: 404, exactly like an order that does not exist', async () => {
    // Prepare
    const alice = customer('alice');
    const bob = customer('bob');
    const placed = await shop.placeOrder(alice, orderBody());
    expect(placed.status).toBe(202);
    const orderId = placed.body.orderId!;

    // Act
    const asBob = await send('GET', `/orders/${orderId}`, {
      authorization: `Bearer ${await pipeline.token(bob)}`,
    });
    const missing = await send('GET', `/orders/${randomUUID()}`, {
      authorization: `Bearer ${await pipeline.token(bob)}`,
    });
    const asAlice = await shop.getOrder(alice, orderId);

    // Assess
    expect(asBob.status).toBe(404);
    expect(asBob.body).toEqual(ERROR_BODY);
    expect(JSON.stringify(asBob.body)).not.toContain(alice);
    expect(missing.status).toBe(404);
    expect(Object.keys(asBob.body.error as object)).toEqual(Object.keys(missing.body.error as object));
    expect(asAlice.status).toBe(200);
    expect(asAlice.body.orderId).toBe(orderId);
  });

  it('cannot be affected by re-using its Idempotency-Key: the other customer gets an order of their own', async () => {
    // Prepare
    const alice = customer('alice');
    const bob = customer('bob');
    const key = `shared-${randomUUID()}`;
    const alicePlaced = await shop.placeOrder(alice, orderBody(), { 'Idempotency-Key': key });
    const aliceBefore = await pipeline.readOrder(alicePlaced.body.orderId!);

    // Act
    const bobSameBody = await shop.placeOrder(bob, orderBody(), { 'Idempotency-Key': key });
    const bobOtherBody = await shop.placeOrder(bob, orderBody({ items: [{ sku: 'SKU-2', quantity: 1 }] }), {
      'Idempotency-Key': `${key}-other`,
    });

    // Assess
    expect(alicePlaced.status).toBe(202);
    expect(bobSameBody.status).toBe(202);
    expect(bobOtherBody.status).toBe(202);
    expect(bobSameBody.body.orderId).not.toBe(alicePlaced.body.orderId);
    const aliceAfter = await pipeline.readOrder(alicePlaced.body.orderId!);
    expect(aliceAfter?.customerId).toBe(alice);
    expect(aliceAfter?.requestHash).toBe(aliceBefore?.requestHash);
    expect(aliceAfter?.createdAt).toBe(aliceBefore?.createdAt);
    expect((await pipeline.readOrder(bobSameBody.body.orderId!))?.customerId).toBe(bob);
    expect((await ordersOfCustomer(shop, alice)).map((order) => order.orderId)).toEqual([
      alicePlaced.body.orderId,
    ]);
    expect(await ordersOfCustomer(shop, bob)).toHaveLength(2);
  });
});

describe('a token the user pool did not issue, or no longer honours', () => {
  const unsigned = (claims: Record<string, unknown>): string =>
    [
      Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
      Buffer.from(JSON.stringify(claims)).toString('base64url'),
      '',
    ].join('.');

  const cases: [string, (customerId: string) => Promise<string>][] = [
    [
      'from another issuer',
      async (customerId) => {
        const foreign = await LocalIssuer.open({
          issuer: 'https://issuer.invalid/pool',
          keyDir: foreignKeyDir,
        });
        return `Bearer ${await foreign.issue({ customerId })}`;
      },
    ],
    [
      "signed with another key under the pool's issuer name",
      async (customerId) => {
        const forger = await LocalIssuer.open({
          issuer: poolIssuer.issuer,
          audience: poolIssuer.audience,
          keyDir: foreignKeyDir,
        });
        return `Bearer ${await forger.issue({ customerId })}`;
      },
    ],
    [
      'expired',
      async (customerId) =>
        `Bearer ${await poolIssuer.issue({ customerId, issuedAt: new Date(Date.now() - 2 * 3600_000) })}`,
    ],
    [
      'for another audience (app client)',
      async (customerId) => {
        const otherClient = await LocalIssuer.open({
          issuer: poolIssuer.issuer,
          audience: 'another-app-client',
          keyDir: join(dirname(pipeline.mailboxDir), 'auth'),
        });
        return `Bearer ${await otherClient.issue({ customerId })}`;
      },
    ],
    [
      'unsigned (alg none)',
      async (customerId) => {
        const now = Math.floor(Date.now() / 1000);
        return `Bearer ${unsigned({ ...claimsOf(await pipeline.token('template')), sub: customerId, iat: now, exp: now + 600 })}`;
      },
    ],
    [
      'with a tampered payload (sub swapped, signature kept)',
      async (customerId) => {
        const [header, , signature] = (await pipeline.token('victim')).split('.');
        const claims = { ...claimsOf(await pipeline.token('victim')), sub: customerId };
        return `Bearer ${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
      },
    ],
    ['that is garbage', async () => 'Bearer not.a.jwt'],
    ['that is missing', async () => ''],
    ['in another scheme', async () => 'Basic YWxpY2U6c2VjcmV0'],
  ];

  it.each(cases)(
    'is refused when %s: 401 with the error body on both routes, nothing written',
    async (_label, tokenFor) => {
      // Prepare
      const customerId = customer('intruder');
      const authorization = await tokenFor(customerId);

      // Act
      const post = await send('POST', '/orders', { authorization, body: orderBody() });
      const get = await send('GET', `/orders/${randomUUID()}`, { authorization });

      // Assess
      expect(post.status).toBe(401);
      expect(post.body).toEqual(ERROR_BODY);
      expect(get.status).toBe(401);
      expect(get.body).toEqual(ERROR_BODY);
      expect(await ordersOfCustomer(shop, customerId)).toEqual([]);
    },
  );
});

describe('fields only the server may set', () => {
  it.each([
    ['a unit price on a line', orderBody({ items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1 }] })],
    ['an order total', orderBody({ total: 1 })],
    ['a price', orderBody({ price: 0 })],
    ['a customer id', orderBody({ customerId: 'someone-else' })],
    ['an order id', orderBody({ orderId: randomUUID() })],
    ['a status', orderBody({ status: 'CONFIRMED' })],
  ])('are refused: %s in the body answers 400 and writes nothing', async (_label, body) => {
    // Prepare
    const customerId = customer('haggler');

    // Act
    const placed = await shop.placeOrder(customerId, body);

    // Assess
    expect(placed.status).toBe(400);
    expect(placed.body).toEqual(ERROR_BODY);
    expect(await ordersOfCustomer(shop, customerId)).toEqual([]);
    expect(await ordersOfCustomer(shop, 'someone-else')).toEqual([]);
  });
});

/** Sends a raw body with node:http (fetch buffers differently) and reads the answer. */
function postRaw(
  authorization: string,
  write: (req: ReturnType<typeof request>) => void,
  headers: Record<string, string | number>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      `${pipeline.apiUrl}/orders`,
      { method: 'POST', headers: { authorization, 'content-type': 'application/json', ...headers } },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new Error('The connection closed in the middle of the answer'));
        });
      },
    );
    // The server may answer and close before the whole body is written; that is the point. A
    // connection that closes with no answer at all is a failure, not a wait until the test times out.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    req.on('close', () => {
      if (!answered) reject(new Error('The connection closed before the gateway answered'));
    });
    write(req);
  });
}

describe('abuse', () => {
  it('an oversized body is refused (413 over 10 MB, 400 over 64 KiB) without the process holding it', async () => {
    // Prepare
    const customerId = customer('bulk');
    const authorization = `Bearer ${await pipeline.token(customerId)}`;
    const tenMegabytes = 10 * 1024 * 1024;
    const padding = Buffer.alloc(tenMegabytes + 1, 'a');
    const justUnderGatewayLimit = Buffer.from(
      JSON.stringify(orderBody({ email: 'x'.repeat(tenMegabytes - 400) })),
    );
    const rssBefore = process.memoryUsage().rss;

    // Act
    const results: { status: number; body: string }[] = [];
    for (let round = 0; round < 3; round += 1) {
      results.push(
        await postRaw(authorization, (req) => req.end(padding), { 'content-length': padding.length }),
      );
      // Chunked, with no Content-Length: the gateway must count while reading and stop at the limit.
      results.push(
        await postRaw(
          authorization,
          (req) => {
            const chunk = Buffer.alloc(1024 * 1024, 'b');
            let sent = 0;
            const pump = (): void => {
              while (sent < 24 && req.write(chunk)) sent += 1;
              if (sent < 24 && !req.destroyed) req.once('drain', () => pump());
              else req.end();
            };
            req.on('error', () => undefined);
            pump();
          },
          { 'transfer-encoding': 'chunked' },
        ),
      );
    }
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    const underLimit = await postRaw(authorization, (req) => req.end(justUnderGatewayLimit), {
      'content-length': justUnderGatewayLimit.length,
    });

    // Assess
    for (const result of results) {
      expect(result.status).toBe(413);
      expect(JSON.parse(result.body)).toEqual(ERROR_BODY);
    }
    expect(underLimit.status).toBe(400);
    expect(JSON.parse(underLimit.body)).toEqual(ERROR_BODY);
    console.log(
      `[abuse] RSS growth over 6 refused bodies (102 MiB): ${(rssGrowth / 1024 / 1024).toFixed(1)} MiB`,
    );
    // A coarse guard against exhaustion (freed memory stays with the allocator, so RSS is noisy):
    // the 413 answers above show the limit itself.
    expect(rssGrowth).toBeLessThan(160 * 1024 * 1024);
    expect(await ordersOfCustomer(shop, customerId)).toEqual([]);
  });

  it('a burst over the stage throttle gets 429 with the error body, and the API recovers', async () => {
    // Prepare
    const { rateLimit, burstLimit } = STAGES.dev.apiThrottle;
    // API Gateway throttles before it authorizes: token-less requests load the gateway alone, so the
    // burst arrives faster than the bucket refills even on a busy machine.
    const burst = burstLimit + 10 * rateLimit;
    await new Promise((resolve) => setTimeout(resolve, (burstLimit / rateLimit) * 1000 + 200));

    // Act
    const answers = await Promise.all(
      Array.from({ length: burst }, () => send('GET', `/orders/${randomUUID()}`)),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await send('GET', `/orders/${randomUUID()}`, {
      authorization: `Bearer ${await pipeline.token(customer('burst'))}`,
    });

    // Assess
    const throttled = answers.filter((answer) => answer.status === 429);
    const admitted = answers.filter((answer) => answer.status === 401);
    console.log(`[abuse] burst of ${burst}: ${admitted.length} admitted, ${throttled.length} throttled`);
    expect(throttled.length + admitted.length).toBe(burst);
    expect(throttled.length).toBeGreaterThan(0);
    expect(admitted.length).toBeGreaterThanOrEqual(burstLimit);
    for (const answer of throttled) expect(answer.body).toEqual(ERROR_BODY);
    expect(after.status).toBe(404);
  });
});
