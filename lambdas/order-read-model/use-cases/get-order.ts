/** getOrder: an order's status and history, for its own customer only. */
import { OrderNotFoundError } from '../domain/errors';
import { type CustomerOrderView, customerViewOf } from '../domain/order-view';
import type { OrderViewRepository } from '../ports/order-view-repository';

export interface GetOrderQuery {
  readonly customerId: string;
  readonly orderId: string;
}

export async function getOrder(
  query: GetOrderQuery,
  deps: { readonly views: Pick<OrderViewRepository, 'load'> },
): Promise<CustomerOrderView> {
  const stored = await deps.views.load(query.orderId);
  // Another customer's order answers exactly like a missing one, so ids cannot be probed.
  const shown = stored?.view.customerId === query.customerId ? customerViewOf(stored.view) : undefined;
  if (shown === undefined) throw new OrderNotFoundError(query.orderId);
  return shown;
}
