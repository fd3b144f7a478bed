import { describe, expect, it } from 'vitest';
import {
  countedMarkerOf,
  DAY_TOTAL_SHARDS,
  dayTotalKey,
  dayTotalKeys,
  incrementsOf,
  isAggregatedType,
  shardOf,
  utcDay,
} from '../../../lambdas/analytics/domain/aggregates';
import { recordOrderEvent } from '../../../lambdas/analytics/use-cases/record-order-event';
import { orderEvents as e, envelope } from '../../fixtures/consumers/order-events';
import { InMemoryAnalyticsStore } from './in-memory-analytics-store';

/** A second order of the day: markers are per order, so its events count separately. */
const SECOND_ORDER = '1c7e5b3f-4d2e-4f60-9bac-1d2e3f4a5b6c';

describe('analytics aggregates', () => {
  it('counts a placed order on the day of the event, in UTC', () => {
    // Prepare
    const placed = e.orderPlaced('2026-11-24T23:30:00.000-02:00');

    // Act
    const increments = incrementsOf(placed);

    // Assess
    expect(increments).toEqual([
      { pk: dayTotalKey('2026-11-25', placed.orderId), sk: 'TOTAL', counters: { ordersPlaced: 1 } },
    ]);
  });

  it('adds revenue per currency, units and per-SKU sales for a confirmed order', () => {
    // Prepare
    const confirmed = envelope(
      'OrderConfirmed',
      {
        customerId: 'customer-42',
        items: [
          { sku: 'SKU-1', quantity: 2, unitPrice: 1999 },
          { sku: 'SKU-2', quantity: 1, unitPrice: 500 },
          { sku: 'SKU-1', quantity: 1, unitPrice: 1999 },
        ],
        total: 6497,
        currency: 'USD',
        email: 'ada@example.com',
      },
      { at: '2026-11-24T10:00:00.000Z' },
    );

    // Act
    const increments = incrementsOf(confirmed);

    // Assess
    expect(increments).toEqual([
      {
        pk: dayTotalKey('2026-11-24', confirmed.orderId),
        sk: 'TOTAL',
        counters: { ordersConfirmed: 1, units: 4, revenue_USD: 6497 },
      },
      { pk: 'SKU#SKU-1', sk: 'DAY#2026-11-24', counters: { units: 3, revenue_USD: 5997 } },
      { pk: 'SKU#SKU-2', sk: 'DAY#2026-11-24', counters: { units: 1, revenue_USD: 500 } },
    ]);
  });

  it('counts failures per day and per reason', () => {
    // Prepare
    const failed = e.orderFailed('2026-11-24T10:00:00.000Z', 'OUT_OF_STOCK');

    // Act
    const increments = incrementsOf(failed);

    // Assess
    expect(increments).toEqual([
      { pk: dayTotalKey('2026-11-24', failed.orderId), sk: 'TOTAL', counters: { ordersFailed: 1 } },
      { pk: 'DAY#2026-11-24', sk: 'FAILURE#OUT_OF_STOCK', counters: { orders: 1 } },
    ]);
  });

  it('sums a day of orders through the use case', async () => {
    // Prepare
    const store = new InMemoryAnalyticsStore();
    const events = [
      e.orderPlaced('2026-11-24T10:00:00.000Z'),
      e.orderConfirmed('2026-11-24T10:00:01.000Z'),
      { ...e.orderPlaced('2026-11-24T11:00:00.000Z'), orderId: SECOND_ORDER },
      { ...e.orderFailed('2026-11-24T11:00:01.000Z', 'PAYMENT_DECLINED'), orderId: SECOND_ORDER },
    ];

    // Act
    for (const event of events) await recordOrderEvent(store, event);

    // Assess
    expect(await store.readDayTotals('2026-11-24')).toEqual({
      ordersPlaced: 2,
      ordersConfirmed: 1,
      ordersFailed: 1,
      units: 3,
      revenue_EUR: 4498,
    });
    expect(store.items.get('DAY#2026-11-24|FAILURE#PAYMENT_DECLINED')).toEqual({ orders: 1 });
    expect(store.items.get('SKU#SKU-1|DAY#2026-11-24')).toEqual({ units: 2, revenue_EUR: 3998 });
  });

  it('counts an order event once, even when it is republished with a new eventId', async () => {
    // Prepare
    const store = new InMemoryAnalyticsStore();
    const first = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    const republished = e.orderConfirmed('2026-11-24T10:00:03.000Z');

    // Act
    const outcomes = [await recordOrderEvent(store, first), await recordOrderEvent(store, republished)];

    // Assess
    expect(outcomes).toEqual(['added', 'already-counted']);
    expect((await store.readDayTotals('2026-11-24')).ordersConfirmed).toBe(1);
  });

  it("spreads a day's total over its shards, each order always on the same one, and sums them exactly", async () => {
    // Prepare: 200 orders of one day, each placed twice (a redelivery)
    const store = new InMemoryAnalyticsStore();
    const orderIds = Array.from(
      { length: 200 },
      (_, i) => `9d2c4b7e-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );

    // Act
    for (const orderId of orderIds) {
      for (let delivery = 0; delivery < 2; delivery++) {
        await recordOrderEvent(store, { ...e.orderPlaced('2026-11-24T10:00:00.000Z'), orderId });
      }
    }

    // Assess
    const shardCounts = dayTotalKeys('2026-11-24').map(
      (pk) => store.items.get(`${pk}|TOTAL`)?.ordersPlaced ?? 0,
    );
    expect(shardCounts.filter((count) => count > 0)).toHaveLength(DAY_TOTAL_SHARDS);
    expect(Math.max(...shardCounts)).toBeLessThan(200 / 2);
    expect((await store.readDayTotals('2026-11-24')).ordersPlaced).toBe(200);
    const placed = incrementsOf({ ...e.orderPlaced('2026-11-24T10:00:00.000Z'), orderId: orderIds[7]! })[0];
    const confirmed = incrementsOf({
      ...e.orderConfirmed('2026-11-24T10:00:01.000Z'),
      orderId: orderIds[7]!,
    })[0];
    expect(confirmed?.pk).toBe(placed?.pk);
  });

  it('maps an order id to the same shard in every process and release', () => {
    // Prepare
    const orderId = '0b6f4a2e-3c1d-4e5f-8a9b-0c1d2e3f4a5b';

    // Act
    const key = dayTotalKey('2026-11-24', orderId);

    // Assess: a hash that changed would move orders to other shards between deploys
    expect(shardOf(orderId)).toBe(6);
    expect(shardOf(SECOND_ORDER)).toBe(7);
    expect(key).toBe('DAY#2026-11-24#6');
    expect(dayTotalKeys('2026-11-24')).toContain(key);
  });

  it('refuses to name the shards of anything but a day', () => {
    // Act
    const read = () => dayTotalKeys('2026-11-24T10:00:00Z');

    // Assess
    expect(read).toThrow(new RangeError("Not a day (yyyy-mm-dd): '2026-11-24T10:00:00Z'"));
  });

  it('marks an order event type with a marker that expires after 30 days', () => {
    // Prepare
    const placed = e.orderPlaced('2026-11-24T00:00:00.000Z');

    // Act
    const marker = countedMarkerOf(placed);

    // Assess
    expect(marker).toEqual({
      pk: `ORDER#${placed.orderId}`,
      sk: 'COUNTED#OrderPlaced',
      eventId: placed.eventId,
      expiresAt: Date.parse('2026-12-24T00:00:00.000Z') / 1000,
    });
  });

  it('knows which types it aggregates and refuses a bad timestamp', () => {
    expect(isAggregatedType('OrderConfirmed')).toBe(true);
    expect(isAggregatedType('PaymentCaptured')).toBe(false);
    expect(() => utcDay('yesterday')).toThrow(RangeError);
  });
});
