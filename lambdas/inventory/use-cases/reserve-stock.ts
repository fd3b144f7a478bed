/**
 * reserveStock: the inventory side of the saga's ReserveInventory step. Reserves every line of the
 * order at once, publishes the outcome on inventory.events and answers the waiting step.
 * A repeated command is a no-op that answers success again. The command is picked up with a
 * heartbeat: a token the saga no longer waits on (timed out, or re-run after a restart) reserves
 * nothing, since no compensation would ever release it. A reservation not written within the
 * processing limit from pick-up (5 s) is answered InventoryTimeout, and the saga releases whatever
 * was reserved; publishing the outcome after it is written does not count against the limit.
 */

import { processingLimitOf } from '../../../lib/config/saga-timing';
import { type ProcessingLimit, withinProcessingLimit } from '../../saga/domain/processing-limit';
import { type CallbackOutcome, type SagaCallback, TASK_ERRORS } from '../../saga/ports/saga-callback';
import { createEvent } from '../../shared/events/codec';
import type { EventPublisher, PublishContext } from '../../shared/ports/event-publisher';
import { mergeStockLines, type StockLine } from '../domain/stock';
import type { StockRepository } from '../ports/stock-repository';

export interface StockCommand {
  readonly orderId: string;
  readonly correlationId: string;
  readonly taskToken: string;
  readonly items: readonly StockLine[];
}

export interface InventoryDependencies {
  readonly stock: StockRepository;
  readonly callback: SagaCallback;
  readonly publisher: EventPublisher;
  readonly publishContext?: PublishContext;
  /** @default 5 s from pick-up, answered InventoryTimeout (lib/config/saga-timing.ts) */
  readonly processingLimit?: ProcessingLimit;
}

export type ReserveStockResult = {
  readonly outcome:
    | 'RESERVED'
    | 'ALREADY_RESERVED'
    | 'ALREADY_RELEASED'
    | 'OUT_OF_STOCK'
    | 'UNKNOWN_SKU'
    | 'STALE_TOKEN'
    | 'TRANSIENT_FAILURE';
  readonly callback: CallbackOutcome;
};

export function reserveStock(
  command: StockCommand,
  deps: InventoryDependencies,
): Promise<ReserveStockResult> {
  const limit = deps.processingLimit ?? processingLimitOf('reserveInventory');
  return withinProcessingLimit(deps.callback, command.taskToken, limit, ({ callback, decided }) =>
    reserve(command, { ...deps, callback }, decided),
  );
}

async function reserve(
  command: StockCommand,
  deps: InventoryDependencies,
  decided: () => void,
): Promise<ReserveStockResult> {
  const { orderId, correlationId, taskToken } = command;
  const items = mergeStockLines(command.items);
  if ((await deps.callback.heartbeat(taskToken)) === 'STALE')
    return { outcome: 'STALE_TOKEN', callback: 'STALE' };
  let result: Awaited<ReturnType<StockRepository['reserve']>>;
  try {
    result = await deps.stock.reserve(orderId, items);
  } catch (error) {
    // The table is unavailable: the state machine retries the step (TransientFailure is retried).
    const callback = await deps.callback.fail(
      taskToken,
      TASK_ERRORS.transientFailure,
      `Stock for order ${orderId} could not be reserved: ${messageOf(error)}`,
    );
    return { outcome: 'TRANSIENT_FAILURE', callback };
  }
  // The reservation (or its refusal) is written: publishing and answering are left to the infrastructure.
  decided();

  switch (result.outcome) {
    case 'RESERVED':
    case 'ALREADY_RESERVED': {
      // Published again on a repeat: the first attempt may have failed between the write and the publish.
      await deps.publisher.publish(
        [createEvent('StockReserved', { orderId, correlationId, data: { items: [...result.items] } })],
        deps.publishContext,
      );
      const callback = await deps.callback.succeed(taskToken, { status: 'RESERVED' });
      return { outcome: result.outcome, callback };
    }
    case 'ALREADY_RELEASED': {
      const callback = await deps.callback.fail(
        taskToken,
        TASK_ERRORS.outOfStock,
        `The reservation of order ${orderId} was already released by compensation`,
      );
      return { outcome: result.outcome, callback };
    }
    case 'OUT_OF_STOCK':
    case 'UNKNOWN_SKU': {
      await deps.publisher.publish(
        [
          createEvent('StockReservationFailed', {
            orderId,
            correlationId,
            data: { reason: result.outcome, skus: [...result.skus] },
          }),
        ],
        deps.publishContext,
      );
      const error = result.outcome === 'OUT_OF_STOCK' ? TASK_ERRORS.outOfStock : TASK_ERRORS.unknownSku;
      const cause =
        result.outcome === 'OUT_OF_STOCK'
          ? `Not enough stock for ${result.skus.join(', ')}`
          : `Unknown SKU ${result.skus.join(', ')}`;
      const callback = await deps.callback.fail(taskToken, error, cause);
      return { outcome: result.outcome, callback };
    }
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
