/**
 * An order view as the orders table holds it once the projection saw the order placed and failed,
 * and what `GET /orders/{orderId}` shows the customer of it.
 */
import { applyEvent, type OrderView } from '../../../lambdas/order-read-model/domain/order-view';
import { orderEvents as e, ITEMS, ORDER_ID, TOTAL } from '../../fixtures/consumers/order-events';

const PLACED_AT = '2026-11-24T21:00:00.000Z';
const FAILED_AT = '2026-11-24T21:00:01.000Z';

export function storedView(overrides: Partial<OrderView> = {}): OrderView {
  const placed = applyEvent(undefined, e.orderPlaced(PLACED_AT));
  const failed = applyEvent(placed, e.orderFailed(FAILED_AT, 'PAYMENT_DECLINED'));
  if (failed === undefined) throw new Error('the fixture events were projected twice');
  return { ...failed, ...overrides };
}

/** The body for {@link storedView}: no e-mail, address, event ids or versions. */
export const SHOWN_TO_CUSTOMER = {
  orderId: ORDER_ID,
  status: 'FAILED',
  items: ITEMS,
  total: TOTAL,
  currency: 'EUR',
  history: [
    { status: 'PENDING', at: PLACED_AT },
    { status: 'FAILED', at: FAILED_AT, reason: 'PAYMENT_DECLINED' },
  ],
};
