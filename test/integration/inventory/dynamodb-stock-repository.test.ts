import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { DynamoDbStockRepository } from '../../../lambdas/inventory/adapters/dynamodb-stock-repository';
import { releaseStock } from '../../../lambdas/inventory/use-cases/release-stock';
import { reserveStock } from '../../../lambdas/inventory/use-cases/reserve-stock';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';
import { InMemoryEventPublisher } from '../../fixtures/in-memory-event-publisher';
import { RecordingSagaCallback } from '../../unit/saga/fakes';

describe('stock reservations on the local DynamoDB server', () => {
  let table: TestTable;
  let stock: DynamoDbStockRepository;

  beforeAll(async () => {
    table = await createTestTable(inject('localServices').dynamodbEndpoint, 'inventory', 'pk');
    stock = new DynamoDbStockRepository(table.name, table.documentClient);
  });

  afterAll(async () => {
    await table.drop();
  });

  async function seed(sku: string, available: number) {
    await table.documentClient.send(
      new PutCommand({
        TableName: table.name,
        Item: { pk: `SKU#${sku}`, sku, name: sku, available, price: 100, currency: 'EUR' },
      }),
    );
  }

  async function available(sku: string) {
    const { Item } = await table.documentClient.send(
      new GetCommand({ TableName: table.name, Key: { pk: `SKU#${sku}` }, ConsistentRead: true }),
    );
    return Item?.available;
  }

  beforeEach(async () => {
    await Promise.all([seed('IT-A', 5), seed('IT-B', 1)]);
  });

  it('never oversells under concurrent reservations of the last units', async () => {
    // Prepare
    await seed('IT-HOT', 3);
    const orders = Array.from({ length: 8 }, (_, i) => `hot-order-${i}-${Date.now()}`);

    // Act
    const results = await Promise.all(
      orders.map((orderId) => stock.reserve(orderId, [{ sku: 'IT-HOT', quantity: 1 }])),
    );

    // Assess
    expect(results.filter((r) => r.outcome === 'RESERVED')).toHaveLength(3);
    expect(results.filter((r) => r.outcome !== 'RESERVED').every((r) => r.outcome === 'OUT_OF_STOCK')).toBe(
      true,
    );
    expect(await available('IT-HOT')).toBe(0);
  });

  it('reserves an order once under duplicate commands, concurrent or later', async () => {
    // Prepare
    const orderId = `dup-${Date.now()}`;
    const lines = [
      { sku: 'IT-A', quantity: 2 },
      { sku: 'IT-B', quantity: 1 },
    ];

    // Act
    const concurrent = await Promise.all([stock.reserve(orderId, lines), stock.reserve(orderId, lines)]);
    const later = await stock.reserve(orderId, lines);

    // Assess
    expect(concurrent.map((r) => r.outcome).sort()).toEqual(['ALREADY_RESERVED', 'RESERVED']);
    expect(later.outcome).toBe('ALREADY_RESERVED');
    expect([await available('IT-A'), await available('IT-B')]).toEqual([3, 0]);
  });

  it('tells an unknown SKU from a short one and changes nothing', async () => {
    // Act
    const unknown = await stock.reserve(`u-${Date.now()}`, [
      { sku: 'IT-A', quantity: 1 },
      { sku: 'IT-NOPE', quantity: 1 },
    ]);
    const short = await stock.reserve(`s-${Date.now()}`, [
      { sku: 'IT-A', quantity: 1 },
      { sku: 'IT-B', quantity: 2 },
    ]);

    // Assess
    expect(unknown).toEqual({ outcome: 'UNKNOWN_SKU', skus: ['IT-NOPE'] });
    expect(short).toEqual({ outcome: 'OUT_OF_STOCK', skus: ['IT-B'] });
    expect([await available('IT-A'), await available('IT-B')]).toEqual([5, 1]);
  });

  it('releases once through the use cases and answers the saga every time', async () => {
    // Prepare
    const orderId = `rel-${Date.now()}`;
    const callback = new RecordingSagaCallback();
    const deps = { stock, callback, publisher: new InMemoryEventPublisher() };
    const command = { orderId, correlationId: 'corr', taskToken: 't', items: [{ sku: 'IT-A', quantity: 4 }] };
    await reserveStock(command, deps);

    // Act
    const results = await Promise.all([releaseStock(command, deps), releaseStock(command, deps)]);
    const never = await releaseStock({ ...command, orderId: `never-${Date.now()}` }, deps);

    // Assess
    expect(results.map((r) => r.outcome).sort()).toEqual(['ALREADY_RELEASED', 'RELEASED']);
    expect(never.outcome).toBe('NOT_RESERVED');
    expect(await available('IT-A')).toBe(5);
    expect(callback.calls.every((call) => call.kind === 'success')).toBe(true);
  });
});
