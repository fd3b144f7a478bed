/**
 * Stops kafkajs 2.2.4 from polling an idle broker connection every millisecond.
 *
 * Each broker connection has a request queue. After every answered request the queue schedules
 * a check of its pending requests at `throttledUntil - now`, which is negative (about minus the
 * epoch) when the broker never throttled: the check runs after 1 ms, finds nothing, schedules the
 * next one, and so on for as long as the connection lives. Every producer and consumer connection
 * then wakes its thread a thousand times a second with nothing to do, which a Lambda function pays
 * for in billed duration while it waits on the broker, and a machine running the local mode pays
 * in every worker thread. No kafkajs release fixes it.
 *
 * The replacement keeps every case in which a check is due: requests pending (after the
 * throttle, or in 10 ms as kafkajs does), or the broker throttling the client. With nothing
 * pending and no throttle there is nothing to check: the next request either goes out at once or
 * is queued, and queueing one schedules the check again.
 */

/** What the replacement reads of kafkajs's RequestQueue (src/network/requestQueue/index.js). */
interface RequestQueueState {
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  readonly pending: readonly unknown[];
  checkPendingRequests(): void;
}

interface RequestQueuePrototype {
  scheduleCheckPendingRequests(this: RequestQueueState): void;
}

/** kafkajs's CHECK_PENDING_REQUESTS_INTERVAL: how soon queued requests are looked at again. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const PATCHED = Symbol.for('order-pipeline.kafkajs.requestQueueIdle');

function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId) return;
  const throttledForMs = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && throttledForMs <= 0) return;
  const delayMs =
    this.pending.length > 0 && throttledForMs <= 0 ? CHECK_PENDING_REQUESTS_INTERVAL_MS : throttledForMs;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delayMs);
}

/**
 * Replaces RequestQueue.scheduleCheckPendingRequests in this thread's kafkajs (once; later calls do
 * nothing). A connection already polling stops at its next check.
 */
export function stopIdleRequestQueuePolling(): void {
  // A deep require: kafkajs exports no RequestQueue, and has no `exports` map forbidding it.
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueuePrototype & { [PATCHED]?: true };
  };
  const prototype = RequestQueue.prototype;
  if (prototype[PATCHED]) return;
  if (typeof prototype.scheduleCheckPendingRequests !== 'function') {
    throw new TypeError('kafkajs RequestQueue has no scheduleCheckPendingRequests: check this patch');
  }
  prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  prototype[PATCHED] = true;
}

/**
 * kafkajs, loaded on first use (a handler that never publishes does not evaluate it), with its
 * idle connections kept quiet: between requests they would otherwise wake the function every
 * millisecond. Every client the functions create loads kafkajs through here.
 */
export async function loadKafkajs(): Promise<typeof import('kafkajs')> {
  const kafkajs = await import('kafkajs');
  stopIdleRequestQueuePolling();
  return kafkajs;
}
