/**
 * An order's status, as the orders table and `GET /orders/{orderId}` show it. Checkout writes
 * PENDING when it takes an order; the order read model moves it on from the order's events. Both
 * contexts speak it, and checkout must not depend on a consumer it never waits on, so it lives here.
 */
export const ORDER_STATUSES = [
  'PENDING',
  'STOCK_RESERVED',
  'PAID',
  'CONFIRMED',
  'FAILED',
  'NEEDS_ATTENTION',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];
