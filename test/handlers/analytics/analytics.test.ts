import { afterEach, describe, expect, it } from 'vitest';
import { createAnalyticsHandler, handler } from '../../../lambdas/analytics/handlers/analytics';
import { lambdaContext } from '../../fixtures/consumers/lambda-context';
import { orderEvents as e, eventId } from '../../fixtures/consumers/order-events';
import { InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { mskEvent, mskEventOf } from '../../fixtures/msk';
import { InMemoryAnalyticsStore } from '../../unit/analytics/in-memory-analytics-store';

function setup() {
  const store = new InMemoryAnalyticsStore();
  const analytics = createAnalyticsHandler({ store, failedRecordSink: new InMemoryFailedRecordSink() });
  return { store, analytics };
}

const context = lambdaContext('analytics');

describe('analytics handler', () => {
  it('aggregates placed, confirmed and failed orders and skips other order events', async () => {
    // Prepare
    const { store, analytics } = setup();
    const event = mskEventOf([
      e.orderPlaced('2026-11-24T10:00:00.000Z'),
      e.orderConfirmed('2026-11-24T10:00:01.000Z'),
      e.orderFailed('2026-11-24T10:00:02.000Z', 'OUT_OF_STOCK'),
      e.orderNeedsAttention('2026-11-24T10:00:03.000Z'),
    ]);

    // Act
    const response = await analytics(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await store.readDayTotals('2026-11-24')).toEqual({
      ordersPlaced: 1,
      ordersConfirmed: 1,
      ordersFailed: 1,
      units: 3,
      revenue_EUR: 4498,
    });
    expect(store.markers.size).toBe(3);
  });

  it('does not count a redelivered event twice, in the same batch or a later one', async () => {
    // Prepare
    const { store, analytics } = setup();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    await analytics(mskEventOf([confirmed, confirmed]), context);

    // Act
    await analytics(mskEventOf([confirmed]), context);

    // Assess
    expect((await store.readDayTotals('2026-11-24')).ordersConfirmed).toBe(1);
    expect(store.items.get('SKU#SKU-1|DAY#2026-11-24')).toEqual({ units: 2, revenue_EUR: 3998 });
  });

  it('does not count an order event republished under a new eventId', async () => {
    // Prepare
    const { store, analytics } = setup();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    await analytics(mskEventOf([confirmed]), context);

    // Act
    const response = await analytics(mskEventOf([{ ...confirmed, eventId: eventId() }]), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await store.readDayTotals('2026-11-24')).toEqual({
      ordersConfirmed: 1,
      units: 3,
      revenue_EUR: 4498,
    });
    expect(store.items.get('SKU#SKU-1|DAY#2026-11-24')).toEqual({ units: 2, revenue_EUR: 3998 });
  });

  it('counts an event whose first attempt failed exactly once when it is retried', async () => {
    // Prepare
    const { store, analytics } = setup();
    const placed = e.orderPlaced('2026-11-24T10:00:00.000Z');
    store.failWith = new Error('throttled');
    const failed = await analytics(mskEventOf([placed]), context);
    store.failWith = undefined;

    // Act
    const retried = await analytics(mskEventOf([placed]), context);

    // Assess
    expect(failed.batchItemFailures).toHaveLength(1);
    expect(retried.batchItemFailures).toEqual([]);
    expect(await store.readDayTotals('2026-11-24')).toEqual({ ordersPlaced: 1 });
  });
});

describe('analytics handler, batch writes', () => {
  /** Order `n`'s OrderPlaced, on partition `n % 2`. */
  const placedOn = (n: number) => ({
    envelope: { ...e.orderPlaced('2026-11-24T10:00:00.000Z'), orderId: `order-${n}` },
    options: { partition: n % 2 },
  });

  it('counts the rest of a batch and sends a poison record to the failure path', async () => {
    // Prepare
    const store = new InMemoryAnalyticsStore();
    const failedRecordSink = new InMemoryFailedRecordSink();
    const analytics = createAnalyticsHandler({ store, failedRecordSink });
    const event = mskEvent([
      placedOn(0),
      { value: 'not json', options: { topic: 'orders.events', partition: 0 } },
      placedOn(2),
    ]);

    // Act
    const response = await analytics(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(failedRecordSink.records.map((record) => record.offset)).toEqual([101]);
    expect((await store.readDayTotals('2026-11-24')).ordersPlaced).toBe(2);
  });

  it('fails, after a transient error, the first record not written and every later one of its partition, and counts each once on redelivery', async () => {
    // Prepare: orders 0-5 alternate between partitions 0 and 1 (offsets 100-102 on each); the
    // store stops after two events, those of partition 0 at offsets 100 and 101
    const store = new InMemoryAnalyticsStore();
    const analytics = createAnalyticsHandler({ store, failedRecordSink: new InMemoryFailedRecordSink() });
    const records = Array.from({ length: 6 }, (_, n) => ({
      ...placedOn(n),
      options: { partition: n % 2, offset: 100 + Math.floor(n / 2) },
    }));
    store.failWith = new Error('throttled');
    store.appliedBeforeFailure = 2;

    // Act
    const failed = await analytics(mskEvent(records), context);
    store.failWith = undefined;
    const toRetry = failed.batchItemFailures.map(({ itemIdentifier }) => itemIdentifier);
    const redelivered = records.filter(({ options }) =>
      toRetry.some(
        (retry) =>
          retry.partition === `orders.events-${options.partition}` && retry.offset === options.offset,
      ),
    );
    const retried = await analytics(mskEvent(redelivered), context);

    // Assess
    expect(toRetry).toEqual([
      { partition: 'orders.events-0', offset: 102 },
      { partition: 'orders.events-1', offset: 100 },
      { partition: 'orders.events-1', offset: 101 },
      { partition: 'orders.events-1', offset: 102 },
    ]);
    expect(retried.batchItemFailures).toEqual([]);
    expect((await store.readDayTotals('2026-11-24')).ordersPlaced).toBe(6);
    expect(store.markers.size).toBe(6);
  });
});

describe('analytics handler entry', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it('wires the DynamoDB store from the environment', async () => {
    // Prepare
    Object.assign(process.env, {
      ANALYTICS_TABLE_NAME: 'analytics',
      DEAD_LETTER_TOPIC: 'dead-letters.analytics',
    });

    // Act
    const response = await handler(mskEvent([]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
