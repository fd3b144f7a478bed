import type { Currency } from '../../shared/events/payloads';
import type { DeclineReason } from '../domain/ledger';

export interface ChargeRequest {
  /** Sent to the processor as its idempotency key: a repeated charge of one order is one charge. */
  readonly orderId: string;
  readonly amount: number;
  readonly currency: Currency;
  /** The processor's opaque token for the customer's card; never card data. */
  readonly paymentToken: string;
  /** Which attempt this is for the order, counted in the ledger (1, 2, ...). */
  readonly attempt: number;
  /** Aborted when the payment step's processing limit passes: stop waiting and answer NO_ANSWER. */
  readonly signal?: AbortSignal;
}

export type ChargeOutcome =
  | { readonly kind: 'APPROVED'; readonly paymentId: string }
  | { readonly kind: 'DECLINED'; readonly reason: DeclineReason }
  /** Worth retrying: the processor had a glitch. */
  | { readonly kind: 'TRANSIENT_FAILURE'; readonly message: string }
  /** The processor took the request and did not answer before the processing limit. */
  | { readonly kind: 'NO_ANSWER' };

export interface RefundRequest {
  readonly orderId: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: Currency;
}

export type RefundOutcome =
  | { readonly kind: 'REFUNDED'; readonly refundId: string }
  | { readonly kind: 'TRANSIENT_FAILURE'; readonly message: string };

/** The card processor. */
export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<ChargeOutcome>;
  refund(request: RefundRequest): Promise<RefundOutcome>;
}
