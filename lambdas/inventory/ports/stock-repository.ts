import type { ReleaseOutcome, ReserveOutcome, StockLine } from '../domain/stock';

/** The inventory table. Infrastructure failures reject; business outcomes resolve. */
export interface StockRepository {
  /**
   * Atomically: records the order's reservation (once) and takes every line off the available
   * stock, never below zero. All lines or none.
   */
  reserve(orderId: string, items: readonly StockLine[]): Promise<ReserveOutcome>;
  /**
   * Atomically: marks a RESERVED reservation RELEASED and puts its lines back. When nothing was
   * reserved it leaves a RELEASED marker, so a late reservation for the order reserves nothing.
   */
  release(orderId: string): Promise<ReleaseOutcome>;
}
