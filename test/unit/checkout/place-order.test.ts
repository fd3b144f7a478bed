import { beforeEach, describe, expect, it } from 'vitest';
import {
  IdempotencyKeyConflictError,
  InvalidOrderRequestError,
} from '../../../lambdas/checkout/domain/errors';
import { deterministicOrderId } from '../../../lambdas/checkout/domain/order-id';
import type { PlaceOrderRequest } from '../../../lambdas/checkout/domain/place-order-request';
import { placeOrder, sagaInputOf } from '../../../lambdas/checkout/use-cases/place-order';
import {
  CATALOGUE,
  InMemoryOrderRepository,
  InMemoryPriceCatalogue,
  InMemorySagaStarter,
  validRequestBody,
} from './fakes';

const NOW = new Date('2026-11-24T21:00:00.000Z');

describe('placeOrder', () => {
  let orders: InMemoryOrderRepository;
  let saga: InMemorySagaStarter;
  let deps: Parameters<typeof placeOrder>[1];

  beforeEach(() => {
    orders = new InMemoryOrderRepository();
    saga = new InMemorySagaStarter();
    deps = { orders, prices: new InMemoryPriceCatalogue(CATALOGUE), saga, now: () => NOW };
  });

  const request = (): PlaceOrderRequest => validRequestBody();

  it('prices every line from the catalogue, writes the order PENDING and starts the saga', async () => {
    // Act
    const result = await placeOrder({ customerId: 'c-1', request: request(), correlationId: 'corr-1' }, deps);

    // Assess
    expect(result).toEqual({ orderId: expect.any(String), status: 'PENDING', replayed: false });
    const order = orders.orders.get(result.orderId)!;
    expect(order).toMatchObject({
      customerId: 'c-1',
      status: 'PENDING',
      items: [
        { sku: 'SKU-1', quantity: 2, unitPrice: 1999 },
        { sku: 'SKU-2', quantity: 1, unitPrice: 500 },
      ],
      total: 4498,
      currency: 'EUR',
      history: [{ status: 'PENDING', at: NOW.toISOString() }],
      createdAt: NOW.toISOString(),
    });
    expect(saga.calls).toEqual([
      {
        orderId: result.orderId,
        customerId: 'c-1',
        items: order.items,
        total: 4498,
        currency: 'EUR',
        email: 'ada@example.com',
        shippingAddress: request().shippingAddress,
        paymentToken: 'tok_approve',
        correlationId: 'corr-1',
        placedAt: NOW.toISOString(),
      },
    ]);
  });

  it('never stores the payment token on the order', async () => {
    // Act
    const { orderId } = await placeOrder({ customerId: 'c-1', request: request() }, deps);

    // Assess
    expect(JSON.stringify(orders.orders.get(orderId))).not.toContain('tok_approve');
  });

  it('derives the order id from customer and Idempotency-Key', async () => {
    // Act
    const result = await placeOrder({ customerId: 'c-1', request: request(), idempotencyKey: 'k1' }, deps);

    // Assess
    expect(result.orderId).toBe(deterministicOrderId('c-1', 'k1'));
  });

  it('makes every call without a key a new order', async () => {
    // Act
    const first = await placeOrder({ customerId: 'c-1', request: request() }, deps);
    const second = await placeOrder({ customerId: 'c-1', request: request() }, deps);

    // Assess
    expect(first.orderId).not.toBe(second.orderId);
    expect(saga.executions.size).toBe(2);
  });

  it('replays the same key and body to the same order without a new execution', async () => {
    // Prepare
    const first = await placeOrder({ customerId: 'c-1', request: request(), idempotencyKey: 'k1' }, deps);

    // Act
    const second = await placeOrder(
      { customerId: 'c-1', request: request(), idempotencyKey: 'k1', correlationId: 'another-request' },
      { ...deps, now: () => new Date('2026-11-24T22:00:00.000Z') },
    );

    // Assess
    expect(second).toEqual({ orderId: first.orderId, status: 'PENDING', replayed: true });
    expect(saga.executions.size).toBe(1);
    // The replay rebuilt the identical input from the stored order.
    expect(saga.calls[1]).toEqual(saga.calls[0]);
  });

  it('treats a body with the keys in another order as the same request', async () => {
    // Prepare
    await placeOrder({ customerId: 'c-1', request: request(), idempotencyKey: 'k1' }, deps);
    const { shippingAddress, email, payment, currency, items } = request();

    // Act
    const replay = await placeOrder(
      {
        customerId: 'c-1',
        request: { shippingAddress, email, payment, currency, items },
        idempotencyKey: 'k1',
      },
      deps,
    );

    // Assess
    expect(replay.replayed).toBe(true);
  });

  it('starts the saga on a replay when the first call died after writing the order', async () => {
    // Prepare
    saga.failWith = new Error('Step Functions unavailable');
    await expect(
      placeOrder({ customerId: 'c-1', request: request(), idempotencyKey: 'k1' }, deps),
    ).rejects.toThrow('Step Functions unavailable');
    saga.failWith = undefined;

    // Act
    const replay = await placeOrder({ customerId: 'c-1', request: request(), idempotencyKey: 'k1' }, deps);

    // Assess
    expect(replay.replayed).toBe(true);
    expect(saga.executions.has(replay.orderId)).toBe(true);
  });

  it('refuses the same key with a different body with a conflict', async () => {
    // Prepare
    await placeOrder({ customerId: 'c-1', request: request(), idempotencyKey: 'k1' }, deps);
    const changed = { ...request(), items: [{ sku: 'SKU-1', quantity: 3 }] };

    // Act
    const attempt = placeOrder({ customerId: 'c-1', request: changed, idempotencyKey: 'k1' }, deps);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(IdempotencyKeyConflictError);
    await expect(attempt).rejects.toThrow(/different order request/);
    expect(saga.executions.size).toBe(1);
  });

  it('maps an existing execution with another input (ExecutionAlreadyExists) to a conflict', async () => {
    // Prepare: an execution of that name exists, but no order row (e.g. written by an older release).
    const orderId = deterministicOrderId('c-1', 'k1');
    saga.executions.set(orderId, { ...sagaInputOf(exampleOrder(orderId), 'tok_decline') });

    // Act
    const attempt = placeOrder({ customerId: 'c-1', request: request(), idempotencyKey: 'k1' }, deps);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(IdempotencyKeyConflictError);
  });

  it('refuses unknown SKUs with a detail per SKU', async () => {
    // Prepare
    const withUnknown = {
      ...request(),
      items: [
        { sku: 'SKU-1', quantity: 1 },
        { sku: 'NOPE-1', quantity: 1 },
      ],
    };

    // Act
    const attempt = placeOrder({ customerId: 'c-1', request: withUnknown }, deps);

    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'InvalidOrderRequestError',
      code: 'UNKNOWN_SKU',
      details: [{ field: 'items[1].sku', message: 'Unknown SKU NOPE-1' }],
    });
    expect(orders.orders.size).toBe(0);
    expect(saga.calls).toHaveLength(0);
  });

  it('refuses a SKU sold in another currency', async () => {
    // Act
    const attempt = placeOrder(
      { customerId: 'c-1', request: { ...request(), items: [{ sku: 'SKU-USD', quantity: 1 }] } },
      deps,
    );

    // Assess
    await expect(attempt).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [{ field: 'items[0].sku' }],
    });
  });

  it('merges a SKU listed twice into one line', async () => {
    // Act
    const { orderId } = await placeOrder(
      {
        customerId: 'c-1',
        request: {
          ...request(),
          items: [
            { sku: 'SKU-2', quantity: 1 },
            { sku: 'SKU-2', quantity: 2 },
          ],
        },
      },
      deps,
    );

    // Assess
    expect(orders.orders.get(orderId)?.items).toEqual([{ sku: 'SKU-2', quantity: 3, unitPrice: 500 }]);
    expect(orders.orders.get(orderId)?.total).toBe(1500);
  });

  it('refuses more than 100 of one SKU across lines', async () => {
    // Act
    const attempt = placeOrder(
      {
        customerId: 'c-1',
        request: {
          ...request(),
          items: [
            { sku: 'SKU-2', quantity: 60 },
            { sku: 'SKU-2', quantity: 60 },
          ],
        },
      },
      deps,
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidOrderRequestError);
  });
});

function exampleOrder(orderId: string) {
  const body = validRequestBody();
  return {
    orderId,
    customerId: 'c-1',
    status: 'PENDING' as const,
    items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1999 }],
    total: 1999,
    currency: 'EUR' as const,
    email: body.email,
    shippingAddress: body.shippingAddress,
    history: [],
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
  };
}
