/** Where aggregates are kept. */
import type { CountedEvent } from '../domain/aggregates';

export type AddOutcome = 'added' | 'already-counted';

/** What became of one event of addAll; 'not-applied' when the writes stopped at `error` before it. */
export type BatchAddOutcome = AddOutcome | 'not-applied';

export interface AddAllResult {
  /** One per event, in the order given. */
  readonly outcomes: readonly BatchAddOutcome[];
  /** Why some events were not applied (a throttle, a conflict); absent when none is 'not-applied'. */
  readonly error?: unknown;
}

export interface AnalyticsStore {
  /**
   * Counts each event whose marker does not exist yet: its counters grow and its marker is written
   * together, or neither. An event whose marker exists (counted before, or by an earlier event of
   * the same list with the same marker) is 'already-counted' and changes nothing.
   */
  addAll(events: readonly CountedEvent[]): Promise<AddAllResult>;
  /** The day's totals (`yyyy-mm-dd`, UTC), summed over its shards; a strongly consistent read. */
  readDayTotals(day: string): Promise<Record<string, number>>;
}
