import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbOrderViewRepository } from '../../../lambdas/order-read-model/adapters/dynamodb-order-view-repository';
import { ConcurrentUpdateError } from '../../../lambdas/order-read-model/ports/order-view-repository';
import { projectOrderEvent } from '../../../lambdas/order-read-model/use-cases/project-order-event';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';
import { ADDRESS, orderEvents as e, ITEMS, ORDER_ID, TOTAL } from '../../fixtures/consumers/order-events';

describe('order read model on the local DynamoDB server', () => {
  let table: TestTable;
  let repository: DynamoDbOrderViewRepository;

  beforeAll(async () => {
    table = await createTestTable(inject('localServices').dynamodbEndpoint, 'orders', 'orderId');
    repository = new DynamoDbOrderViewRepository(table.documentClient, table.name);
  });

  afterAll(async () => {
    await table.drop();
  });

  it('projects concurrently delivered events on top of the checkout item, keeping its attributes', async () => {
    // Prepare: the item as the checkout writes it.
    await table.documentClient.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          orderId: ORDER_ID,
          customerId: 'customer-42',
          status: 'PENDING',
          items: ITEMS,
          total: TOTAL,
          currency: 'EUR',
          email: 'ada@example.com',
          shippingAddress: ADDRESS,
          history: [{ status: 'PENDING', at: '2026-11-24T09:59:59.900Z' }],
          requestHash: 'hash-1',
          correlationId: 'corr-1',
          createdAt: '2026-11-24T09:59:59.900Z',
          updatedAt: '2026-11-24T09:59:59.900Z',
        },
      }),
    );
    const events = [
      e.orderConfirmed('2026-11-24T10:00:00.700Z'),
      e.paymentCaptured('2026-11-24T10:00:00.500Z'),
      e.orderPlaced('2026-11-24T10:00:00.000Z'),
      e.stockReserved('2026-11-24T10:00:00.200Z'),
      e.shipmentCreated('2026-11-24T10:00:01.000Z'),
    ];

    // Act
    const outcomes = await Promise.all(
      events.map((event) => projectOrderEvent(repository, event, { maxAttempts: 20 })),
    );
    const duplicate = await projectOrderEvent(repository, events[0]);

    // Assess
    expect(outcomes).toEqual(events.map(() => 'applied'));
    expect(duplicate).toBe('duplicate');
    const stored = await repository.load(ORDER_ID);
    expect(stored?.version).toBe(events.length);
    expect(stored?.view).toMatchObject({
      status: 'CONFIRMED',
      requestHash: 'hash-1',
      correlationId: 'corr-1',
      createdAt: '2026-11-24T09:59:59.900Z',
      shipmentId: `SHP-${ORDER_ID}`,
    });
    expect(stored?.view.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'STOCK_RESERVED',
      'PAID',
      'CONFIRMED',
    ]);
  });

  it('refuses a save based on a stale version', async () => {
    // Prepare
    const stored = await repository.load(ORDER_ID);

    // Act
    const stale = repository.save(stored!.view, (stored!.version ?? 0) - 1);

    // Assess
    await expect(stale).rejects.toBeInstanceOf(ConcurrentUpdateError);
    await expect(repository.save(stored!.view, undefined)).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });
});
