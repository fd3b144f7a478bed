import type { Currency } from '../../shared/events/payloads';

export interface CataloguePrice {
  readonly sku: string;
  /** Minor units. */
  readonly price: number;
  readonly currency: Currency;
}

/** Prices from the inventory table; the client never supplies a price. */
export interface PriceCatalogue {
  /** The price of every known SKU among `skus`; unknown SKUs are simply absent from the map. */
  pricesOf(skus: readonly string[]): Promise<ReadonlyMap<string, CataloguePrice>>;
}
