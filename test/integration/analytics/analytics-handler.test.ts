import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbAnalyticsStore } from '../../../lambdas/analytics/adapters/dynamodb-analytics-store';
import { createAnalyticsHandler } from '../../../lambdas/analytics/handlers/analytics';
import { localDynamoDbClient } from '../../../local/infra/aws-clients';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';
import { lambdaContext } from '../../fixtures/consumers/lambda-context';
import { orderEvents as e } from '../../fixtures/consumers/order-events';
import { InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { mskEventOf } from '../../fixtures/msk';

describe('analytics handler with Powertools idempotency on the local DynamoDB server', () => {
  let analytics: TestTable;
  let idempotency: TestTable;

  beforeAll(async () => {
    const endpoint = inject('localStack').dynamodbEndpoint;
    [analytics, idempotency] = await Promise.all([
      createTestTable(endpoint, 'analytics', 'pk', 'sk'),
      createTestTable(endpoint, 'idempotency', 'id'),
    ]);
  });

  afterAll(async () => {
    await Promise.all([analytics.drop(), idempotency.drop()]);
  });

  it('counts a redelivered batch once', async () => {
    // Prepare
    const handle = createAnalyticsHandler({
      store: new DynamoDbAnalyticsStore(analytics.documentClient, analytics.name),
      failedRecordSink: new InMemoryFailedRecordSink(),
      idempotencyStore: new DynamoDBPersistenceLayer({
        tableName: idempotency.name,
        awsSdkV3Client: localDynamoDbClient(inject('localStack').dynamodbEndpoint),
      }),
    });
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
    const totals = await new DynamoDbAnalyticsStore(analytics.documentClient, analytics.name).readDayTotals(
      '2026-11-25',
    );
    expect(totals).toMatchObject({ ordersPlaced: 1, ordersConfirmed: 1, revenue_EUR: 4498 });
  });
});
