import type { ChargeEntry, RefundEntry } from '../domain/ledger';

/** The payments ledger. Infrastructure failures reject. */
export interface PaymentLedger {
  getCharge(orderId: string): Promise<ChargeEntry | undefined>;
  /** Writes the CHARGE entry only if the order has none; otherwise returns the one there. */
  recordCharge(
    entry: ChargeEntry,
  ): Promise<{ readonly recorded: true } | { readonly recorded: false; readonly existing: ChargeEntry }>;
  getRefund(orderId: string): Promise<RefundEntry | undefined>;
  /** Writes the REFUND entry only if the order has none; otherwise returns the one there. */
  recordRefund(
    entry: RefundEntry,
  ): Promise<{ readonly recorded: true } | { readonly recorded: false; readonly existing: RefundEntry }>;
  /** Counts one more attempt to charge the order (entry ATTEMPT#n) and returns n, starting at 1. */
  recordAttempt(orderId: string, at: string): Promise<number>;
  /**
   * Marks an order that was compensated before it was ever charged (entry VOID), so a ChargeCard
   * command arriving late charges nothing. Idempotent.
   */
  recordVoid(orderId: string, at: string): Promise<void>;
  isVoided(orderId: string): Promise<boolean>;
}
