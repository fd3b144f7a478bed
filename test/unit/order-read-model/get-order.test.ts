import { describe, expect, it } from 'vitest';
import { OrderNotFoundError } from '../../../lambdas/order-read-model/domain/errors';
import type { OrderView } from '../../../lambdas/order-read-model/domain/order-view';
import { getOrder } from '../../../lambdas/order-read-model/use-cases/get-order';
import { CUSTOMER_ID, ORDER_ID } from '../../fixtures/consumers/order-events';
import { InMemoryOrderViewRepository } from './in-memory-order-view-repository';
import { SHOWN_TO_CUSTOMER, storedView } from './stored-view';

function viewsWith(view: OrderView): InMemoryOrderViewRepository {
  const views = new InMemoryOrderViewRepository();
  views.items.set(view.orderId, { view, version: 2 });
  return views;
}

describe('getOrder', () => {
  it("shows the customer's own order with its history, without internals", async () => {
    // Prepare
    const views = viewsWith(storedView());

    // Act
    const view = await getOrder({ customerId: CUSTOMER_ID, orderId: ORDER_ID }, { views });

    // Assess
    expect(view).toEqual(SHOWN_TO_CUSTOMER);
  });

  it("answers another customer's order like a missing one", async () => {
    // Prepare
    const views = viewsWith(storedView());

    // Act
    const attempt = getOrder({ customerId: 'someone-else', orderId: ORDER_ID }, { views });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(OrderNotFoundError);
  });

  it('answers a missing order with OrderNotFoundError', async () => {
    await expect(
      getOrder({ customerId: CUSTOMER_ID, orderId: ORDER_ID }, { views: new InMemoryOrderViewRepository() }),
    ).rejects.toBeInstanceOf(OrderNotFoundError);
  });

  it('answers a view that a replay has not given its OrderPlaced yet like a missing order', async () => {
    // Prepare: the payment was projected before the order itself
    const views = viewsWith({
      orderId: ORDER_ID,
      customerId: CUSTOMER_ID,
      status: 'PAID',
      currency: 'EUR',
      paymentId: 'pay-1',
      history: [{ status: 'PAID', at: '2026-11-24T21:00:01.000Z', eventId: 'e-2' }],
    });

    // Act
    const attempt = getOrder({ customerId: CUSTOMER_ID, orderId: ORDER_ID }, { views });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(OrderNotFoundError);
  });
});
