import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DayTotalsUnavailableError,
  DynamoDbAnalyticsStore,
} from '../../../../lambdas/analytics/adapters/dynamodb-analytics-store';
import {
  type CountedMarker,
  DAY_TOTAL_SHARDS,
  dayTotalKey,
  dayTotalKeys,
} from '../../../../lambdas/analytics/domain/aggregates';
import { FakeDocumentClient, transactionCanceled } from '../../../fixtures/consumers/fake-document-client';

const marker: CountedMarker = { pk: 'ORDER#o-1', sk: 'COUNTED#OrderConfirmed', eventId: 'e-1', expiresAt: 1 };
const totalKey = dayTotalKey('2026-11-24', 'o-1');

describe('DynamoDbAnalyticsStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('puts the marker and applies all increments as ADD updates in one transaction', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const store = new DynamoDbAnalyticsStore(
      client.asClient(),
      'analytics',
      () => new Date('2026-11-24T10:00:00Z'),
    );

    // Act
    const outcome = await store.add(
      [
        { pk: totalKey, sk: 'TOTAL', counters: { ordersConfirmed: 1, revenue_EUR: 4498 } },
        { pk: 'SKU#SKU-1', sk: 'DAY#2026-11-24', counters: { units: 2 } },
      ],
      marker,
    );

    // Assess
    expect(outcome).toBe('added');
    expect(client.sent).toHaveLength(1);
    expect(client.sent[0].name).toBe('TransactWriteCommand');
    const [put, total, sku] = client.sent[0].input.TransactItems;
    expect(put.Put).toEqual({
      TableName: 'analytics',
      Item: { ...marker, countedAt: '2026-11-24T10:00:00.000Z' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(total).toEqual({
      Update: {
        TableName: 'analytics',
        Key: { pk: totalKey, sk: 'TOTAL' },
        UpdateExpression: 'ADD #c0 :c0, #c1 :c1 SET #updatedAt = :updatedAt',
        ExpressionAttributeNames: {
          '#c0': 'ordersConfirmed',
          '#c1': 'revenue_EUR',
          '#updatedAt': 'updatedAt',
        },
        ExpressionAttributeValues: { ':c0': 1, ':c1': 4498, ':updatedAt': '2026-11-24T10:00:00.000Z' },
      },
    });
    expect(sku.Update.Key).toEqual({ pk: 'SKU#SKU-1', sk: 'DAY#2026-11-24' });
  });

  it('reports an event whose marker exists as already counted', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    client.responder = () => {
      throw transactionCanceled();
    };

    // Act
    const outcome = await new DynamoDbAnalyticsStore(client.asClient(), 'analytics').add([], marker);

    // Assess
    expect(outcome).toBe('already-counted');
  });

  it('passes on a transaction conflict and other errors, so the record is retried', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const store = new DynamoDbAnalyticsStore(client.asClient(), 'analytics');
    const conflict = transactionCanceled();
    conflict.CancellationReasons = [{ Code: 'TransactionConflict' }];
    client.responder = () => {
      throw conflict;
    };

    // Act
    const attempt = store.add([], marker);

    // Assess
    await expect(attempt).rejects.toBe(conflict);
    client.responder = () => {
      throw new Error('throttled');
    };
    await expect(store.add([], marker)).rejects.toThrow('throttled');
  });

  it("reads all of a day's total shards in one strongly consistent BatchGetItem and sums their counters", async () => {
    // Prepare
    const client = new FakeDocumentClient();
    client.responder = () => ({
      Responses: {
        analytics: [
          { pk: 'DAY#2026-11-24#3', sk: 'TOTAL', ordersPlaced: 2, ordersConfirmed: 1, revenue_EUR: 4498 },
          {
            pk: 'DAY#2026-11-24#7',
            sk: 'TOTAL',
            ordersPlaced: 1,
            ordersFailed: 1,
            updatedAt: '2026-11-24T10:00:00Z',
          },
        ],
      },
    });

    // Act
    const totals = await new DynamoDbAnalyticsStore(client.asClient(), 'analytics').readDayTotals(
      '2026-11-24',
    );

    // Assess
    expect(totals).toEqual({ ordersPlaced: 3, ordersConfirmed: 1, ordersFailed: 1, revenue_EUR: 4498 });
    expect(client.sent).toHaveLength(1);
    expect(client.sent[0].name).toBe('BatchGetCommand');
    const request = client.sent[0].input.RequestItems.analytics;
    expect(request.ConsistentRead).toBe(true);
    expect(request.Keys).toHaveLength(DAY_TOTAL_SHARDS);
    expect(request.Keys).toEqual(dayTotalKeys('2026-11-24').map((pk) => ({ pk, sk: 'TOTAL' })));
  });

  it('asks again for the shards a BatchGetItem left unprocessed, so none is missing from the sum', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const unread = { pk: 'DAY#2026-11-24#5', sk: 'TOTAL' };
    client.responder = (command) =>
      client.sent.length === 1
        ? {
            Responses: { analytics: [{ ...unread, pk: 'DAY#2026-11-24#1', ordersPlaced: 4 }] },
            UnprocessedKeys: { analytics: { Keys: [unread], ConsistentRead: true } },
          }
        : {
            Responses: { analytics: [{ ...command.input.RequestItems.analytics.Keys[0], ordersPlaced: 6 }] },
          };

    // Act
    const totals = await new DynamoDbAnalyticsStore(client.asClient(), 'analytics').readDayTotals(
      '2026-11-24',
    );

    // Assess
    expect(totals).toEqual({ ordersPlaced: 10 });
    expect(client.sent).toHaveLength(2);
    expect(client.sent[1].input.RequestItems.analytics).toEqual({ Keys: [unread], ConsistentRead: true });
  });

  it('fails rather than answer a partial total when shards stay unprocessed', async () => {
    // Prepare
    vi.useFakeTimers();
    const client = new FakeDocumentClient();
    client.responder = (command) => ({
      UnprocessedKeys: {
        analytics: { Keys: command.input.RequestItems.analytics.Keys, ConsistentRead: true },
      },
    });

    // Act
    const read = new DynamoDbAnalyticsStore(client.asClient(), 'analytics').readDayTotals('2026-11-24');
    const failure = expect(read).rejects.toBeInstanceOf(DayTotalsUnavailableError);
    await vi.runAllTimersAsync();

    // Assess
    await failure;
    await expect(read).rejects.toThrow(`${DAY_TOTAL_SHARDS} of the day total shards of 2026-11-24`);
  });
});
