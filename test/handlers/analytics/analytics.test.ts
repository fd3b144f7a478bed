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
