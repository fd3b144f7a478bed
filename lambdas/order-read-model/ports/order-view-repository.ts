/**
 * Where order views are stored. Writes are optimistic: each stored view has a version, and a save
 * names the version it was derived from, so two concurrent projections of the same order (events
 * arrive on several topics and partitions at once) cannot overwrite each other.
 */
import type { OrderView } from '../domain/order-view';

export interface StoredOrderView {
  readonly view: OrderView;
  /** `undefined` for an item without a version yet (the checkout's first write). */
  readonly version: number | undefined;
}

export interface OrderViewRepository {
  /** A strongly consistent read; `undefined` when the order has no item yet. */
  load(orderId: string): Promise<StoredOrderView | undefined>;
  /**
   * Stores the view as version `expectedVersion + 1` (or 1), provided the stored item still has
   * `expectedVersion` (or none). Throws {@link ConcurrentUpdateError} otherwise.
   */
  save(view: OrderView, expectedVersion: number | undefined): Promise<void>;
}

/** Someone else updated the order between our read and our write. */
export class ConcurrentUpdateError extends Error {
  constructor(orderId: string, options?: { cause?: unknown }) {
    super(`The order view of ${orderId} changed while it was being updated`, options);
    this.name = 'ConcurrentUpdateError';
  }
}
