/**
 * The order as checkout writes it, always PENDING, and reads it back for a repeated checkout. The
 * order read model moves the status on and owns what `GET /orders/{orderId}` shows.
 */
import type { Currency, FailureReason, OrderLine, ShippingAddress } from '../../shared/events/payloads';
import type { OrderStatus } from '../../shared/order-status';

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

export function orderTotal(lines: readonly OrderLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0);
}
