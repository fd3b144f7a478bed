/**
 * A fixed-size window of dashboard samples, kept on the server so a page opened late still sees
 * how the lag got where it is.
 */
import type { ConsumerLag, SagaCounts } from './sources';

export interface Sample {
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** Total lag per consumer name. */
  readonly lag: Readonly<Record<string, number>>;
  /** Records per second produced to all topics over the last interval. */
  readonly eventsPerSecond: number;
  readonly saga: SagaCounts;
}

export class SampleHistory {
  private readonly samples: Sample[] = [];
  private lastProduced?: { at: number; count: number };

  constructor(private readonly capacity: number) {}

  record(at: number, consumers: readonly ConsumerLag[], produced: number, saga: SagaCounts): Sample {
    const previous = this.lastProduced;
    const seconds = previous ? (at - previous.at) / 1000 : 0;
    const eventsPerSecond = previous && seconds > 0 ? Math.max(0, (produced - previous.count) / seconds) : 0;
    this.lastProduced = { at, count: produced };
    const lag = Object.fromEntries(consumers.map((c) => [c.name, totalLag(c)]));
    const sample: Sample = { at, lag, eventsPerSecond: Math.round(eventsPerSecond * 10) / 10, saga };
    this.samples.push(sample);
    if (this.samples.length > this.capacity) this.samples.shift();
    return sample;
  }

  all(): readonly Sample[] {
    return this.samples;
  }
}

export function totalLag(consumer: ConsumerLag): number {
  return Object.values(consumer.lagByTopic).reduce((sum, n) => sum + n, 0);
}
