import { describe, expect, it } from 'vitest';
import { DynamoDbStockRepository } from '../../../lambdas/inventory/adapters/dynamodb-stock-repository';
import { awsError, FakeDynamoDb } from './fake-dynamodb';

const ORDER_ID = '3f1c2b9e-5d4a-4c7b-8e2f-1a2b3c4d5e6f';

function setUp() {
  const dynamo = new FakeDynamoDb({ inventory: ['pk'] });
  dynamo.seed('inventory', [{ pk: 'SKU#SKU-1', sku: 'SKU-1', available: 5, price: 100, currency: 'EUR' }]);
  return {
    dynamo,
    stock: new DynamoDbStockRepository('inventory', dynamo, () => new Date('2026-11-24T21:00:00Z')),
  };
}

describe('DynamoDbStockRepository', () => {
  it('retries a transaction that collided with another one on the same SKU', async () => {
    // Prepare
    const { dynamo, stock } = setUp();
    const send = dynamo.send;
    let collisions = 1;
    Object.assign(dynamo, {
      send: async (command: unknown) => {
        if (collisions-- > 0) {
          throw awsError('TransactionCanceledException', 'conflict', {
            CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
          });
        }
        return send(command);
      },
    });

    // Act
    const result = await stock.reserve(ORDER_ID, [{ sku: 'SKU-1', quantity: 1 }]);

    // Assess
    expect(result.outcome).toBe('RESERVED');
  });

  it('gives up after repeated collisions', async () => {
    // Prepare
    const { dynamo, stock } = setUp();
    dynamo.failWith = awsError('TransactionCanceledException', 'conflict', {
      CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
    });

    // Act / Assess
    await expect(stock.reserve(ORDER_ID, [{ sku: 'SKU-1', quantity: 1 }])).rejects.toThrow('conflict');
  });

  it('rethrows errors that are not cancellations', async () => {
    // Prepare
    const { dynamo, stock } = setUp();
    dynamo.failWith = awsError('InternalServerError');

    // Act / Assess
    await expect(stock.reserve(ORDER_ID, [{ sku: 'SKU-1', quantity: 1 }])).rejects.toThrow(
      'InternalServerError',
    );
    await expect(stock.release(ORDER_ID)).rejects.toThrow('InternalServerError');
  });

  it('decides again when a release races with a reservation', async () => {
    // Prepare: between our read (nothing there) and our marker put, the reservation lands.
    const { dynamo, stock } = setUp();
    const send = dynamo.send;
    let raced = false;
    Object.assign(dynamo, {
      send: async (command: unknown) => {
        if (!raced && (command as { constructor: { name: string } }).constructor.name === 'PutCommand') {
          raced = true;
          await stock.reserve(ORDER_ID, [{ sku: 'SKU-1', quantity: 2 }]);
        }
        return send(command);
      },
    });

    // Act
    const result = await stock.release(ORDER_ID);

    // Assess
    expect(result).toEqual({ outcome: 'RELEASED', items: [{ sku: 'SKU-1', quantity: 2 }] });
    expect(dynamo.item('inventory', { pk: 'SKU#SKU-1' })?.available).toBe(5);
  });
});
