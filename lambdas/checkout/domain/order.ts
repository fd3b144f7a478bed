/**
 * The order as checkout writes it and `GET /orders/{orderId}` shows it. The read model consumer
 * moves the status on; checkout only ever creates an order as PENDING.
 */
import type { FailureReason } from '../../shared/events/payloads';

export const ORDER_STATUSES = [
  'PENDING',
  'STOCK_RESERVED',
  'PAID',
  'CONFIRMED',
  'FAILED',
  'NEEDS_ATTENTION',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type Currency = 'EUR' | 'USD' | 'GBP';

export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  /** Minor units, taken from the inventory table at checkout. */
  readonly unitPrice: number;
}

export interface ShippingAddress {
  readonly name: string;
  readonly line1: string;
  readonly line2?: string;
  readonly city: string;
  readonly postalCode: string;
  readonly country: string;
}

export interface OrderHistoryEntry {
  readonly status: OrderStatus;
  readonly at: string;
  readonly reason?: FailureReason | string;
  readonly eventId?: string;
}

/** An item of the orders table (CONTRACTS.md, "DynamoDB tables"). */
export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: OrderStatus;
  readonly items: readonly OrderLine[];
  readonly total: number;
  readonly currency: Currency;
  readonly email: string;
  readonly shippingAddress?: ShippingAddress;
  readonly history: readonly OrderHistoryEntry[];
  /** sha256 of the canonical request body; tells an idempotent replay from a conflicting reuse of a key. */
  readonly requestHash?: string;
  /** Carried on every event of the order; stored so a replay starts the saga with the identical input. */
  readonly correlationId?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What `GET /orders/{orderId}` returns: no customer data beyond the order itself, no internals. */
export interface OrderView {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly items: readonly OrderLine[];
  readonly total: number;
  readonly currency: Currency;
  readonly history: readonly {
    readonly status: OrderStatus;
    readonly at: string;
    readonly reason?: string;
  }[];
}

export function toOrderView(order: Order): OrderView {
  return {
    orderId: order.orderId,
    status: order.status,
    items: order.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
    total: order.total,
    currency: order.currency,
    history: order.history.map(({ status, at, reason }) =>
      reason === undefined ? { status, at } : { status, at, reason },
    ),
  };
}

export function orderTotal(lines: readonly OrderLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
}
