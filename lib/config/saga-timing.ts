/**
 * How long the checkout saga waits, and for what. One module, read by the state machine
 * (lib/constructs/order-saga.ts), by the services that answer it (inventory, payment) and by the
 * tests; docs/saga-timing.md explains the figures.
 *
 * Two kinds of waiting are told apart:
 * - **Pick-up**: the command is published but no service has taken it yet (it is queued behind
 *   others, a broker is failing over, the consumer group is rebalancing, a function is cold). That
 *   is the infrastructure's delay, never the customer's problem: the step waits up to the stage's
 *   pick-up budget, minutes, and does not fail the order.
 * - **Processing**: the service took the command and is working on it. Its limit is the shop's:
 *   5 s to reserve stock, 10 s to charge a card. The service enforces it from the moment it picks
 *   the command up and answers `InventoryTimeout` or `PaymentTimeout` when it runs out, and the saga
 *   compensates. A service that dies mid-command leaves its record uncommitted, so the mapping
 *   delivers it again and the step is still bounded by pick-up budget plus processing limit.
 */
import type { StageConfig } from './stages';

/** The callback steps: the saga publishes a command with a task token and a service answers it. */
export type CallbackStep = 'reserveInventory' | 'processPayment' | 'refundCharge' | 'releaseStock';

export interface CallbackStepTiming {
  /**
   * From pick-up to answer, in seconds. On a forward step the service answers its
   * PROCESSING_TIMEOUT_ERRORS name when it passes; on a compensation it bounds one attempt.
   */
  readonly processingLimitSeconds: number;
}

/** Error names a service answers when its processing limit passes (TASK_ERRORS carries them too). */
export const PROCESSING_TIMEOUT_ERRORS = {
  reserveInventory: 'InventoryTimeout',
  processPayment: 'PaymentTimeout',
} as const;

export const CALLBACK_STEP_TIMING: Readonly<Record<CallbackStep, CallbackStepTiming>> = {
  reserveInventory: { processingLimitSeconds: 5 },
  processPayment: { processingLimitSeconds: 10 },
  // A compensation has no processing limit of its own to answer: it must happen, so the saga
  // retries it; the figure bounds one attempt.
  refundCharge: { processingLimitSeconds: 10 },
  releaseStock: { processingLimitSeconds: 5 },
};

/** A Step Functions Retry policy, in seconds. */
export interface RetryPolicy {
  readonly intervalSeconds: number;
  readonly backoffRate: number;
  readonly maxAttempts: number;
  readonly maxDelaySeconds: number;
}

/**
 * Retry of a forward step whose service answered TransientFailure (a table or the card processor
 * failing for a moment): waits of up to 2, 4, 8, 16, 30 and 30 s (full jitter: about half on
 * average), about 45 s on average and 90 s at most. A restarted table or a broker failover lasts
 * less; a fault that outlasts it is no longer transient.
 */
export const FORWARD_TRANSIENT_RETRY: RetryPolicy = {
  intervalSeconds: 2,
  backoffRate: 2,
  maxAttempts: 6,
  maxDelaySeconds: 30,
};

/**
 * Retry of the steps that must happen (the order's lifecycle events and the compensations) after
 * an error or a timeout of their publisher, and of any step's failed publish: waits of up to 2, 4,
 * 8, 16, 32 and then 60 s, about four minutes in all, longer than a broker restart with its
 * consumer groups rejoining.
 */
export const MUST_HAPPEN_RETRY: RetryPolicy = {
  intervalSeconds: 2,
  backoffRate: 2,
  maxAttempts: 12,
  maxDelaySeconds: 60,
};

/**
 * Further attempts of a compensation that was not picked up within its whole pick-up budget. Each
 * publishes the command again (the services apply it once) and waits the budget again; after that
 * the service is down for good and a person is asked to look (OrderNeedsAttention).
 */
export const COMPENSATION_TIMEOUT_RETRIES = 1;

/** Timeout of a plain (fire-and-forget) publisher invocation: a publish fails within about 2 s. */
export const PLAIN_STEP_TIMEOUT_SECONDS = 10;

/** The processing limit a service enforces on a forward step, with the error it answers. */
export function processingLimitOf(step: keyof typeof PROCESSING_TIMEOUT_ERRORS): {
  readonly seconds: number;
  readonly error: string;
} {
  return {
    seconds: CALLBACK_STEP_TIMING[step].processingLimitSeconds,
    error: PROCESSING_TIMEOUT_ERRORS[step],
  };
}

/** The Task state's TimeoutSeconds of a callback step: pick-up budget plus processing limit. */
export function callbackStepTimeoutSeconds(config: StageConfig, step: CallbackStep): number {
  return config.saga.pickUpBudgetSeconds + CALLBACK_STEP_TIMING[step].processingLimitSeconds;
}

/** The longest a retry policy can wait in all, before its attempts (each wait at its maximum). */
export function longestRetryWaitSeconds(policy: RetryPolicy): number {
  let total = 0;
  for (let attempt = 0; attempt < policy.maxAttempts; attempt += 1) {
    total += Math.min(policy.intervalSeconds * policy.backoffRate ** attempt, policy.maxDelaySeconds);
  }
  return total;
}

/**
 * The longest a compensation step can take before the saga asks for a person, in seconds: every
 * attempt after a timeout waits the whole step timeout, every transient retry its longest wait.
 */
export function longestCompensationSeconds(
  config: StageConfig,
  step: 'refundCharge' | 'releaseStock',
): number {
  return (
    (COMPENSATION_TIMEOUT_RETRIES + 1) * callbackStepTimeoutSeconds(config, step) +
    MUST_HAPPEN_RETRY.maxAttempts * CALLBACK_STEP_TIMING[step].processingLimitSeconds +
    longestRetryWaitSeconds(MUST_HAPPEN_RETRY)
  );
}

/**
 * The longest path an execution can take, in seconds: every step on the way to a failed
 * compensation retried to its end, each attempt at its timeout. The execution's own timeout must
 * stay above it, or an order could end with no final status.
 */
export function longestExecutionSeconds(config: StageConfig): number {
  const plainStep =
    (MUST_HAPPEN_RETRY.maxAttempts + 1) * PLAIN_STEP_TIMEOUT_SECONDS +
    longestRetryWaitSeconds(MUST_HAPPEN_RETRY);
  // A forward step: failed publishes are retried as a plain step's are, each attempt ending within
  // the publisher's timeout; transient answers come soon after pick-up, so those retries are short
  // attempts (one processing limit each); a last attempt waits the whole timeout.
  const forwardStep = (step: CallbackStep) =>
    MUST_HAPPEN_RETRY.maxAttempts * PLAIN_STEP_TIMEOUT_SECONDS +
    longestRetryWaitSeconds(MUST_HAPPEN_RETRY) +
    FORWARD_TRANSIENT_RETRY.maxAttempts * CALLBACK_STEP_TIMING[step].processingLimitSeconds +
    longestRetryWaitSeconds(FORWARD_TRANSIENT_RETRY) +
    callbackStepTimeoutSeconds(config, step);
  const compensation = (step: 'refundCharge' | 'releaseStock') => longestCompensationSeconds(config, step);
  return (
    forwardStep('reserveInventory') +
    forwardStep('processPayment') +
    compensation('refundCharge') +
    compensation('releaseStock') +
    plainStep + // FailOrder
    plainStep // FlagNeedsAttention
  );
}
