/**
 * The default PaymentProvider: a card processor simulated by payment token, so every saga path
 * can be driven end to end without a real processor. Deterministic: ids derive from the order id,
 * the flaky token's behaviour from the attempt number kept in the ledger.
 */
import { createHash } from 'node:crypto';
import type {
  ChargeOutcome,
  ChargeRequest,
  PaymentProvider,
  RefundOutcome,
  RefundRequest,
} from '../ports/payment-provider';

/** How many attempts of `tok_flaky` fail before it approves. */
export const FLAKY_FAILURES = 2;

export class SimulatedCardProcessor implements PaymentProvider {
  public async charge(request: ChargeRequest): Promise<ChargeOutcome> {
    switch (request.paymentToken) {
      case 'tok_decline':
        return { kind: 'DECLINED', reason: 'DECLINED' };
      case 'tok_insufficient_funds':
        return { kind: 'DECLINED', reason: 'INSUFFICIENT_FUNDS' };
      case 'tok_flaky':
        return request.attempt <= FLAKY_FAILURES
          ? { kind: 'TRANSIENT_FAILURE', message: `Processor unavailable (attempt ${request.attempt})` }
          : approve(request.orderId);
      case 'tok_timeout':
        // A processor that never answers: the call is abandoned when the processing limit passes.
        await untilAborted(request.signal);
        return { kind: 'NO_ANSWER' };
      case 'tok_approve':
        return approve(request.orderId);
      default:
        // Unknown tokens are declined, as a real processor rejects a token it never issued.
        return { kind: 'DECLINED', reason: 'DECLINED' };
    }
  }

  public async refund(request: RefundRequest): Promise<RefundOutcome> {
    return { kind: 'REFUNDED', refundId: `re_${digest(request.paymentId)}` };
  }
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function approve(orderId: string): ChargeOutcome {
  return { kind: 'APPROVED', paymentId: `pay_${digest(orderId)}` };
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 24);
}
