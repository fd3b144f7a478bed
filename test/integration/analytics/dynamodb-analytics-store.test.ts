import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbAnalyticsStore } from '../../../lambdas/analytics/adapters/dynamodb-analytics-store';
import { dayTotalKeys, shardOf, TOTAL_SK } from '../../../lambdas/analytics/domain/aggregates';
import { recordOrderEvent } from '../../../lambdas/analytics/use-cases/record-order-event';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';
import { orderEvents as e, ITEMS, TOTAL } from '../../fixtures/consumers/order-events';

/** A second order of the day: markers are per order, so its events count separately. */
const SECOND_ORDER = '1c7e5b3f-4d2e-4f60-9bac-1d2e3f4a5b6c';

describe('analytics aggregates on the local DynamoDB server', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await createTestTable(inject('localServices').dynamodbEndpoint, 'analytics', 'pk', 'sk');
  });

  afterAll(async () => {
    await table.drop();
  });

  async function item(pk: string, sk: string) {
    const { Item } = await table.documentClient.send(
      new GetCommand({ TableName: table.name, Key: { pk, sk } }),
    );
    return Item;
  }

  it('adds the counters of each event with ADD updates', async () => {
    // Prepare
    const store = new DynamoDbAnalyticsStore(table.documentClient, table.name);

    // Act
    for (const event of [
      e.orderPlaced('2026-11-24T10:00:00.000Z'),
      e.orderConfirmed('2026-11-24T10:00:01.000Z'),
      { ...e.orderPlaced('2026-11-24T11:00:00.000Z'), orderId: SECOND_ORDER },
      { ...e.orderFailed('2026-11-24T11:00:01.000Z', 'PAYMENT_DECLINED'), orderId: SECOND_ORDER },
    ]) {
      await recordOrderEvent(store, event);
    }

    // Assess
    expect(await store.readDayTotals('2026-11-24')).toEqual({
      ordersPlaced: 2,
      ordersConfirmed: 1,
      ordersFailed: 1,
      units: 3,
      revenue_EUR: 4498,
    });
    expect(await item('DAY#2026-11-24', 'FAILURE#PAYMENT_DECLINED')).toMatchObject({ orders: 1 });
    expect(await item('SKU#SKU-1', 'DAY#2026-11-24')).toMatchObject({ units: 2, revenue_EUR: 3998 });
  });

  it("spreads the day's total over shard items on their own partition keys, which the read sums exactly", async () => {
    // Prepare
    const store = new DynamoDbAnalyticsStore(table.documentClient, table.name);
    const orderIds = Array.from(
      { length: 30 },
      (_, i) => `7a1b2c3d-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const settle = async (orderId: string) => [
      await recordOrderEvent(store, { ...e.orderPlaced('2026-11-26T09:00:00.000Z'), orderId }),
      await recordOrderEvent(store, { ...e.orderConfirmed('2026-11-26T09:00:01.000Z'), orderId }),
    ];

    // Act: every order counted, then republished under new eventIds
    for (const orderId of orderIds) await settle(orderId);
    const replayed: string[] = [];
    for (const orderId of orderIds) replayed.push(...(await settle(orderId)));

    // Assess: each shard holds exactly the orders its hash names, and each order counts once
    expect(new Set(replayed)).toEqual(new Set(['already-counted']));
    const shards = await Promise.all(dayTotalKeys('2026-11-26').map((pk) => item(pk, TOTAL_SK)));
    expect(shards.filter((shard) => shard !== undefined).length).toBeGreaterThan(1);
    shards.forEach((shard, index) => {
      const orders = orderIds.filter((orderId) => shardOf(orderId) === index).length;
      expect(shard?.ordersPlaced ?? 0).toBe(orders);
      expect(shard?.ordersConfirmed ?? 0).toBe(orders);
    });
    const units = ITEMS.reduce((sum, line) => sum + line.quantity, 0);
    expect(await store.readDayTotals('2026-11-26')).toEqual({
      ordersPlaced: 30,
      ordersConfirmed: 30,
      units: 30 * units,
      revenue_EUR: 30 * TOTAL,
    });
  });

  it('recognises an event republished under a new eventId by its marker, changing nothing', async () => {
    // Prepare
    const store = new DynamoDbAnalyticsStore(table.documentClient, table.name);
    const before = await store.readDayTotals('2026-11-24');

    // Act
    const outcome = await recordOrderEvent(store, e.orderConfirmed('2026-11-24T10:00:09.000Z'));

    // Assess
    expect(outcome).toBe('already-counted');
    expect(await store.readDayTotals('2026-11-24')).toEqual(before);
  });
});
