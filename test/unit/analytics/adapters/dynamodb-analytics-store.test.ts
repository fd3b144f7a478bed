import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
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
const placed: CountedMarker = { ...marker, sk: 'COUNTED#OrderPlaced', eventId: 'e-0' };
const totalKey = dayTotalKey('2026-11-24', 'o-1');

function orderMarker(orderId: string): CountedMarker {
  return { pk: `ORDER#${orderId}`, sk: 'COUNTED#OrderPlaced', eventId: `e-${orderId}`, expiresAt: 1 };
}

/** A cancellation with one reason per action, as DynamoDB answers it. */
function canceled(codes: readonly string[]): TransactionCanceledException {
  const error = transactionCanceled();
  error.CancellationReasons = codes.map((Code) => ({ Code }));
  return error;
}

interface TransactItem {
  readonly Put?: { readonly Item: { readonly pk: string; readonly sk: string } };
  readonly Update?: {
    readonly Key: { readonly pk: string; readonly sk: string };
    readonly ExpressionAttributeValues: Record<string, unknown>;
  };
}

function keyOf(item: TransactItem): string {
  const key = item.Put?.Item ?? item.Update!.Key;
  return `${key.pk}|${key.sk}`;
}

describe('DynamoDbAnalyticsStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('puts the markers first and adds the summed increments as ADD updates in one transaction', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const store = new DynamoDbAnalyticsStore(
      client.asClient(),
      'analytics',
      () => new Date('2026-11-24T10:00:00Z'),
    );

    // Act
    const result = await store.addAll([
      { marker: placed, increments: [{ pk: totalKey, sk: 'TOTAL', counters: { ordersPlaced: 1 } }] },
      {
        marker,
        increments: [
          { pk: totalKey, sk: 'TOTAL', counters: { ordersConfirmed: 1, revenue_EUR: 4498 } },
          { pk: 'SKU#SKU-1', sk: 'DAY#2026-11-24', counters: { units: 2 } },
        ],
      },
    ]);

    // Assess
    expect(result).toEqual({ outcomes: ['added', 'added'] });
    expect(client.sent).toHaveLength(1);
    expect(client.sent[0].name).toBe('TransactWriteCommand');
    const [putPlaced, putConfirmed, total, sku] = client.sent[0].input.TransactItems;
    expect(putPlaced.Put.Item).toEqual({ ...placed, countedAt: '2026-11-24T10:00:00.000Z' });
    expect(putConfirmed.Put).toEqual({
      TableName: 'analytics',
      Item: { ...marker, countedAt: '2026-11-24T10:00:00.000Z' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(total).toEqual({
      Update: {
        TableName: 'analytics',
        Key: { pk: totalKey, sk: 'TOTAL' },
        UpdateExpression: 'ADD #c0 :c0, #c1 :c1, #c2 :c2 SET #updatedAt = :updatedAt',
        ExpressionAttributeNames: {
          '#c0': 'ordersPlaced',
          '#c1': 'ordersConfirmed',
          '#c2': 'revenue_EUR',
          '#updatedAt': 'updatedAt',
        },
        ExpressionAttributeValues: {
          ':c0': 1,
          ':c1': 1,
          ':c2': 4498,
          ':updatedAt': '2026-11-24T10:00:00.000Z',
        },
      },
    });
    expect(sku.Update.Key).toEqual({ pk: 'SKU#SKU-1', sk: 'DAY#2026-11-24' });
  });

  it('cuts a batch into transactions of at most 100 actions, none on an item twice', async () => {
    // Prepare: 250 orders on the same counter item, and 3 orders of 50 SKUs each
    const client = new FakeDocumentClient();
    const store = new DynamoDbAnalyticsStore(client.asClient(), 'analytics');
    const onOneItem = Array.from({ length: 250 }, (_, i) => ({
      marker: orderMarker(`o-${i}`),
      increments: [{ pk: totalKey, sk: 'TOTAL', counters: { ordersPlaced: 1 } }],
    }));
    const wide = Array.from({ length: 3 }, (_, i) => ({
      marker: orderMarker(`wide-${i}`),
      increments: Array.from({ length: 50 }, (_, line) => ({
        pk: `SKU#SKU-${i}-${line}`,
        sk: 'DAY#2026-11-24',
        counters: { units: 1 },
      })),
    }));

    // Act
    const result = await store.addAll([...onOneItem, ...wide]);

    // Assess
    expect(result.outcomes).toEqual(Array(253).fill('added'));
    const transactions = client.sent.map((command) => command.input.TransactItems as TransactItem[]);
    expect(transactions.map((items) => items.length)).toEqual([100, 100, 53, 51, 51, 51]);
    for (const items of transactions) {
      expect(new Set(items.map(keyOf)).size).toBe(items.length);
    }
    expect(transactions.flat().filter((item) => item.Put)).toHaveLength(253);
    expect(transactions[0]!.at(-1)!.Update!.ExpressionAttributeValues[':c0']).toBe(99);
  });

  it('writes a marker that is twice in the batch once and reports the second as already counted', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const store = new DynamoDbAnalyticsStore(client.asClient(), 'analytics');
    const confirmed = {
      marker,
      increments: [{ pk: totalKey, sk: 'TOTAL', counters: { ordersConfirmed: 1 } }],
    };

    // Act
    const result = await store.addAll([confirmed, { ...confirmed, marker: { ...marker, eventId: 'e-2' } }]);

    // Assess
    expect(result).toEqual({ outcomes: ['added', 'already-counted'] });
    const [put, total, ...rest] = client.sent[0].input.TransactItems;
    expect(put.Put.Item.eventId).toBe('e-1');
    expect(total.Update.ExpressionAttributeValues[':c0']).toBe(1);
    expect(rest).toEqual([]);
  });

  it('drops the events whose marker the cancellation names and writes the others without their sums', async () => {
    // Prepare: the second of three orders was counted before
    const client = new FakeDocumentClient();
    const store = new DynamoDbAnalyticsStore(client.asClient(), 'analytics');
    client.responder = () => {
      if (client.sent.length === 1) throw canceled(['None', 'ConditionalCheckFailed', 'None', 'None']);
      return {};
    };
    const events = ['o-1', 'o-2', 'o-3'].map((orderId, i) => ({
      marker: orderMarker(orderId),
      increments: [{ pk: totalKey, sk: 'TOTAL', counters: { ordersPlaced: 1, units: i + 1 } }],
    }));

    // Act
    const result = await store.addAll(events);

    // Assess
    expect(result).toEqual({ outcomes: ['added', 'already-counted', 'added'] });
    expect(client.sent).toHaveLength(2);
    const [first, second, total] = client.sent[1].input.TransactItems;
    expect([first.Put.Item.pk, second.Put.Item.pk]).toEqual(['ORDER#o-1', 'ORDER#o-3']);
    expect(total.Update.ExpressionAttributeValues).toMatchObject({ ':c0': 2, ':c1': 4 });
  });

  it('stops at a transient error: what was written is added, the rest not applied, nothing counted twice', async () => {
    // Prepare: 150 orders on one item make two transactions; the second is throttled
    const client = new FakeDocumentClient();
    const store = new DynamoDbAnalyticsStore(client.asClient(), 'analytics');
    const throttled = new Error('throttled');
    client.responder = () => {
      if (client.sent.length === 2) throw throttled;
      return {};
    };
    const events = Array.from({ length: 150 }, (_, i) => ({
      marker: orderMarker(`o-${i}`),
      increments: [{ pk: totalKey, sk: 'TOTAL', counters: { ordersPlaced: 1 } }],
    }));

    // Act
    const result = await store.addAll(events);

    // Assess
    expect(result.error).toBe(throttled);
    expect(result.outcomes).toEqual([...Array(99).fill('added'), ...Array(51).fill('not-applied')]);
  });

  it('sends a transaction again that a concurrent one cancelled, and gives up after three attempts', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const store = new DynamoDbAnalyticsStore(client.asClient(), 'analytics');
    const conflict = canceled(['TransactionConflict', 'None']);
    const event = {
      marker,
      increments: [{ pk: totalKey, sk: 'TOTAL', counters: { ordersConfirmed: 1 } }],
    };
    client.responder = () => {
      if (client.sent.length < 3) throw conflict;
      return {};
    };

    // Act
    const third = await store.addAll([event]);
    client.responder = () => {
      throw conflict;
    };
    const never = await store.addAll([event]);

    // Assess: a conflict is not taken for a counted event
    expect(third).toEqual({ outcomes: ['added'] });
    expect(never).toEqual({ outcomes: ['not-applied'], error: conflict });
    expect(client.sent).toHaveLength(6);
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
