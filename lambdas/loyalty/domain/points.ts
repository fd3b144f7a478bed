/**
 * Loyalty points of one order (CONTRACTS.md: 1 point per whole currency unit of the total) and the
 * decisions that keep a customer's balance exact whatever order the events arrive in.
 *
 * OrderConfirmed (orders.events) and PaymentRefunded (payments.events) travel on different topics,
 * so a refund can be seen before the credit it takes back. The ledger keeps one CREDIT and one
 * DEBIT entry per order; each decision below depends only on which of the two already exist:
 *
 * | seen first  | then           | balance effect                                           |
 * |-------------|----------------|----------------------------------------------------------|
 * | credit      | refund         | +points, then -points                                   |
 * | refund      | credit         | nothing: the debit is recorded first and cancels the credit |
 * | credit      | credit again   | nothing (the CREDIT entry exists)                        |
 * | refund      | refund again   | nothing (the DEBIT entry exists)                         |
 */

/** Whole currency units of a total in minor units. */
export function pointsFor(totalMinorUnits: number): number {
  if (!Number.isInteger(totalMinorUnits) || totalMinorUnits < 0) {
    throw new RangeError(`A total must be a non-negative integer of minor units, got ${totalMinorUnits}`);
  }
  return Math.floor(totalMinorUnits / 100);
}

export interface CreditEntry {
  /** Points the order earned. */
  readonly points: number;
  /** Whether the points were added to the balance (false: a refund had come first). */
  readonly applied: boolean;
}

export interface DebitEntry {
  /** Points taken back from the balance (0 when there was nothing to take back). */
  readonly points: number;
}

/** The ledger entries of one order. */
export interface OrderLedger {
  readonly credit?: CreditEntry;
  readonly debit?: DebitEntry;
}

export type CreditDecision =
  | { readonly kind: 'credit'; readonly points: number }
  | { readonly kind: 'cancelled'; readonly points: number }
  | { readonly kind: 'already-credited' };

export type DebitDecision =
  | { readonly kind: 'debit'; readonly points: number }
  | { readonly kind: 'debit-before-credit' }
  | { readonly kind: 'already-debited' };

export function decideCredit(ledger: OrderLedger, totalMinorUnits: number): CreditDecision {
  if (ledger.credit) return { kind: 'already-credited' };
  const points = pointsFor(totalMinorUnits);
  // The order was refunded before its confirmation arrived: record the credit, add nothing.
  if (ledger.debit) return { kind: 'cancelled', points };
  return { kind: 'credit', points };
}

export function decideDebit(ledger: OrderLedger): DebitDecision {
  if (ledger.debit) return { kind: 'already-debited' };
  if (!ledger.credit) return { kind: 'debit-before-credit' };
  // Only points that reached the balance are taken back.
  return { kind: 'debit', points: ledger.credit.applied ? ledger.credit.points : 0 };
}
