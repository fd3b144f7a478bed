import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbAnalyticsStore } from '../../../lambdas/analytics/adapters/dynamodb-analytics-store';
import { createAnalyticsHandler } from '../../../lambdas/analytics/handlers/analytics';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';
import { lambdaContext } from '../../fixtures/consumers/lambda-context';
import { orderEvents as e, eventId } from '../../fixtures/consumers/order-events';
import { InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { mskEventOf } from '../../fixtures/msk';

describe('analytics handler on the local DynamoDB server, with no idempotency table', () => {
  let analytics: TestTable;

  beforeAll(async () => {
    analytics = await createTestTable(inject('localServices').dynamodbEndpoint, 'analytics', 'pk', 'sk');
  });

  afterAll(async () => {
    await analytics.drop();
  });

  const setup = () => {
    const store = new DynamoDbAnalyticsStore(analytics.documentClient, analytics.name);
    const handle = createAnalyticsHandler({ store, failedRecordSink: new InMemoryFailedRecordSink() });
    return { store, handle };
  };

  it('counts a redelivered batch once', async () => {
    // Prepare
    const { store, handle } = setup();
    const batch = mskEventOf([
      e.orderPlaced('2026-11-25T10:00:00.000Z'),
      e.orderConfirmed('2026-11-25T10:00:01.000Z'),
    ]);

    // Act
    const first = await handle(batch, lambdaContext('analytics'));
    const redelivered = await handle(batch, lambdaContext('analytics'));

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(await store.readDayTotals('2026-11-25')).toEqual({
      ordersPlaced: 1,
      ordersConfirmed: 1,
      units: 3,
      revenue_EUR: 4498,
    });
  });

  it('counts an order event republished under a new eventId once', async () => {
    // Prepare: an order of its own, as the markers are per order.
    const { store, handle } = setup();
    const confirmed = { ...e.orderConfirmed('2026-11-26T10:00:01.000Z'), orderId: randomUUID() };
    await handle(mskEventOf([confirmed]), lambdaContext('analytics'));

    // Act
    const republished = await handle(
      mskEventOf([{ ...confirmed, eventId: eventId() }]),
      lambdaContext('analytics'),
    );

    // Assess
    expect(republished.batchItemFailures).toEqual([]);
    expect(await store.readDayTotals('2026-11-26')).toEqual({
      ordersConfirmed: 1,
      units: 3,
      revenue_EUR: 4498,
    });
  });
});
