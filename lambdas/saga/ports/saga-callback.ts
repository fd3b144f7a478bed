/**
 * Answers a waiting saga step (`.waitForTaskToken`). Shared by every service that the saga waits
 * on: inventory and payment.
 */
import { PROCESSING_TIMEOUT_ERRORS } from '../../../lib/config/saga-timing';

/**
 * DELIVERED: Step Functions took the answer.
 * STALE: the token is no longer valid (TaskTimedOut, TaskDoesNotExist, InvalidToken): the saga
 * already moved on (timed out and runs its compensation), so there is nobody left to answer.
 */
export type CallbackOutcome = 'DELIVERED' | 'STALE';

export interface SagaCallback {
  succeed(taskToken: string, output: Readonly<Record<string, unknown>>): Promise<CallbackOutcome>;
  /** `error` is the name the state machine catches (OutOfStock, PaymentDeclined, TransientFailure...). */
  fail(taskToken: string, error: string, cause: string): Promise<CallbackOutcome>;
  /**
   * Tells the waiting step the command was picked up (SendTaskHeartbeat). The answer is a liveness
   * check: STALE means the saga no longer waits on this token (timed out, or re-run after a
   * restart), so the command must not be acted on.
   */
  heartbeat(taskToken: string): Promise<CallbackOutcome>;
}

/** Error names the state machine's Retry and Catch clauses know (docs/saga-timing.md). */
export const TASK_ERRORS = {
  outOfStock: 'OutOfStock',
  unknownSku: 'UnknownSku',
  paymentDeclined: 'PaymentDeclined',
  transientFailure: 'TransientFailure',
  /** The service ran out of its processing limit after picking the command up. */
  inventoryTimeout: PROCESSING_TIMEOUT_ERRORS.reserveInventory,
  paymentTimeout: PROCESSING_TIMEOUT_ERRORS.processPayment,
} as const;
