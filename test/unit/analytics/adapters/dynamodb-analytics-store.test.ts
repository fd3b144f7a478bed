import { describe, expect, it } from 'vitest';
import { DynamoDbAnalyticsStore } from '../../../../lambdas/analytics/adapters/dynamodb-analytics-store';
import type { CountedMarker } from '../../../../lambdas/analytics/domain/aggregates';
import { FakeDocumentClient, transactionCanceled } from '../../../fixtures/consumers/fake-document-client';

const marker: CountedMarker = { pk: 'ORDER#o-1', sk: 'COUNTED#OrderConfirmed', eventId: 'e-1', expiresAt: 1 };

describe('DynamoDbAnalyticsStore', () => {
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
        { pk: 'DAY#2026-11-24', sk: 'TOTAL', counters: { ordersConfirmed: 1, revenue_EUR: 4498 } },
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
        Key: { pk: 'DAY#2026-11-24', sk: 'TOTAL' },
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
});
