import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbOrderRepository } from '../../../lambdas/checkout/adapters/dynamodb-order-repository';
import { DynamoDbPriceCatalogue } from '../../../lambdas/checkout/adapters/dynamodb-price-catalogue';
import { SfnSagaStarter } from '../../../lambdas/checkout/adapters/sfn-saga-starter';
import { deterministicOrderId } from '../../../lambdas/checkout/domain/order-id';
import { createPlaceOrderHandler } from '../../../lambdas/checkout/handlers/place-order';
import { validRequestBody } from '../../unit/checkout/fakes';
import { awsError, FakeDynamoDb } from '../inventory/fake-dynamodb';
import { FakeStepFunctions } from '../saga/fake-sfn';
import { CUSTOMER_SUB, cognitoClaims, lambdaContext, postOrder } from './api-gateway-events';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-central-1:123456789012:stateMachine:OrderSaga';

describe('POST /orders handler', () => {
  let dynamo: FakeDynamoDb;
  let sfn: FakeStepFunctions;
  let handler: ReturnType<typeof createPlaceOrderHandler>;

  beforeEach(() => {
    dynamo = new FakeDynamoDb({ orders: ['orderId'], inventory: ['pk'] });
    dynamo.seed('inventory', [
      { pk: 'SKU#SKU-1', sku: 'SKU-1', name: 'Mug', available: 10, price: 1999, currency: 'EUR' },
      { pk: 'SKU#SKU-2', sku: 'SKU-2', name: 'Pen', available: 10, price: 500, currency: 'EUR' },
    ]);
    sfn = new FakeStepFunctions();
    const deps = {
      orders: new DynamoDbOrderRepository('orders', dynamo),
      prices: new DynamoDbPriceCatalogue('inventory', dynamo),
      saga: new SfnSagaStarter(STATE_MACHINE_ARN, sfn),
    };
    handler = createPlaceOrderHandler(() => deps);
  });

  const body = (response: { body: string }) => JSON.parse(response.body);

  it('answers 202 with the order id and Location, writes the order and starts the execution', async () => {
    // Act
    const response = await handler(postOrder(validRequestBody()), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(202);
    const { orderId, status } = body(response);
    expect(status).toBe('PENDING');
    expect(response.headers).toMatchObject({
      Location: `/orders/${orderId}`,
      'Content-Type': 'application/json',
    });
    expect(dynamo.item('orders', { orderId })).toMatchObject({
      customerId: CUSTOMER_SUB,
      status: 'PENDING',
      total: 4498,
    });
    const execution = sfn.executions.get(
      `arn:aws:states:eu-central-1:123456789012:execution:OrderSaga:${orderId}`,
    );
    expect(JSON.parse(execution!.input)).toMatchObject({
      orderId,
      customerId: CUSTOMER_SUB,
      paymentToken: 'tok_approve',
      correlationId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      items: [
        { sku: 'SKU-1', quantity: 2, unitPrice: 1999 },
        { sku: 'SKU-2', quantity: 1, unitPrice: 500 },
      ],
    });
  });

  it('replays the same Idempotency-Key and body to the same order and starts nothing new', async () => {
    // Prepare
    const request = postOrder(validRequestBody(), { headers: { 'Idempotency-Key': 'checkout-1' } });
    const first = await handler(request, lambdaContext);

    // Act: a lower-case header name, as HTTP/2 clients send it.
    const second = await handler(
      postOrder(validRequestBody(), { headers: { 'idempotency-key': 'checkout-1' } }),
      lambdaContext,
    );

    // Assess
    expect(second.statusCode).toBe(202);
    expect(body(second).orderId).toBe(body(first).orderId);
    expect(body(first).orderId).toBe(deterministicOrderId(CUSTOMER_SUB, 'checkout-1'));
    expect(sfn.starts).toBe(1);
  });

  it('replays to the same order after the execution finished (ExecutionAlreadyExists, same input)', async () => {
    // Prepare
    const request = postOrder(validRequestBody(), { headers: { 'Idempotency-Key': 'checkout-1' } });
    const first = await handler(request, lambdaContext);
    for (const execution of sfn.executions.values()) execution.status = 'SUCCEEDED';

    // Act
    const second = await handler(request, lambdaContext);

    // Assess
    expect(second.statusCode).toBe(202);
    expect(body(second).orderId).toBe(body(first).orderId);
    expect(sfn.starts).toBe(1);
  });

  it('answers 409 for the same key with a different body', async () => {
    // Prepare
    await handler(
      postOrder(validRequestBody(), { headers: { 'Idempotency-Key': 'checkout-1' } }),
      lambdaContext,
    );
    const changed = { ...validRequestBody(), items: [{ sku: 'SKU-1', quantity: 1 }] };

    // Act
    const response = await handler(
      postOrder(changed, { headers: { 'Idempotency-Key': 'checkout-1' } }),
      lambdaContext,
    );

    // Assess
    expect(response.statusCode).toBe(409);
    expect(body(response).error).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: expect.stringMatching(/different order request/),
    });
    expect(sfn.starts).toBe(1);
  });

  it('answers 409 when an execution of that name exists with another input', async () => {
    // Prepare: the execution exists, the order row does not (e.g. the table was restored).
    const orderId = deterministicOrderId(CUSTOMER_SUB, 'checkout-1');
    sfn.executions.set(`arn:aws:states:eu-central-1:123456789012:execution:OrderSaga:${orderId}`, {
      input: JSON.stringify({ orderId, other: true }),
      status: 'SUCCEEDED',
    });

    // Act
    const response = await handler(
      postOrder(validRequestBody(), { headers: { 'Idempotency-Key': 'checkout-1' } }),
      lambdaContext,
    );

    // Assess
    expect(response.statusCode).toBe(409);
  });

  it('makes a new order for every call without a key', async () => {
    // Act
    const first = await handler(postOrder(validRequestBody()), lambdaContext);
    const second = await handler(postOrder(validRequestBody()), lambdaContext);

    // Assess
    expect(body(first).orderId).not.toBe(body(second).orderId);
    expect(sfn.starts).toBe(2);
  });

  it.each([
    ['no authorizer', { claims: null }],
    ['claims without sub', { claims: { email: 'ada@example.com' } }],
    ['an empty sub', { claims: { ...cognitoClaims(), sub: '' } }],
  ])('answers 401 with %s', async (_name, options) => {
    // Act
    const response = await handler(postOrder(validRequestBody(), options), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(401);
    expect(body(response).error.code).toBe('UNAUTHORIZED');
    expect(sfn.starts).toBe(0);
  });

  const badBodies: [string, unknown, string][] = [
    ['an unknown SKU', { ...validRequestBody(), items: [{ sku: 'SKU-404', quantity: 1 }] }, 'UNKNOWN_SKU'],
    ['a wrong type', { ...validRequestBody(), items: 'SKU-1' }, 'VALIDATION_ERROR'],
    ['an extra field', { ...validRequestBody(), discount: 50 }, 'VALIDATION_ERROR'],
    [
      'a client-supplied price',
      { ...validRequestBody(), items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1 }] },
      'VALIDATION_ERROR',
    ],
    [
      'a quantity over 100',
      { ...validRequestBody(), items: [{ sku: 'SKU-1', quantity: 101 }] },
      'VALIDATION_ERROR',
    ],
    [
      '51 lines',
      { ...validRequestBody(), items: Array.from({ length: 51 }, () => ({ sku: 'SKU-1', quantity: 1 })) },
      'VALIDATION_ERROR',
    ],
    ['a bad email', { ...validRequestBody(), email: 'ada' }, 'VALIDATION_ERROR'],
    ['a JSON null', null, 'VALIDATION_ERROR'],
    ['broken JSON', '{"items": [', 'INVALID_JSON'],
    ['an empty body', '', 'VALIDATION_ERROR'],
    ['a body over 64 KB', { ...validRequestBody(), note: 'x'.repeat(65 * 1024) }, 'PAYLOAD_TOO_LARGE'],
  ];

  it.each(badBodies)(
    'answers 400 for %s, with details, and creates nothing',
    async (_name, requestBody, code) => {
      // Act
      const response = await handler(postOrder(requestBody), lambdaContext);

      // Assess
      expect(response.statusCode).toBe(400);
      const { error } = body(response);
      expect(error.code).toBe(code);
      expect(error.message).toEqual(expect.any(String));
      expect(error.details.length).toBeGreaterThan(0);
      expect(dynamo.items('orders')).toHaveLength(0);
      expect(sfn.starts).toBe(0);
    },
  );

  it('answers 400 for a bad Idempotency-Key', async () => {
    // Act
    const response = await handler(
      postOrder(validRequestBody(), { headers: { 'Idempotency-Key': 'no spaces allowed' } }),
      lambdaContext,
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(body(response).error.details).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
  });

  it('answers 500 without internals when Step Functions fails', async () => {
    // Prepare
    sfn.failWith = awsError('ServiceUnavailable', 'internal endpoint sfn.internal:443 refused');

    // Act
    const response = await handler(postOrder(validRequestBody()), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('sfn.internal');
    expect(body(response).error.code).toBe('INTERNAL_ERROR');
  });
});
