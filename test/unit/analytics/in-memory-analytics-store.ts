/** The AnalyticsStore in memory: sums counters like ADD updates and honours the per-order marker. */
import {
  type CountedMarker,
  type CounterIncrement,
  dayTotalKeys,
  sumDayTotals,
  TOTAL_SK,
} from '../../../lambdas/analytics/domain/aggregates';
import type { AddOutcome, AnalyticsStore } from '../../../lambdas/analytics/ports/analytics-store';

export class InMemoryAnalyticsStore implements AnalyticsStore {
  public readonly items = new Map<string, Record<string, number>>();
  public readonly markers = new Set<string>();
  public failWith: Error | undefined;

  async add(increments: readonly CounterIncrement[], marker: CountedMarker): Promise<AddOutcome> {
    if (this.failWith) throw this.failWith;
    if (this.markers.has(`${marker.pk}|${marker.sk}`)) return 'already-counted';
    this.markers.add(`${marker.pk}|${marker.sk}`);
    for (const { pk, sk, counters } of increments) {
      const item = this.items.get(`${pk}|${sk}`) ?? {};
      for (const [name, amount] of Object.entries(counters)) item[name] = (item[name] ?? 0) + amount;
      this.items.set(`${pk}|${sk}`, item);
    }
    return 'added';
  }

  async readDayTotals(day: string): Promise<Record<string, number>> {
    return sumDayTotals(dayTotalKeys(day).map((pk) => this.items.get(`${pk}|${TOTAL_SK}`) ?? {}));
  }
}
