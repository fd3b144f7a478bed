/**
 * The seed's story, as a test: a non-critical consumer is down, checkout does not notice, the
 * consumer's lag grows, and after it comes back it drains to zero with exact counts. Then a poison
 * record: it lands on the on-failure destination and its partition keeps flowing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEvent } from '../../../lambdas/shared/events/codec';
import { TOPICS } from '../../../lib/config/topics';
import { type RunningPipeline, startPipeline } from '../../../local/pipeline';
import { KafkaFaults } from '../harness/kafka-faults';
import { ADDRESS, eventually, orderBody, Shop } from './shop';

let pipeline: RunningPipeline;
let shop: Shop;
let faults: KafkaFaults;

beforeAll(async () => {
  pipeline = await startPipeline({ profile: 'test', infrastructure: inject('localServices') });
  shop = new Shop(pipeline);
  faults = new KafkaFaults(pipeline.endpoints.kafkaBrokers);
  await faults.connect();
});

afterAll(async () => {
  await faults?.disconnect();
  await pipeline?.stop();
});

/**
 * Orders are placed in waves of ORDERS_PER_WAVE, each wave confirmed before the next: the whole
 * stack (one consumer group per mapping, twelve in all) shares one (CI: 2-core) machine, and a
 * burst of sagas would queue past the saga's own 5-10 s step timeouts there, which still fail an
 * accepted order on a delay; in AWS each service scales on its own. The story under test is
 * unchanged: 200 orders flow and confirm while analytics is down.
 */
const ORDERS = 200;
const ORDERS_PER_WAVE = 5;

describe('analytics down while orders flow', () => {
  it('does not affect checkout; its lag grows, then drains to zero with exact counts', async () => {
    // Prepare
    await pipeline.waitForConsumersIdle();
    const confirmedBefore = await shop.confirmedToday();
    await pipeline.pause('analytics');
    const customerId = `cust-${randomUUID().slice(0, 8)}`;
    try {
      // Act
      const placed = [];
      for (let wave = 0; wave < ORDERS / ORDERS_PER_WAVE; wave++) {
        const orders = await Promise.all(
          Array.from({ length: ORDERS_PER_WAVE }, () => shop.placeOrder(customerId, orderBody())),
        );
        placed.push(...orders);
        // Assess: checkout answered and every saga finished while analytics was down
        expect(orders.map((p) => p.status)).toEqual(Array(ORDERS_PER_WAVE).fill(202));
        for (const p of orders) await shop.waitForStatus(customerId, p.body.orderId!, ['CONFIRMED'], 60_000);
      }
      expect(placed).toHaveLength(ORDERS);
      const lagWhileDown = await pipeline.lag('analytics');
      expect(lagWhileDown).toBeGreaterThanOrEqual(ORDERS);
      expect(await shop.confirmedToday()).toBe(confirmedBefore);
    } finally {
      // A failure above must not leave analytics paused for the tests after this one.
      await pipeline.resume('analytics');
    }

    await eventually(async () => expect(await pipeline.lag('analytics')).toBe(0), 60_000, 500);
    await eventually(async () => expect(await shop.confirmedToday()).toBe(confirmedBefore + ORDERS));
  }, 400_000);
});

describe('a poison record', () => {
  it('goes to the on-failure destination of every consumer of the topic, and its partition keeps flowing', async () => {
    // Prepare: a record that is not JSON, then a valid event behind it on the same partition
    const partition = 3;
    const marker = randomUUID();
    const followUp = createEvent('OrderPlaced', {
      orderId: randomUUID(),
      correlationId: marker,
      data: {
        customerId: 'cust-poison',
        items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1999 }],
        total: 1999,
        currency: 'EUR',
        email: 'poison@example.com',
        shippingAddress: ADDRESS,
        channel: 'web',
      },
    });
    const consumers = ['orderReadModel', 'analytics'];
    const seen = new Map<string, Record<string, unknown>[]>(consumers.map((c) => [c, []]));
    for (const consumer of consumers) await shop.failures(consumer);
    // Act
    await faults.produceRaw(TOPICS.orderEvents.name, partition, marker, `not json ${marker}`);
    await faults.produceRaw(TOPICS.orderEvents.name, partition, followUp.orderId, JSON.stringify(followUp));
    // Assess
    for (const consumer of consumers) {
      await eventually(async () => {
        const found = seen.get(consumer)!;
        found.push(...(await shop.failures(consumer)).filter((f) => JSON.stringify(f).includes(marker)));
        expect(found).toHaveLength(1);
      }, 30_000);
      expect(JSON.stringify(seen.get(consumer)![0])).toMatch(/json/i);
    }
    await eventually(async () => {
      const item = await pipeline.readOrder(followUp.orderId);
      expect(item?.status).toBe('PENDING');
    });
  });
});
