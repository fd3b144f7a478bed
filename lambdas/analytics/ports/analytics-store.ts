/** Where aggregates are kept. */
import type { CountedMarker, CounterIncrement } from '../domain/aggregates';

export type AddOutcome = 'added' | 'already-counted';

export interface AnalyticsStore {
  /**
   * Applies all increments of one event atomically together with its marker: either every counter
   * grows and the marker is written, or nothing changes. Returns 'already-counted' (and changes
   * nothing) when the marker exists, i.e. the order's event of that type was counted before.
   */
  add(increments: readonly CounterIncrement[], marker: CountedMarker): Promise<AddOutcome>;
  /** The day's totals (`yyyy-mm-dd`, UTC), summed over its shards; a strongly consistent read. */
  readDayTotals(day: string): Promise<Record<string, number>>;
}
