/** Entries of the payments ledger (table payments, key orderId + entry). No card data, ever. */
import type { Currency } from '../../shared/events/payloads';

export interface ChargeEntry {
  readonly orderId: string;
  readonly customerId: string;
  readonly paymentId: string;
  /** Minor units. */
  readonly amount: number;
  readonly currency: Currency;
  readonly chargedAt: string;
}

export interface RefundEntry {
  readonly orderId: string;
  readonly customerId: string;
  readonly paymentId: string;
  readonly refundId: string;
  readonly amount: number;
  readonly currency: Currency;
  readonly refundedAt: string;
}

export type DeclineReason = 'DECLINED' | 'INSUFFICIENT_FUNDS';
