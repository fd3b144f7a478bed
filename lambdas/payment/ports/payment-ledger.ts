import type { ChargeEntry, RefundEntry } from '../domain/ledger';

export type RecordChargeResult =
  | { readonly recorded: true }
  | { readonly recorded: false; readonly existing: ChargeEntry }
  /** The order was voided by its compensation first: the charge is not in the books. */
  | { readonly recorded: false; readonly voided: true };

export type VoidOutcome = 'VOIDED' | 'CHARGED';

/** The payments ledger. Infrastructure failures reject. */
export interface PaymentLedger {
  getCharge(orderId: string): Promise<ChargeEntry | undefined>;
  /**
   * Writes the CHARGE entry only if the order has none and was not voided, atomically: CHARGE and
   * VOID exclude each other. Otherwise returns the charge there, or `voided` when compensation won.
   */
  recordCharge(entry: ChargeEntry): Promise<RecordChargeResult>;
  getRefund(orderId: string): Promise<RefundEntry | undefined>;
  /** Writes the REFUND entry only if the order has none; otherwise returns the one there. */
  recordRefund(
    entry: RefundEntry,
  ): Promise<{ readonly recorded: true } | { readonly recorded: false; readonly existing: RefundEntry }>;
  /** Counts one more attempt to charge the order (entry ATTEMPT#n) and returns n, starting at 1. */
  recordAttempt(orderId: string, at: string): Promise<number>;
  /**
   * Marks an order that was compensated before it was ever charged (entry VOID), so a ChargeCard
   * command arriving late charges nothing. Atomic against recordCharge: answers CHARGED (and writes
   * nothing) when the order has a CHARGE entry, which must then be refunded instead. Idempotent.
   */
  recordVoid(orderId: string, at: string): Promise<VoidOutcome>;
  isVoided(orderId: string): Promise<boolean>;
}
