/** The AnalyticsStore in memory: sums counters like ADD updates and honours the per-order marker. */
import {
  type CountedEvent,
  dayTotalKeys,
  sumDayTotals,
  TOTAL_SK,
} from '../../../lambdas/analytics/domain/aggregates';
import type {
  AddAllResult,
  AnalyticsStore,
  BatchAddOutcome,
} from '../../../lambdas/analytics/ports/analytics-store';

export class InMemoryAnalyticsStore implements AnalyticsStore {
  public readonly items = new Map<string, Record<string, number>>();
  public readonly markers = new Set<string>();
  /** Makes addAll stop with this error once it has applied `appliedBeforeFailure` events. */
  public failWith: Error | undefined;
  public appliedBeforeFailure = 0;

  async addAll(events: readonly CountedEvent[]): Promise<AddAllResult> {
    const outcomes: BatchAddOutcome[] = [];
    for (const { marker, increments } of events) {
      if (this.failWith && outcomes.length >= this.appliedBeforeFailure) {
        return {
          outcomes: [...outcomes, ...events.slice(outcomes.length).map(() => 'not-applied' as const)],
          error: this.failWith,
        };
      }
      if (this.markers.has(`${marker.pk}|${marker.sk}`)) {
        outcomes.push('already-counted');
        continue;
      }
      this.markers.add(`${marker.pk}|${marker.sk}`);
      for (const { pk, sk, counters } of increments) {
        const item = this.items.get(`${pk}|${sk}`) ?? {};
        for (const [name, amount] of Object.entries(counters)) item[name] = (item[name] ?? 0) + amount;
        this.items.set(`${pk}|${sk}`, item);
      }
      outcomes.push('added');
    }
    return { outcomes };
  }

  async readDayTotals(day: string): Promise<Record<string, number>> {
    return sumDayTotals(dayTotalKeys(day).map((pk) => this.items.get(`${pk}|${TOTAL_SK}`) ?? {}));
  }
}
