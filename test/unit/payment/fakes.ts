/** An in-memory PaymentLedger with the same once-only rules as the DynamoDB one. */

import { SimulatedCardProcessor } from '../../../lambdas/payment/adapters/simulated-card-processor';
import type { ChargeEntry, RefundEntry } from '../../../lambdas/payment/domain/ledger';
import type {
  PaymentLedger,
  RecordChargeResult,
  VoidOutcome,
} from '../../../lambdas/payment/ports/payment-ledger';
import type { ChargeRequest, PaymentProvider } from '../../../lambdas/payment/ports/payment-provider';

export class InMemoryPaymentLedger implements PaymentLedger {
  public readonly charges = new Map<string, ChargeEntry>();
  public readonly refunds = new Map<string, RefundEntry>();
  public readonly attempts = new Map<string, number>();
  public readonly voided = new Set<string>();
  public failWith: Error | undefined;

  public async getCharge(orderId: string) {
    if (this.failWith) throw this.failWith;
    return this.charges.get(orderId);
  }

  public async recordCharge(entry: ChargeEntry): Promise<RecordChargeResult> {
    const existing = this.charges.get(entry.orderId);
    if (existing) return { recorded: false, existing };
    if (this.voided.has(entry.orderId)) return { recorded: false, voided: true };
    this.charges.set(entry.orderId, entry);
    return { recorded: true };
  }

  public async getRefund(orderId: string) {
    return this.refunds.get(orderId);
  }

  public async recordRefund(entry: RefundEntry) {
    const existing = this.refunds.get(entry.orderId);
    if (existing) return { recorded: false, existing } as const;
    this.refunds.set(entry.orderId, entry);
    return { recorded: true } as const;
  }

  public async recordAttempt(orderId: string): Promise<number> {
    const attempt = (this.attempts.get(orderId) ?? 0) + 1;
    this.attempts.set(orderId, attempt);
    return attempt;
  }

  public async recordVoid(orderId: string): Promise<VoidOutcome> {
    if (this.charges.has(orderId)) return 'CHARGED';
    this.voided.add(orderId);
    return 'VOIDED';
  }

  public async isVoided(orderId: string): Promise<boolean> {
    return this.voided.has(orderId);
  }
}

/** The simulated processor, counting the charges that reached it. */
export class CountingCardProcessor extends SimulatedCardProcessor implements PaymentProvider {
  public readonly charges: ChargeRequest[] = [];
  public refunds = 0;

  public override async charge(request: ChargeRequest) {
    this.charges.push(request);
    return super.charge(request);
  }

  public override async refund(request: Parameters<PaymentProvider['refund']>[0]) {
    this.refunds += 1;
    return super.refund(request);
  }
}
