/**
 * What an order event adds to the shop's aggregates (CONTRACTS.md, table `analytics`):
 * - per day (`DAY#<yyyy-mm-dd>#<shard>` / `TOTAL`): orders placed, confirmed and failed, units sold
 *   and revenue per currency (confirmed orders only: an order earns money once it is confirmed),
 *   spread over DAY_TOTAL_SHARDS items that a reader sums;
 * - per SKU and day (`SKU#<sku>` / `DAY#<yyyy-mm-dd>`): units sold and revenue per currency;
 * - failures per day and reason (`DAY#<yyyy-mm-dd>` / `FAILURE#<reason>`).
 * The day is the UTC day of the event's timestamp. Counters only ever grow by the increments below,
 * so the store can apply them as DynamoDB ADD updates.
 */
import type { EventEnvelope } from '../../shared/events/envelope';
import type { Payload } from '../../shared/events/payloads';

export const AGGREGATED_TYPES = ['OrderPlaced', 'OrderConfirmed', 'OrderFailed'] as const;
export type AggregatedType = (typeof AGGREGATED_TYPES)[number];
export type AggregatedEvent = { [T in AggregatedType]: EventEnvelope<T, Payload<T>> }[AggregatedType];

export function isAggregatedType(type: string): type is AggregatedType {
  return (AGGREGATED_TYPES as readonly string[]).includes(type);
}

/** Adds `counters` to the item with key (pk, sk). */
export interface CounterIncrement {
  readonly pk: string;
  readonly sk: string;
  readonly counters: Readonly<Record<string, number>>;
}

export const TOTAL_SK = 'TOTAL';

/** `2026-11-24T23:59:59.999+01:00` -> `2026-11-24` in UTC (`2026-11-24`). */
export function utcDay(timestamp: string): string {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Not a timestamp: '${timestamp}'`);
  return date.toISOString().slice(0, 10);
}

/** Counter name of revenue in one currency; attributes cannot be nested maps under ADD. */
export function revenueCounter(currency: string): string {
  return `revenue_${currency}`;
}

export function dayKey(day: string): string {
  return `DAY#${day}`;
}

/**
 * Every order adds to its day's total twice (placed, then confirmed or failed), each a transactional
 * write of 2 write units. At 417 orders/s (100x the shop's peak) one item would need about 1,670
 * write units a second on one DynamoDB partition, which serves at most 1,000. Items with their own
 * partition keys split that: ten shards take about 167 each, under a fifth of a partition's limit.
 */
export const DAY_TOTAL_SHARDS = 10;

/**
 * The shard of an order: FNV-1a of its id, the same in every process and release, so all of an
 * order's events add to one shard and its per-order markers keep each count to once.
 */
export function shardOf(orderId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < orderId.length; i++) {
    hash ^= orderId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % DAY_TOTAL_SHARDS;
}

/** Partition key of the day-total shard an order adds to. */
export function dayTotalKey(day: string, orderId: string): string {
  return `${dayKey(day)}#${shardOf(orderId)}`;
}

/** Partition keys of all of a day's (`yyyy-mm-dd`) total shards, for a reader to sum. */
export function dayTotalKeys(day: string): string[] {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`Not a day (yyyy-mm-dd): '${day}'`);
  return Array.from({ length: DAY_TOTAL_SHARDS }, (_, shard) => `${dayKey(day)}#${shard}`);
}

/** The day's totals: each numeric attribute (a counter) summed over the shards read; an absent shard adds nothing. */
export function sumDayTotals(shards: readonly Readonly<Record<string, unknown>>[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const shard of shards) {
    for (const [name, value] of Object.entries(shard)) {
      if (typeof value === 'number') totals[name] = (totals[name] ?? 0) + value;
    }
  }
  return totals;
}

export function skuKey(sku: string): string {
  return `SKU#${sku}`;
}

/**
 * Marks that an order's event of one type has been counted. The idempotency layer recognises a
 * redelivered record (same eventId); the marker also recognises a republished event (a retried
 * saga step publishes OrderConfirmed again with a new eventId), so an order counts once per type.
 */
export interface CountedMarker {
  readonly pk: string;
  readonly sk: string;
  readonly eventId: string;
  /** Epoch seconds after which the marker may go (TTL); far beyond the topics' retention. */
  readonly expiresAt: number;
}

const MARKER_LIFETIME_SECONDS = 30 * 24 * 60 * 60;

export function countedMarkerOf(event: AggregatedEvent): CountedMarker {
  return {
    pk: `ORDER#${event.orderId}`,
    sk: `COUNTED#${event.eventType}`,
    eventId: event.eventId,
    expiresAt: Math.floor(Date.parse(event.timestamp) / 1000) + MARKER_LIFETIME_SECONDS,
  };
}

/** The increments one event contributes. */
export function incrementsOf(event: AggregatedEvent): CounterIncrement[] {
  const utc = utcDay(event.timestamp);
  const day = dayKey(utc);
  const totalKey = dayTotalKey(utc, event.orderId);
  switch (event.eventType) {
    case 'OrderPlaced':
      return [{ pk: totalKey, sk: TOTAL_SK, counters: { ordersPlaced: 1 } }];
    case 'OrderFailed':
      return [
        { pk: totalKey, sk: TOTAL_SK, counters: { ordersFailed: 1 } },
        { pk: day, sk: `FAILURE#${event.data.reason}`, counters: { orders: 1 } },
      ];
    case 'OrderConfirmed': {
      const { items, total, currency } = event.data;
      const units = items.reduce((sum, line) => sum + line.quantity, 0);
      const perSku = new Map<string, { units: number; revenue: number }>();
      for (const line of items) {
        const current = perSku.get(line.sku) ?? { units: 0, revenue: 0 };
        perSku.set(line.sku, {
          units: current.units + line.quantity,
          revenue: current.revenue + line.quantity * line.unitPrice,
        });
      }
      return [
        {
          pk: totalKey,
          sk: TOTAL_SK,
          counters: { ordersConfirmed: 1, units, [revenueCounter(currency)]: total },
        },
        ...[...perSku].map(([sku, sold]) => ({
          pk: skuKey(sku),
          sk: day,
          counters: { units: sold.units, [revenueCounter(currency)]: sold.revenue },
        })),
      ];
    }
  }
}

/** What counting one event writes: its counters, applied only together with its marker. */
export interface CountedEvent {
  readonly marker: CountedMarker;
  readonly increments: readonly CounterIncrement[];
}

export function countedEventOf(event: AggregatedEvent): CountedEvent {
  return { marker: countedMarkerOf(event), increments: incrementsOf(event) };
}
