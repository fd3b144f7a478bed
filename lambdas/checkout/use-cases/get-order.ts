/** getOrder: an order's status and history, for its own customer only. */
import { OrderNotFoundError } from '../domain/errors';
import { type OrderView, toOrderView } from '../domain/order';
import type { OrderRepository } from '../ports/order-repository';

export interface GetOrderQuery {
  readonly customerId: string;
  readonly orderId: string;
}

export async function getOrder(
  query: GetOrderQuery,
  deps: { readonly orders: OrderRepository },
): Promise<OrderView> {
  const order = await deps.orders.get(query.orderId);
  // Another customer's order answers exactly like a missing one, so ids cannot be probed.
  if (order === undefined || order.customerId !== query.customerId) {
    throw new OrderNotFoundError(query.orderId);
  }
  return toOrderView(order);
}
