import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbOrderRepository } from '../../../lambdas/checkout/adapters/dynamodb-order-repository';
import { DynamoDbPriceCatalogue } from '../../../lambdas/checkout/adapters/dynamodb-price-catalogue';
import { placeOrder } from '../../../lambdas/checkout/use-cases/place-order';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';
import { InMemorySagaStarter, validRequestBody } from '../../unit/checkout/fakes';

describe('checkout on the local DynamoDB server', () => {
  let orders: TestTable;
  let inventory: TestTable;

  beforeAll(async () => {
    const endpoint = inject('localServices').dynamodbEndpoint;
    [orders, inventory] = await Promise.all([
      createTestTable(endpoint, 'orders', 'orderId'),
      createTestTable(endpoint, 'inventory', 'pk'),
    ]);
    for (const [sku, price] of [
      ['SKU-1', 1999],
      ['SKU-2', 500],
    ] as const) {
      await inventory.documentClient.send(
        new PutCommand({
          TableName: inventory.name,
          Item: { pk: `SKU#${sku}`, sku, name: sku, available: 10, price, currency: 'EUR' },
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all([orders.drop(), inventory.drop()]);
  });

  it('prices from the inventory table and creates one order under concurrent replays', async () => {
    // Prepare
    const saga = new InMemorySagaStarter();
    const deps = {
      orders: new DynamoDbOrderRepository(orders.name, orders.documentClient),
      prices: new DynamoDbPriceCatalogue(inventory.name, inventory.documentClient),
      saga,
    };
    const command = { customerId: `c-${Date.now()}`, request: validRequestBody(), idempotencyKey: 'it-key' };

    // Act
    const results = await Promise.all([placeOrder(command, deps), placeOrder(command, deps)]);
    const stored = await deps.orders.get(results[0].orderId);

    // Assess
    expect(new Set(results.map((r) => r.orderId)).size).toBe(1);
    expect(saga.executions.size).toBe(1);
    expect(stored).toMatchObject({
      status: 'PENDING',
      total: 4498,
      items: [{ unitPrice: 1999 }, { unitPrice: 500 }],
    });
  });
});
