/**
 * A service's processing limit on a saga command: from the moment the service picks the command up,
 * it has `seconds` to answer. When they pass first, the waiting step is answered `error`
 * (InventoryTimeout, PaymentTimeout) so the saga compensates at once instead of waiting out the
 * step's whole pick-up budget, and the work in progress is told to stop through `signal` (the card
 * processor call is abandoned). The work is still awaited, so the partition's next record (the
 * compensation of this very order) is handled after it.
 *
 * The limit covers the service's own decision: reserving the stock, charging the card. Once the
 * work calls `decided()`, the outcome is in the books and what is left (publishing the event,
 * answering the step) is infrastructure: a broker failing over may delay it, and the step's own
 * `TimeoutSeconds` bounds it, but it must never turn a reserved order into InventoryTimeout or a
 * charged card into PaymentTimeout.
 */
import type { CallbackOutcome, SagaCallback } from '../ports/saga-callback';

export interface ProcessingLimit {
  readonly seconds: number;
  /** The error name the saga catches for this step. */
  readonly error: string;
}

/** What the work gets: the callback to answer with, and the signal that the limit has passed. */
export interface LimitedWork {
  /** Answers after the limit are not sent: the limit's own answer went instead. */
  readonly callback: SagaCallback;
  readonly signal: AbortSignal;
  /** The outcome is recorded: the limit stops counting, and the answer is sent however long it takes. */
  readonly decided: () => void;
}

export async function withinProcessingLimit<T>(
  callback: SagaCallback,
  taskToken: string,
  limit: ProcessingLimit,
  work: (limited: LimitedWork) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let expiry: Promise<CallbackOutcome> | undefined;
  // An answer within the limit clears the timer, so it only ever fires on an unanswered command.
  const timer = setTimeout(() => {
    controller.abort();
    // If even this answer cannot be delivered, the step's own timeout still ends the wait.
    expiry = callback
      .fail(taskToken, limit.error, `Not answered within ${limit.seconds} s of being picked up`)
      .catch((): CallbackOutcome => 'STALE');
  }, limit.seconds * 1000);
  // After the limit, the work's own answer is not sent: it reports how the limit's answer went.
  const answer = (send: () => Promise<CallbackOutcome>): Promise<CallbackOutcome> => {
    if (expiry !== undefined) return expiry;
    clearTimeout(timer);
    return send();
  };
  const limited: SagaCallback = {
    heartbeat: (token) => (expiry === undefined ? callback.heartbeat(token) : Promise.resolve('STALE')),
    succeed: (token, output) => answer(() => callback.succeed(token, output)),
    fail: (token, error, cause) => answer(() => callback.fail(token, error, cause)),
  };
  try {
    // Once the limit's answer went out, deciding changes nothing: the late answer is still dropped.
    const decided = () => clearTimeout(timer);
    return await work({ callback: limited, signal: controller.signal, decided });
  } finally {
    clearTimeout(timer);
    await expiry;
  }
}
