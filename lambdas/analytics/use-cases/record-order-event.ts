/**
 * Adds order events to the aggregates. Counters only grow, so an event must count exactly once:
 * the store writes the counters together with a per-order marker, put only if absent, which stops
 * a redelivered event and one republished under a new eventId alike.
 */
import { type AggregatedEvent, type CountedEvent, countedEventOf } from '../domain/aggregates';
import type { AddOutcome, AnalyticsStore } from '../ports/analytics-store';

/** What became of one event: counted now, counted before, or not counted yet because of `failed`. */
export type RecordOutcome = AddOutcome | { readonly failed: unknown };

/** Adds one event; throws when the store could not apply it, so it is retried. */
export async function recordOrderEvent(store: AnalyticsStore, event: AggregatedEvent): Promise<AddOutcome> {
  const [outcome] = await recordOrderEvents(store, [event]);
  if (typeof outcome === 'object') throw outcome.failed;
  return outcome!;
}

/** Adds a batch of events in as few store writes as the store allows; one outcome per event, in order. */
export async function recordOrderEvents(
  store: AnalyticsStore,
  events: readonly AggregatedEvent[],
): Promise<RecordOutcome[]> {
  const outcomes: (RecordOutcome | undefined)[] = [];
  const counted: CountedEvent[] = [];
  const positions: number[] = [];
  for (const event of events) {
    try {
      counted.push(countedEventOf(event));
      positions.push(outcomes.length);
      outcomes.push(undefined);
    } catch (error) {
      // An event the domain cannot read fails alone, not the batch.
      outcomes.push({ failed: error });
    }
  }
  if (counted.length > 0) {
    const { outcomes: added, error } = await store.addAll(counted);
    added.forEach((outcome, index) => {
      outcomes[positions[index]!] = outcome === 'not-applied' ? { failed: error } : outcome;
    });
  }
  return outcomes as RecordOutcome[];
}
