/**
 * Adds one order event to the aggregates. Counters only grow, so an event must count exactly once:
 * the handler runs this behind the idempotency layer (eventId), and the store writes the counters
 * in one transaction with a per-order marker that also stops a republished event (new eventId).
 */
import { type AggregatedEvent, countedMarkerOf, incrementsOf } from '../domain/aggregates';
import type { AddOutcome, AnalyticsStore } from '../ports/analytics-store';

export function recordOrderEvent(store: AnalyticsStore, event: AggregatedEvent): Promise<AddOutcome> {
  return store.add(incrementsOf(event), countedMarkerOf(event));
}
