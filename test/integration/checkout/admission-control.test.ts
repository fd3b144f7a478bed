/**
 * Admission control against the real broker: with the payment service stopped, its command backlog
 * grows past the threshold and checkout refuses new orders (503, Retry-After, the error body,
 * nothing written, no saga); once the service is back and has worked the backlog off, the same
 * request is taken. The threshold is the test's own (5 commands), set on the checkout function the
 * way the CDK app sets the stage's.
 */
import { randomUUID } from 'node:crypto';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { executionArnOf } from '../../../lambdas/checkout/adapters/sfn-saga-starter';
import { deterministicOrderId } from '../../../lambdas/checkout/domain/order-id';
import { ADMISSION_ENV } from '../../../lambdas/checkout/handlers/runtime-names';
import { type RunningPipeline, startPipeline } from '../../../local/pipeline';
import { eventually, orderBody, Shop } from '../e2e/shop';

const MAX_COMMAND_BACKLOG = 5;
const RETRY_AFTER_SECONDS = 1;

let pipeline: RunningPipeline;
let shop: Shop;
let sfn: SFNClient;

beforeAll(async () => {
  pipeline = await startPipeline({
    profile: 'test',
    infrastructure: inject('localServices'),
    functionEnvironment: {
      checkout: {
        [ADMISSION_ENV.maxCommandBacklog]: String(MAX_COMMAND_BACKLOG),
        [ADMISSION_ENV.retryAfterSeconds]: String(RETRY_AFTER_SECONDS),
      },
    },
  });
  shop = new Shop(pipeline);
  sfn = new SFNClient({
    endpoint: pipeline.endpoints.sfn,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  sfn?.destroy();
  await pipeline?.stop();
});

/** POST /orders with an Idempotency-Key, returning the Retry-After header as well. */
async function placeWithKey(customerId: string, key: string) {
  const res = await fetch(`${pipeline.apiUrl}/orders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await pipeline.token(customerId)}`,
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify(orderBody()),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as unknown,
  };
}

describe('checkout while the payment service is behind', () => {
  it('refuses new orders while its backlog is over the threshold, and takes them again once it drained', async () => {
    // Prepare: a backlog of ChargeCard commands the stopped payment service does not pick up
    await pipeline.waitForConsumersIdle();
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    await pipeline.pause('paymentService');
    let refused: Awaited<ReturnType<typeof placeWithKey>>;
    let key = '';
    try {
      const backlog = await Promise.all(
        Array.from({ length: MAX_COMMAND_BACKLOG + 1 }, () => shop.placeOrder(customerId, orderBody())),
      );
      expect(backlog.map((placed) => placed.status)).toEqual(Array(MAX_COMMAND_BACKLOG + 1).fill(202));
      await eventually(
        async () => expect(await pipeline.lag('paymentService')).toBeGreaterThan(MAX_COMMAND_BACKLOG),
        30_000,
        250,
      );

      // Act: the reading behind the decision is at most a second old. Each probe is a new order
      // (its own Idempotency-Key): a probe taken before the reading caught up is an accepted order,
      // and repeating its key would only replay that acceptance.
      refused = await eventually(async () => {
        key = `admission-${randomUUID()}`;
        const answer = await placeWithKey(customerId, key);
        expect(answer.status).toBe(503);
        return answer;
      }, 10_000);
    } finally {
      // A failure above must not leave the payment service stopped for the tests after this one.
      await pipeline.resume('paymentService');
    }

    // Assess: refused with the API's error shape and a Retry-After, and nothing of it exists
    const orderId = deterministicOrderId(customerId, key);
    expect(refused.retryAfter).toBe(String(RETRY_AFTER_SECONDS));
    expect(refused.body).toEqual({
      error: { code: 'PIPELINE_AT_CAPACITY', message: expect.stringContaining('retry in 1 s'), details: [] },
    });
    expect(await pipeline.readOrder(orderId)).toBeUndefined();
    await expect(
      sfn.send(
        new DescribeExecutionCommand({ executionArn: executionArnOf(pipeline.stateMachineArn, orderId) }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });

    // Act: the service works its backlog off, then the same request is sent again
    await eventually(async () => expect(await pipeline.lag('paymentService')).toBe(0), 120_000, 500);
    const accepted = await eventually(async () => {
      const answer = await placeWithKey(customerId, key);
      expect(answer.status).toBe(202);
      return answer;
    }, 10_000);

    // Assess: taken under the id the refused request would have had, and it goes through
    expect(accepted.body).toEqual({ orderId, status: 'PENDING' });
    expect(await pipeline.readOrder(orderId)).toMatchObject({ orderId, customerId });
    await shop.waitForStatus(customerId, orderId, ['CONFIRMED'], 60_000);
  }, 300_000);
});
