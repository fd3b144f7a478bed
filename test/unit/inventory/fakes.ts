/** An in-memory StockRepository with the same rules as the DynamoDB one. */
import type {
  ReleaseOutcome,
  ReservationStatus,
  ReserveOutcome,
  StockLine,
} from '../../../lambdas/inventory/domain/stock';
import type { StockRepository } from '../../../lambdas/inventory/ports/stock-repository';

export class InMemoryStockRepository implements StockRepository {
  public readonly available = new Map<string, number>();
  public readonly reservations = new Map<
    string,
    { status: ReservationStatus; items: readonly StockLine[] }
  >();
  public failWith: Error | undefined;

  public constructor(stock: Readonly<Record<string, number>> = {}) {
    for (const [sku, quantity] of Object.entries(stock)) this.available.set(sku, quantity);
  }

  public async reserve(orderId: string, items: readonly StockLine[]): Promise<ReserveOutcome> {
    if (this.failWith) throw this.failWith;
    const existing = this.reservations.get(orderId);
    if (existing?.status === 'RESERVED') return { outcome: 'ALREADY_RESERVED', items: existing.items };
    if (existing?.status === 'RELEASED') return { outcome: 'ALREADY_RELEASED' };
    const unknown = items.filter((line) => !this.available.has(line.sku)).map((line) => line.sku);
    if (unknown.length > 0) return { outcome: 'UNKNOWN_SKU', skus: unknown };
    const short = items
      .filter((line) => this.available.get(line.sku)! < line.quantity)
      .map((line) => line.sku);
    if (short.length > 0) return { outcome: 'OUT_OF_STOCK', skus: short };
    for (const line of items) this.available.set(line.sku, this.available.get(line.sku)! - line.quantity);
    this.reservations.set(orderId, { status: 'RESERVED', items });
    return { outcome: 'RESERVED', items };
  }

  public async release(orderId: string): Promise<ReleaseOutcome> {
    if (this.failWith) throw this.failWith;
    const existing = this.reservations.get(orderId);
    if (existing === undefined) {
      this.reservations.set(orderId, { status: 'RELEASED', items: [] });
      return { outcome: 'NOT_RESERVED' };
    }
    if (existing.status === 'RELEASED') return { outcome: 'ALREADY_RELEASED', items: existing.items };
    for (const line of existing.items)
      this.available.set(line.sku, this.available.get(line.sku)! + line.quantity);
    this.reservations.set(orderId, { status: 'RELEASED', items: existing.items });
    return { outcome: 'RELEASED', items: existing.items };
  }
}
