/**
 * The loyalty ledger. Every write states what it expects the order's other entry to be and fails
 * with {@link LedgerConflictError} when the ledger changed since it was read; the entry put and the
 * balance update are one atomic write, so a balance never counts an entry twice, with or without
 * the idempotency layer in front.
 */
import type { OrderLedger } from '../domain/points';

export interface LedgerCredit {
  readonly customerId: string;
  readonly orderId: string;
  readonly points: number;
  /** Add the points to the balance; false records a credit cancelled by an earlier refund. */
  readonly applyToBalance: boolean;
  readonly at: string;
}

export interface LedgerDebit {
  readonly customerId: string;
  readonly orderId: string;
  /** Points taken from the balance; 0 for a refund seen before its credit. */
  readonly points: number;
  /** Whether a CREDIT entry existed when the debit was decided (the write checks it still holds). */
  readonly creditExists: boolean;
  readonly at: string;
}

export interface LoyaltyLedger {
  /** A strongly consistent read of the order's CREDIT and DEBIT entries. */
  orderLedger(customerId: string, orderId: string): Promise<OrderLedger>;
  /** Puts the CREDIT entry if absent, checking the DEBIT entry is still as read; and the balance. */
  recordCredit(credit: LedgerCredit): Promise<void>;
  /** Puts the DEBIT entry if absent, checking the CREDIT entry is still as read; and the balance. */
  recordDebit(debit: LedgerDebit): Promise<void>;
  /** The customer's current balance (0 when none). */
  balance(customerId: string): Promise<number>;
}

/** The ledger changed between the read and the write; read again and decide again. */
export class LedgerConflictError extends Error {
  constructor(customerId: string, orderId: string, options?: { cause?: unknown }) {
    super(
      `The loyalty ledger of customer ${customerId} for order ${orderId} changed during the update`,
      options,
    );
    this.name = 'LedgerConflictError';
  }
}
