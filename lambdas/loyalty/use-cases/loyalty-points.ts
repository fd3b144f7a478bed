/**
 * Crediting points on OrderConfirmed and taking them back on PaymentRefunded. Each use case reads
 * the order's ledger, decides (domain/points.ts) and writes conditionally; a conflicting concurrent
 * write makes it read and decide again.
 */
import { decideCredit, decideDebit } from '../domain/points';
import { LedgerConflictError, type LoyaltyLedger } from '../ports/loyalty-ledger';

export interface CreditOrder {
  readonly customerId: string;
  readonly orderId: string;
  /** Order total in minor units. */
  readonly total: number;
  readonly at: string;
}

export interface RefundOrder {
  readonly customerId: string;
  readonly orderId: string;
  readonly at: string;
}

export type CreditOutcome =
  | { readonly kind: 'credited'; readonly points: number }
  | { readonly kind: 'cancelled-by-refund' }
  | { readonly kind: 'duplicate' };

export type DebitOutcome =
  | { readonly kind: 'debited'; readonly points: number }
  | { readonly kind: 'recorded-before-credit' }
  | { readonly kind: 'duplicate' };

/** Kept losing races on one order's ledger; the record fails and is retried later. */
export class LedgerContentionError extends Error {
  constructor(orderId: string, attempts: number, options?: { cause?: unknown }) {
    super(
      `The loyalty ledger of order ${orderId} kept changing; gave up after ${attempts} attempts`,
      options,
    );
    this.name = 'LedgerContentionError';
  }
}

const MAX_ATTEMPTS = 5;

async function withRetries<T>(orderId: string, attempt: () => Promise<T>): Promise<T> {
  let lastConflict: unknown;
  for (let tries = 1; tries <= MAX_ATTEMPTS; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof LedgerConflictError)) throw error;
      lastConflict = error;
    }
  }
  throw new LedgerContentionError(orderId, MAX_ATTEMPTS, { cause: lastConflict });
}

export function creditOrderPoints(ledger: LoyaltyLedger, order: CreditOrder): Promise<CreditOutcome> {
  return withRetries(order.orderId, async () => {
    const decision = decideCredit(await ledger.orderLedger(order.customerId, order.orderId), order.total);
    if (decision.kind === 'already-credited') return { kind: 'duplicate' };
    await ledger.recordCredit({
      customerId: order.customerId,
      orderId: order.orderId,
      points: decision.points,
      applyToBalance: decision.kind === 'credit',
      at: order.at,
    });
    return decision.kind === 'credit'
      ? { kind: 'credited', points: decision.points }
      : { kind: 'cancelled-by-refund' };
  });
}

export function takeBackOrderPoints(ledger: LoyaltyLedger, refund: RefundOrder): Promise<DebitOutcome> {
  return withRetries(refund.orderId, async () => {
    const decision = decideDebit(await ledger.orderLedger(refund.customerId, refund.orderId));
    if (decision.kind === 'already-debited') return { kind: 'duplicate' };
    const points = decision.kind === 'debit' ? decision.points : 0;
    await ledger.recordDebit({
      customerId: refund.customerId,
      orderId: refund.orderId,
      points,
      creditExists: decision.kind === 'debit',
      at: refund.at,
    });
    return decision.kind === 'debit' ? { kind: 'debited', points } : { kind: 'recorded-before-credit' };
  });
}
