import { describe, expect, it } from 'vitest';
import { OrderNotFoundError } from '../../../lambdas/checkout/domain/errors';
import { getOrder } from '../../../lambdas/checkout/use-cases/get-order';
import { InMemoryOrderRepository, ORDER_ID, storedOrder } from './fakes';

describe('getOrder', () => {
  it("shows the customer's own order with its history, without internals", async () => {
    // Prepare
    const orders = new InMemoryOrderRepository();
    orders.orders.set(ORDER_ID, storedOrder());

    // Act
    const view = await getOrder({ customerId: 'c-1', orderId: ORDER_ID }, { orders });

    // Assess
    expect(view).toEqual({
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

  it("answers another customer's order like a missing one", async () => {
    // Prepare
    const orders = new InMemoryOrderRepository();
    orders.orders.set(ORDER_ID, storedOrder());

    // Act
    const attempt = getOrder({ customerId: 'c-2', orderId: ORDER_ID }, { orders });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(OrderNotFoundError);
  });

  it('answers a missing order with OrderNotFoundError', async () => {
    await expect(
      getOrder({ customerId: 'c-1', orderId: ORDER_ID }, { orders: new InMemoryOrderRepository() }),
    ).rejects.toBeInstanceOf(OrderNotFoundError);
  });
});
