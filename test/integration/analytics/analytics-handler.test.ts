import { randomUUID } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbAnalyticsStore } from '../../../lambdas/analytics/adapters/dynamodb-analytics-store';
import { createAnalyticsHandler } from '../../../lambdas/analytics/handlers/analytics';
import { localDynamoDbClient } from '../../../local/infra/aws-clients';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';
import { lambdaContext } from '../../fixtures/consumers/lambda-context';
import { orderEvents as e, eventId } from '../../fixtures/consumers/order-events';
import { InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { mskEvent, mskEventOf } from '../../fixtures/msk';

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

  /**
   * The table's client with its TransactWriteItems counted, and the `failing`-th one (1-based)
   * refused before it reaches the server, as a throttle would be.
   */
  const transactionsOf = (failing?: number) => {
    // A client of its own: a document client shares its base client's middleware stack.
    const client = DynamoDBDocumentClient.from(localDynamoDbClient(inject('localServices').dynamodbEndpoint));
    const transactions: number[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand') {
          const input = args.input as { TransactItems: unknown[] };
          transactions.push(input.TransactItems.length);
          if (transactions.length === failing) throw new Error('ProvisionedThroughputExceeded');
        }
        return next(args);
      },
      { step: 'initialize', name: 'countTransactions' },
    );
    const store = new DynamoDbAnalyticsStore(client, analytics.name);
    const handle = createAnalyticsHandler({ store, failedRecordSink: new InMemoryFailedRecordSink() });
    return { store, handle, transactions };
  };

  /** Orders of their own on one day: OrderPlaced and OrderConfirmed each, on partition `order % 4`. */
  const ordersOn = (day: string, orders: number) =>
    Array.from({ length: orders }, (_, order) => {
      const orderId = randomUUID();
      const options = { partition: order % 4 };
      return [
        { envelope: { ...e.orderPlaced(`${day}T10:00:00.000Z`), orderId }, options },
        { envelope: { ...e.orderConfirmed(`${day}T10:00:01.000Z`), orderId }, options },
      ];
    }).flat();

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

  it('folds a batch into a few transactions and drops what the cancellation names as counted', async () => {
    // Prepare: 200 orders; the first 10 events of partition 0 counted before, one event delivered twice
    const records = ordersOn('2026-11-27', 200);
    const { handle, store, transactions } = transactionsOf();
    await handle(
      mskEvent(records.filter(({ options }) => options.partition === 0).slice(0, 10)),
      lambdaContext('analytics'),
    );
    transactions.length = 0;

    // Act
    const response = await handle(mskEvent([...records, records[20]!]), lambdaContext('analytics'));

    // Assess: 401 records in 5 transactions, the first sent again without the 10 counted markers
    expect(response.batchItemFailures).toEqual([]);
    expect(transactions).toHaveLength(6);
    expect(transactions[1]).toBe(transactions[0]! - 10);
    expect(Math.max(...transactions)).toBeLessThanOrEqual(100);
    expect(await store.readDayTotals('2026-11-27')).toEqual({
      ordersPlaced: 200,
      ordersConfirmed: 200,
      units: 600,
      revenue_EUR: 200 * 4498,
    });
  });

  it('after a transient error, reports the records not written and counts each once when they come back', async () => {
    // Prepare: 200 orders, 400 records on 4 partitions; the second transaction is refused
    const records = ordersOn('2026-11-28', 200);
    const { handle, store } = transactionsOf(2);
    const event = mskEvent(records);

    // Act
    const failed = await handle(event, lambdaContext('analytics'));
    const retried = failed.batchItemFailures.map(({ itemIdentifier }) => itemIdentifier);
    const redelivered = {
      ...event,
      records: Object.fromEntries(
        Object.entries(event.records).map(([partition, partitionRecords]) => [
          partition,
          partitionRecords.filter((record) =>
            retried.some((retry) => retry.partition === partition && retry.offset === record.offset),
          ),
        ]),
      ),
    };
    const second = await transactionsOf().handle(redelivered, lambdaContext('analytics'));

    // Assess: in every partition, the failures run from one offset to its last record
    expect(retried.length).toBeGreaterThan(0);
    for (const [partition, partitionRecords] of Object.entries(event.records)) {
      const failedOffsets = retried
        .filter((retry) => retry.partition === partition)
        .map((retry) => retry.offset);
      expect(failedOffsets).toEqual(
        partitionRecords.slice(partitionRecords.length - failedOffsets.length).map((record) => record.offset),
      );
    }
    expect(second.batchItemFailures).toEqual([]);
    expect(await store.readDayTotals('2026-11-28')).toEqual({
      ordersPlaced: 200,
      ordersConfirmed: 200,
      units: 600,
      revenue_EUR: 200 * 4498,
    });
  });
});
