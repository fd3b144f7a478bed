/** Stock reservations of the inventory service: one reservation per order, all lines or none. */

export interface StockLine {
  readonly sku: string;
  readonly quantity: number;
}

export type ReservationStatus = 'RESERVED' | 'RELEASED';

export type ReserveOutcome =
  | { readonly outcome: 'RESERVED'; readonly items: readonly StockLine[] }
  /** A repeat of a reservation that succeeded earlier: nothing changes, the answer is success again. */
  | { readonly outcome: 'ALREADY_RESERVED'; readonly items: readonly StockLine[] }
  /** The order's reservation was already released by compensation; a late command reserves nothing. */
  | { readonly outcome: 'ALREADY_RELEASED' }
  | { readonly outcome: 'OUT_OF_STOCK'; readonly skus: readonly string[] }
  | { readonly outcome: 'UNKNOWN_SKU'; readonly skus: readonly string[] };

export type ReleaseOutcome =
  | { readonly outcome: 'RELEASED'; readonly items: readonly StockLine[] }
  /** Released earlier; `items` are what that release restored (empty if nothing had been reserved). */
  | { readonly outcome: 'ALREADY_RELEASED'; readonly items: readonly StockLine[] }
  | { readonly outcome: 'NOT_RESERVED' };

/**
 * One line per SKU: a DynamoDB transaction may touch each stock item once, so repeated SKUs
 * are summed. Order of first appearance is kept.
 */
export function mergeStockLines(lines: readonly StockLine[]): StockLine[] {
  const quantities = new Map<string, number>();
  for (const line of lines) quantities.set(line.sku, (quantities.get(line.sku) ?? 0) + line.quantity);
  return [...quantities].map(([sku, quantity]) => ({ sku, quantity }));
}
