/**
 * Adds one order event to the aggregates. Counters only grow, so an event must count exactly once:
 * the store writes the counters in one transaction with a per-order marker, put only if absent,
 * which stops a redelivered event and one republished under a new eventId alike.
 */
import { type AggregatedEvent, countedMarkerOf, incrementsOf } from '../domain/aggregates';
import type { AddOutcome, AnalyticsStore } from '../ports/analytics-store';

export function recordOrderEvent(store: AnalyticsStore, event: AggregatedEvent): Promise<AddOutcome> {
  return store.add(incrementsOf(event), countedMarkerOf(event));
}
