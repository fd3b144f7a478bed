import type { Currency, OrderLine, ShippingAddress } from '../../shared/events/payloads';

/** The saga's execution input (CONTRACTS.md, "The saga"). */
export interface SagaInput {
  readonly orderId: string;
  readonly customerId: string;
  readonly items: readonly OrderLine[];
  readonly total: number;
  readonly currency: Currency;
  readonly email: string;
  readonly shippingAddress: ShippingAddress;
  readonly paymentToken: string;
  readonly correlationId: string;
  readonly placedAt: string;
}

/**
 * STARTED: a new execution, or the same request repeated while it runs (Step Functions answers a
 * repeat with the same name and input like the original call);
 * ALREADY_STARTED: an execution with this name and the same input exists (also when closed);
 * CONFLICT: an execution with this name exists with a different input.
 */
export type StartSagaResult = 'STARTED' | 'ALREADY_STARTED' | 'CONFLICT';

export interface SagaStarter {
  /** Starts the order saga; the execution name is the order id. */
  start(input: SagaInput): Promise<StartSagaResult>;
}
