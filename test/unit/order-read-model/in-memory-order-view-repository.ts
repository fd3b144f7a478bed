/** The OrderViewRepository in memory, with the same version rule as the DynamoDB adapter. */
import type { OrderView } from '../../../lambdas/order-read-model/domain/order-view';
import {
  ConcurrentUpdateError,
  type OrderViewRepository,
  type StoredOrderView,
} from '../../../lambdas/order-read-model/ports/order-view-repository';

export class InMemoryOrderViewRepository implements OrderViewRepository {
  public readonly items = new Map<string, { view: OrderView; version: number | undefined }>();
  public conflicts = 0;

  async load(orderId: string): Promise<StoredOrderView | undefined> {
    // Yield, so concurrent projections interleave between read and write like real I/O does.
    await new Promise((resolve) => setImmediate(resolve));
    const item = this.items.get(orderId);
    return item === undefined ? undefined : structuredClone(item);
  }

  async save(view: OrderView, expectedVersion: number | undefined): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.items.get(view.orderId)?.version !== expectedVersion) {
      this.conflicts++;
      throw new ConcurrentUpdateError(view.orderId);
    }
    this.items.set(view.orderId, { view: structuredClone(view), version: (expectedVersion ?? 0) + 1 });
  }
}
