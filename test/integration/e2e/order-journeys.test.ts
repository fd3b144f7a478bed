/**
 * End to end through the local mode: the real API emulator, handlers in isolated workers, the
 * Step Functions emulator running the synthesized saga, a real Kafka broker and the DynamoDB server.
 * Each test is one customer journey and checks every side effect it must (not) cause.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CALLBACK_STEP_TIMING } from '../../../lib/config/saga-timing';
import { type RunningPipeline, startPipeline } from '../../../local/pipeline';
import { KafkaFaults } from '../harness/kafka-faults';
import { eventually, orderBody, Shop } from './shop';

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

function customer(): string {
  return `cust-${randomUUID().slice(0, 8)}`;
}

describe('a confirmed order', () => {
  it('reserves stock, captures the payment, e-mails, credits points, counts, ships and records its history', async () => {
    // Prepare
    const customerId = customer();
    const email = `${customerId}@example.com`;
    const stockBefore = await shop.stock('SKU-2');
    // Act
    const placed = await shop.placeOrder(
      customerId,
      orderBody({ items: [{ sku: 'SKU-2', quantity: 3 }], email }),
    );
    // Assess
    expect(placed.status).toBe(202);
    expect(placed.body.status).toBe('PENDING');
    const orderId = placed.body.orderId!;
    expect(placed.location).toBe(`/orders/${orderId}`);
    const order = await shop.waitForStatus(customerId, orderId, ['CONFIRMED', 'FAILED']);
    expect(order.status).toBe('CONFIRMED');
    expect(order.items).toEqual([expect.objectContaining({ sku: 'SKU-2', quantity: 3 })]);
    expect(order.total).toBe(order.items[0].unitPrice * 3);
    expect(await shop.stock('SKU-2')).toBe(stockBefore - 3);
    const payments = await shop.paymentEntries(orderId);
    expect(payments.filter((p) => p.entry === 'CHARGE')).toHaveLength(1);
    await eventually(async () => {
      expect(await shop.mail(email)).toHaveLength(1);
      expect(await shop.loyaltyBalance(customerId)).toBe(Math.floor(order.total / 100));
      expect(await shop.shipment(orderId)).toBeDefined();
      const view = (await shop.getOrder(customerId, orderId)).body;
      expect(view.history.map((h) => h.status)).toEqual(
        expect.arrayContaining(['PENDING', 'STOCK_RESERVED', 'PAID', 'CONFIRMED']),
      );
    });
  });

  it('is confirmed after a flaky card processor recovers', async () => {
    // Prepare
    const customerId = customer();
    // Act
    const placed = await shop.placeOrder(customerId, orderBody({ payment: { token: 'tok_flaky' } }));
    // Assess
    const order = await shop.waitForStatus(customerId, placed.body.orderId!, ['CONFIRMED', 'FAILED']);
    expect(order.status).toBe('CONFIRMED');
    expect((await shop.paymentEntries(order.orderId)).filter((p) => p.entry === 'CHARGE')).toHaveLength(1);
  });
});

describe('a failed order', () => {
  it.each([
    ['tok_decline', 'PAYMENT_DECLINED'],
    ['tok_insufficient_funds', 'PAYMENT_DECLINED'],
  ])(
    'with %s fails as %s, restores stock, charges nothing, credits nothing and e-mails the failure',
    async (token, reason) => {
      // Prepare
      const customerId = customer();
      const email = `${customerId}@example.com`;
      const stockBefore = await shop.stock('SKU-3');
      // Act
      const placed = await shop.placeOrder(
        customerId,
        orderBody({ items: [{ sku: 'SKU-3', quantity: 4 }], payment: { token }, email }),
      );
      // Assess
      const order = await shop.waitForStatus(customerId, placed.body.orderId!, ['CONFIRMED', 'FAILED']);
      expect(order.status).toBe('FAILED');
      expect(order.history.find((h) => h.status === 'FAILED')?.reason).toBe(reason);
      await eventually(async () => {
        expect(await shop.stock('SKU-3')).toBe(stockBefore);
        expect(await shop.mail(email)).toHaveLength(1);
      });
      expect((await shop.paymentEntries(order.orderId)).filter((p) => p.entry === 'CHARGE')).toHaveLength(0);
      expect(await shop.loyaltyBalance(customerId)).toBe(0);
    },
  );

  it('fails as OUT_OF_STOCK when the last unit is not enough, without charging', async () => {
    // Prepare
    const customerId = customer();
    const stockBefore = await shop.stock('SKU-LAST');
    // Act
    const placed = await shop.placeOrder(
      customerId,
      orderBody({ items: [{ sku: 'SKU-LAST', quantity: stockBefore + 1 }] }),
    );
    // Assess
    const order = await shop.waitForStatus(customerId, placed.body.orderId!, ['CONFIRMED', 'FAILED']);
    expect(order.status).toBe('FAILED');
    expect(order.history.find((h) => h.status === 'FAILED')?.reason).toBe('OUT_OF_STOCK');
    expect(await shop.stock('SKU-LAST')).toBe(stockBefore);
    expect(await shop.paymentEntries(order.orderId)).toEqual([]);
  });

  // The card processor never answers tok_timeout: the payment service gives up at its processing
  // limit, counted from pick-up, and the saga voids and releases.
  it('is compensated when the card processor does not answer within the payment processing limit', async () => {
    // Prepare
    const customerId = customer();
    const stockBefore = await shop.stock('SKU-4');
    const started = Date.now();
    // Act
    const placed = await shop.placeOrder(
      customerId,
      orderBody({ items: [{ sku: 'SKU-4', quantity: 1 }], payment: { token: 'tok_timeout' } }),
    );
    // Assess
    const order = await shop.waitForStatus(customerId, placed.body.orderId!, ['CONFIRMED', 'FAILED'], 40_000);
    expect(order.status).toBe('FAILED');
    expect(order.history.find((h) => h.status === 'FAILED')?.reason).toBe('PAYMENT_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(
      CALLBACK_STEP_TIMING.processPayment.processingLimitSeconds * 1000,
    );
    await eventually(async () => expect(await shop.stock('SKU-4')).toBe(stockBefore));
  });
});

describe('idempotency', () => {
  it('turns the same Idempotency-Key sent twice in parallel into one order and one charge', async () => {
    // Prepare
    const customerId = customer();
    const headers = { 'idempotency-key': `key-${randomUUID()}` };
    const body = orderBody({ items: [{ sku: 'SKU-5', quantity: 1 }] });
    const stockBefore = await shop.stock('SKU-5');
    // Act
    const [first, second] = await Promise.all([
      shop.placeOrder(customerId, body, headers),
      shop.placeOrder(customerId, body, headers),
    ]);
    // Assess
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.orderId).toBe(first.body.orderId);
    const order = await shop.waitForStatus(customerId, first.body.orderId!, ['CONFIRMED', 'FAILED']);
    expect(order.status).toBe('CONFIRMED');
    expect((await shop.paymentEntries(order.orderId)).filter((p) => p.entry === 'CHARGE')).toHaveLength(1);
    expect(await shop.stock('SKU-5')).toBe(stockBefore - 1);
  });

  it('refuses the same Idempotency-Key with a different body with 409', async () => {
    // Prepare
    const customerId = customer();
    const headers = { 'idempotency-key': `key-${randomUUID()}` };
    await shop.placeOrder(customerId, orderBody(), headers);
    // Act
    const conflict = await shop.placeOrder(
      customerId,
      orderBody({ items: [{ sku: 'SKU-1', quantity: 9 }] }),
      headers,
    );
    // Assess
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toEqual(
      expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
    );
  });

  it('absorbs a Kafka record delivered again: points, counts and e-mails stay as they were', async () => {
    // Prepare
    const customerId = customer();
    const email = `${customerId}@example.com`;
    const placed = await shop.placeOrder(customerId, orderBody({ email }));
    const order = await shop.waitForStatus(customerId, placed.body.orderId!, ['CONFIRMED']);
    await eventually(async () => {
      expect(await shop.mail(email)).toHaveLength(1);
      expect(await shop.loyaltyBalance(customerId)).toBe(Math.floor(order.total / 100));
    });
    await pipeline.waitForConsumersIdle();
    const analyticsBefore = await shop.analyticsItems();
    // Act
    const resent = await faults.redeliver('orders.events', order.orderId, 'OrderConfirmed');
    await pipeline.waitForConsumersIdle();
    // Assess
    expect(resent).toBe(1);
    expect(await shop.loyaltyBalance(customerId)).toBe(Math.floor(order.total / 100));
    expect(await shop.mail(email)).toHaveLength(1);
    expect(await shop.analyticsItems()).toEqual(analyticsBefore);
  });
});
