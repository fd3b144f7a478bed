/**
 * releaseStock: the compensation of a reservation. Puts the reserved lines back once; releasing
 * an order that reserved nothing, or releasing twice, answers success without changing stock.
 */

import { type CallbackOutcome, TASK_ERRORS } from '../../saga/ports/saga-callback';
import { createEvent } from '../../shared/events/codec';
import type { ReleaseOutcome } from '../domain/stock';
import { type InventoryDependencies, messageOf, type StockCommand } from './reserve-stock';

export type ReleaseStockResult = {
  readonly outcome: ReleaseOutcome['outcome'] | 'TRANSIENT_FAILURE';
  readonly callback: CallbackOutcome;
};

export async function releaseStock(
  command: StockCommand,
  deps: InventoryDependencies,
): Promise<ReleaseStockResult> {
  const { orderId, correlationId, taskToken } = command;
  // Restarts the step's heartbeat window. A stale token does not skip the release: it is
  // idempotent, and the retried ReleaseStock behind this one then finds the work done.
  await deps.callback.heartbeat(taskToken);
  let result: ReleaseOutcome;
  try {
    result = await deps.stock.release(orderId);
  } catch (error) {
    const callback = await deps.callback.fail(
      taskToken,
      TASK_ERRORS.transientFailure,
      `Stock of order ${orderId} could not be released: ${messageOf(error)}`,
    );
    return { outcome: 'TRANSIENT_FAILURE', callback };
  }
  // Released now or earlier with lines to restore: (re)publish, since a first attempt may have
  // failed between the write and the publish. Nothing reserved: nothing happened, nothing to tell.
  const restored = result.outcome === 'NOT_RESERVED' ? [] : result.items;
  if (restored.length > 0) {
    await deps.publisher.publish(
      [createEvent('StockReleased', { orderId, correlationId, data: { items: [...restored] } })],
      deps.publishContext,
    );
  }
  const status = restored.length > 0 ? 'RELEASED' : 'NOTHING_RESERVED';
  const callback = await deps.callback.succeed(taskToken, { status });
  return { outcome: result.outcome, callback };
}
