/**
 * Per consumer group lag, polled while a step runs: its maximum, and a time series for charts.
 * Read with one admin client of the bench's own (each topic's end offsets once per poll, then
 * each mapping's group's committed offsets), which costs the broker a seventh of asking the pipeline for
 * each consumer in turn. A partition the group never committed counts from its start: the bench
 * stack is fresh, so its groups joined before any record was written.
 */
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { CONSUMERS } from '../../lib/config/consumers';
import { sleep } from './results';

export const CONSUMER_NAMES: readonly string[] = CONSUMERS.map((consumer) => consumer.name);

export class LagReader {
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;

  constructor(brokers: readonly string[]) {
    this.admin = new Kafka({
      clientId: 'bench-lag',
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
    }).admin();
  }

  /** Records behind per consumer name. */
  async lags(): Promise<Record<string, number>> {
    this.connected ??= this.admin.connect();
    await this.connected;
    const topics = [...new Set(CONSUMERS.flatMap((consumer) => consumer.topics))];
    const ends = new Map<string, Map<number, { high: number; low: number }>>();
    await Promise.all(
      topics.map(async (topic) => {
        const offsets = await this.admin.fetchTopicOffsets(topic);
        ends.set(
          topic,
          new Map(offsets.map((p) => [p.partition, { high: Number(p.high), low: Number(p.low) }] as const)),
        );
      }),
    );
    const entries = await Promise.all(
      CONSUMERS.map(async (consumer) => {
        // Each mapping reads its topic in a group of its own.
        const committed = (
          await Promise.all(
            consumer.mappings.map((mapping) =>
              this.admin.fetchOffsets({ groupId: mapping.consumerGroupId, topics: [mapping.topic] }),
            ),
          )
        ).flat();
        let lag = 0;
        for (const { topic, partitions } of committed) {
          for (const { partition, offset } of partitions) {
            const end = ends.get(topic)?.get(partition);
            if (!end) continue;
            const at = Number(offset) < 0 ? end.low : Number(offset);
            lag += Math.max(0, end.high - at);
          }
        }
        return [consumer.name, lag] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  async close(): Promise<void> {
    if (this.connected) await this.admin.disconnect().catch(() => undefined);
  }
}

export class LagMonitor {
  readonly max: Record<string, number> = Object.fromEntries(CONSUMER_NAMES.map((name) => [name, 0]));
  readonly series: { t: number; lags: Record<string, number> }[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly reader: LagReader,
    private readonly origin: number,
    intervalMs = 1_000,
  ) {
    this.loop = (async () => {
      while (this.running) {
        const lags = await this.reader.lags().catch(() => undefined);
        if (lags) {
          for (const [name, lag] of Object.entries(lags)) this.max[name] = Math.max(this.max[name] ?? 0, lag);
          this.series.push({ t: Math.round(performance.now() - this.origin), lags });
        }
        await sleep(intervalMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Waits until every group's lag is 0; returns the ms it took, or undefined after `capMs`. */
export async function waitForZeroLag(reader: LagReader, capMs: number): Promise<number | undefined> {
  const started = performance.now();
  let quietSince: number | undefined;
  while (performance.now() - started < capMs) {
    const polledAt = performance.now();
    const lags = await reader.lags().catch(() => undefined);
    // Two quiet polls in a row: a record the last invocation produced shows up as lag first.
    if (lags && Object.values(lags).every((lag) => lag === 0)) {
      if (quietSince !== undefined) return Math.round(quietSince - started);
      quietSince = polledAt;
    } else {
      quietSince = undefined;
    }
    await sleep(250);
  }
  return undefined;
}
