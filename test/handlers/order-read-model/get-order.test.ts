import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbOrderViewRepository } from '../../../lambdas/order-read-model/adapters/dynamodb-order-view-repository';
import { createGetOrderHandler } from '../../../lambdas/order-read-model/handlers/get-order';
import { ORDER_ID } from '../../fixtures/consumers/order-events';
import { SHOWN_TO_CUSTOMER, storedView } from '../../unit/order-read-model/stored-view';
import { CUSTOMER_SUB, cognitoClaims, getOrderEvent, lambdaContext } from '../checkout/api-gateway-events';
import { awsError, FakeDynamoDb } from '../inventory/fake-dynamodb';

describe('GET /orders/{orderId} handler', () => {
  let dynamo: FakeDynamoDb;
  let handler: ReturnType<typeof createGetOrderHandler>;

  beforeEach(() => {
    dynamo = new FakeDynamoDb({ orders: ['orderId'] });
    // The item as the table holds it, with attributes of checkout and of the projection alike.
    dynamo.seed('orders', [{ ...storedView({ customerId: CUSTOMER_SUB }), requestHash: 'abc', version: 3 }]);
    const views = new DynamoDbOrderViewRepository(dynamo, 'orders');
    handler = createGetOrderHandler(() => ({ views }));
  });

  it("answers 200 with the customer's order and history", async () => {
    // Act
    const response = await handler(getOrderEvent(ORDER_ID), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual(SHOWN_TO_CUSTOMER);
  });

  it("answers 404 for another customer's order", async () => {
    // Act
    const response = await handler(
      getOrderEvent(ORDER_ID, { claims: cognitoClaims('someone-else') }),
      lambdaContext,
    );

    // Assess
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).error.code).toBe('NOT_FOUND');
  });

  it('answers 404 for a missing order and for a malformed id', async () => {
    // Act
    const missing = await handler(getOrderEvent('9d2c4b7e-1111-4222-8333-444455556666'), lambdaContext);
    const malformed = await handler(getOrderEvent('not-a-uuid'), lambdaContext);

    // Assess
    expect([missing.statusCode, malformed.statusCode]).toEqual([404, 404]);
  });

  it('answers 401 without claims', async () => {
    // Act
    const response = await handler(getOrderEvent(ORDER_ID, { claims: null }), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(401);
  });

  it('answers 500 without internals when the table fails', async () => {
    // Prepare
    dynamo.failWith = awsError('InternalServerError', 'table arn:aws:dynamodb:secret');

    // Act
    const response = await handler(getOrderEvent(ORDER_ID), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
  });
});
