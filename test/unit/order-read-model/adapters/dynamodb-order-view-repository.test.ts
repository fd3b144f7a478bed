import { describe, expect, it } from 'vitest';
import { DynamoDbOrderViewRepository } from '../../../../lambdas/order-read-model/adapters/dynamodb-order-view-repository';
import { emptyView } from '../../../../lambdas/order-read-model/domain/order-view';
import { ConcurrentUpdateError } from '../../../../lambdas/order-read-model/ports/order-view-repository';
import { conditionalCheckFailed, FakeDocumentClient } from '../../../fixtures/consumers/fake-document-client';

describe('DynamoDbOrderViewRepository', () => {
  it('loads an item with a consistent read and separates its version', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    client.responder = () => ({
      Item: { orderId: 'o-1', status: 'PAID', history: [], version: 3, requestHash: 'h' },
    });
    const repository = new DynamoDbOrderViewRepository(client.asClient(), 'orders');

    // Act
    const stored = await repository.load('o-1');

    // Assess
    expect(stored).toEqual({
      view: { orderId: 'o-1', status: 'PAID', history: [], requestHash: 'h' },
      version: 3,
    });
    expect(client.sent[0]).toEqual({
      name: 'GetCommand',
      input: { TableName: 'orders', Key: { orderId: 'o-1' }, ConsistentRead: true },
    });
  });

  it('reads the checkout item (no version, no history) as version undefined', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    client.responder = () => ({ Item: { orderId: 'o-1', status: 'PENDING' } });
    const repository = new DynamoDbOrderViewRepository(client.asClient(), 'orders');

    // Act
    const stored = await repository.load('o-1');

    // Assess
    expect(stored).toEqual({ view: { orderId: 'o-1', status: 'PENDING', history: [] }, version: undefined });
    expect(
      await new DynamoDbOrderViewRepository(new FakeDocumentClient().asClient(), 'orders').load('x'),
    ).toBeUndefined();
  });

  it('puts the next version on the condition that the stored version is unchanged', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const repository = new DynamoDbOrderViewRepository(client.asClient(), 'orders');

    // Act
    await repository.save(emptyView('o-1'), 4);
    await repository.save(emptyView('o-2'), undefined);

    // Assess
    expect(client.sent[0].input).toMatchObject({
      Item: { orderId: 'o-1', version: 5 },
      ConditionExpression: '#version = :expected',
      ExpressionAttributeValues: { ':expected': 4 },
    });
    expect(client.sent[1].input).toMatchObject({
      Item: { orderId: 'o-2', version: 1 },
      ConditionExpression: 'attribute_not_exists(#version)',
    });
    expect(client.sent[1].input.ExpressionAttributeValues).toBeUndefined();
  });

  it('maps a failed condition to ConcurrentUpdateError and passes other errors on', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const repository = new DynamoDbOrderViewRepository(client.asClient(), 'orders');
    client.responder = () => {
      throw conditionalCheckFailed();
    };

    // Act
    const conflict = repository.save(emptyView('o-1'), 1);

    // Assess
    await expect(conflict).rejects.toBeInstanceOf(ConcurrentUpdateError);
    client.responder = () => {
      throw new Error('throttled');
    };
    await expect(repository.save(emptyView('o-1'), 1)).rejects.toThrow('throttled');
  });
});
