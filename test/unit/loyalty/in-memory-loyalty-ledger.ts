/** The LoyaltyLedger in memory, with the same conditions as the DynamoDB transaction. */
import type { CreditEntry, DebitEntry, OrderLedger } from '../../../lambdas/loyalty/domain/points';
import {
  LedgerConflictError,
  type LedgerCredit,
  type LedgerDebit,
  type LoyaltyLedger,
} from '../../../lambdas/loyalty/ports/loyalty-ledger';

const tick = () => new Promise((resolve) => setImmediate(resolve));

export class InMemoryLoyaltyLedger implements LoyaltyLedger {
  public readonly credits = new Map<string, CreditEntry>();
  public readonly debits = new Map<string, DebitEntry>();
  public readonly balances = new Map<string, number>();

  async orderLedger(_customerId: string, orderId: string): Promise<OrderLedger> {
    await tick();
    const credit = this.credits.get(orderId);
    const debit = this.debits.get(orderId);
    return { ...(credit ? { credit } : {}), ...(debit ? { debit } : {}) };
  }

  async recordCredit(credit: LedgerCredit): Promise<void> {
    await tick();
    if (this.credits.has(credit.orderId) || this.debits.has(credit.orderId) === credit.applyToBalance) {
      throw new LedgerConflictError(credit.customerId, credit.orderId);
    }
    this.credits.set(credit.orderId, { points: credit.points, applied: credit.applyToBalance });
    if (credit.applyToBalance) this.add(credit.customerId, credit.points);
  }

  async recordDebit(debit: LedgerDebit): Promise<void> {
    await tick();
    if (this.debits.has(debit.orderId) || this.credits.has(debit.orderId) !== debit.creditExists) {
      throw new LedgerConflictError(debit.customerId, debit.orderId);
    }
    this.debits.set(debit.orderId, { points: debit.points });
    this.add(debit.customerId, -debit.points);
  }

  async balance(customerId: string): Promise<number> {
    return this.balances.get(customerId) ?? 0;
  }

  private add(customerId: string, points: number): void {
    this.balances.set(customerId, (this.balances.get(customerId) ?? 0) + points);
  }
}
