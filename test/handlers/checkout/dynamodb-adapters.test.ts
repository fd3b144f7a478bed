import type { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbOrderRepository } from '../../../lambdas/checkout/adapters/dynamodb-order-repository';
import { DynamoDbPriceCatalogue } from '../../../lambdas/checkout/adapters/dynamodb-price-catalogue';
import { executionArnOf } from '../../../lambdas/checkout/adapters/sfn-saga-starter';
import { storedOrder } from '../../unit/checkout/fakes';
import { awsError, FakeDynamoDb } from '../inventory/fake-dynamodb';

describe('checkout DynamoDB adapters', () => {
  it('reads again the keys DynamoDB left unprocessed', async () => {
    // Prepare: the first round processes only SKU-1.
    let round = 0;
    const client = {
      send: async (command: BatchGetCommand) => {
        round += 1;
        const table = command.input.RequestItems!.inventory!;
        if (round === 1) {
          return {
            Responses: { inventory: [{ sku: 'SKU-1', price: 100, currency: 'EUR' }] },
            UnprocessedKeys: { inventory: { Keys: table.Keys!.slice(1) } },
          };
        }
        return { Responses: { inventory: [{ sku: 'SKU-2', price: 200, currency: 'EUR' }] } };
      },
    };

    // Act
    const prices = await new DynamoDbPriceCatalogue('inventory', client as never).pricesOf([
      'SKU-1',
      'SKU-2',
    ]);

    // Assess
    expect([...prices.keys()]).toEqual(['SKU-1', 'SKU-2']);
    expect(round).toBe(2);
  });

  it('gives up when keys stay unprocessed', async () => {
    // Prepare
    const client = {
      send: async (command: BatchGetCommand) => ({
        UnprocessedKeys: { inventory: command.input.RequestItems!.inventory },
      }),
    };

    // Act / Assess
    await expect(
      new DynamoDbPriceCatalogue('inventory', client as never).pricesOf(['SKU-1']),
    ).rejects.toThrow('could not be read');
  });

  it('returns the existing order when the conditional put fails', async () => {
    // Prepare
    const dynamo = new FakeDynamoDb({ orders: ['orderId'] });
    const repository = new DynamoDbOrderRepository('orders', dynamo);
    await repository.createIfAbsent(storedOrder());

    // Act
    const second = await repository.createIfAbsent(storedOrder({ total: 1 }));

    // Assess
    expect(second).toMatchObject({ created: false, existing: { total: 3998 } });
  });

  it('rethrows other put errors', async () => {
    // Prepare
    const dynamo = new FakeDynamoDb({ orders: ['orderId'] });
    dynamo.failWith = awsError('ValidationException');

    // Act / Assess
    await expect(new DynamoDbOrderRepository('orders', dynamo).createIfAbsent(storedOrder())).rejects.toThrow(
      'ValidationException',
    );
  });

  it('derives the execution ARN from the state machine ARN', () => {
    expect(executionArnOf('arn:aws:states:eu-central-1:123456789012:stateMachine:OrderSaga', 'o-1')).toBe(
      'arn:aws:states:eu-central-1:123456789012:execution:OrderSaga:o-1',
    );
  });
});
