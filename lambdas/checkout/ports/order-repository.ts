import type { Order } from '../domain/order';

/** The outcome of creating an order: created now, or one with the same id already existed. */
export type CreateOrderResult =
  | { readonly created: true }
  | { readonly created: false; readonly existing: Order };

/** The orders table, as checkout needs it. */
export interface OrderRepository {
  /** Writes the order only if no order with its id exists (a conditional put); never overwrites. */
  createIfAbsent(order: Order): Promise<CreateOrderResult>;
  /** A strongly consistent read, so a repeated checkout finds the order its first call wrote. */
  get(orderId: string): Promise<Order | undefined>;
}
