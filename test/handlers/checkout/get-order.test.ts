import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbOrderRepository } from '../../../lambdas/checkout/adapters/dynamodb-order-repository';
import { createGetOrderHandler } from '../../../lambdas/checkout/handlers/get-order';
import { ORDER_ID, storedOrder } from '../../unit/checkout/fakes';
import { awsError, FakeDynamoDb } from '../inventory/fake-dynamodb';
import { CUSTOMER_SUB, cognitoClaims, getOrderEvent, lambdaContext } from './api-gateway-events';

describe('GET /orders/{orderId} handler', () => {
  let dynamo: FakeDynamoDb;
  let handler: ReturnType<typeof createGetOrderHandler>;

  beforeEach(() => {
    dynamo = new FakeDynamoDb({ orders: ['orderId'] });
    dynamo.seed('orders', [{ ...storedOrder({ customerId: CUSTOMER_SUB }) }]);
    const orders = new DynamoDbOrderRepository('orders', dynamo);
    handler = createGetOrderHandler(() => ({ orders }));
  });

  it("answers 200 with the customer's order and history", async () => {
    // Act
    const response = await handler(getOrderEvent(ORDER_ID), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({
      orderId: ORDER_ID,
      status: 'FAILED',
      items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1999 }],
      total: 3998,
      currency: 'EUR',
      history: [
        { status: 'PENDING', at: '2026-11-24T21:00:00.000Z' },
        { status: 'FAILED', at: '2026-11-24T21:00:01.000Z', reason: 'PAYMENT_DECLINED' },
      ],
    });
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
