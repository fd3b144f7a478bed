/**
 * Delivers records twice for the duplicate-delivery scenario: reads every catalogue topic from a
 * mark onwards and produces each record of the chosen orders once more, unchanged (key, value,
 * headers). Every other copy goes to the next partition, so the copy is handled by another poller
 * at the same time as the original: that is what exercises idempotency's in-progress race.
 * Copies carry a header so they are never copied again.
 */
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { CONSUMERS } from '../../../lib/config/consumers';
import { TOPICS } from '../../../lib/config/topics';
import type { KafkaRecord } from '../../../local/runtime/msk-event';
import { KafkaRecordSource } from '../../../scripts/ops/kafka-records';
import { localTargetOf } from '../../../scripts/ops/target';

const COPY_HEADER = 'x-reliability-copy';

export class Duplicator {
  private readonly kafka: Kafka;
  private readonly records: KafkaRecordSource;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private readonly from = new Map<string, Map<number, bigint>>();
  /** Copies produced per topic. */
  readonly copies = new Map<string, number>();
  private crossPartition = 0;
  /**
   * Records read before their order's id was known (the saga may publish before checkout's answer
   * arrives): looked at again in the next rounds.
   */
  private readonly held = new Map<string, KafkaRecord[]>();

  constructor(
    brokers: readonly string[],
    private readonly keys: Set<string>,
  ) {
    this.records = new KafkaRecordSource(localTargetOf({}, { KAFKA_BROKERS: brokers.join(',') }));
    this.kafka = new Kafka({
      clientId: 'reliability-duplicator',
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
    });
  }

  /** Connects and remembers where every topic ends now: only later records are copied. */
  async mark(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    for (const { name } of Object.values(TOPICS)) {
      const offsets = await this.admin.fetchTopicOffsets(name);
      this.from.set(name, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
    }
  }

  /** Copies the records written since the last round whose key is one of `keys`; returns how many. */
  async round(): Promise<number> {
    let copied = 0;
    for (const { name, partitions } of Object.values(TOPICS)) {
      const from = this.from.get(name)!;
      const ends = new Map(
        (await this.admin!.fetchTopicOffsets(name)).map((o) => [o.partition, BigInt(o.high)]),
      );
      const todo = [...ends].filter(([p, high]) => high > (from.get(p) ?? 0n));
      const messages = [
        ...(this.held.get(name) ?? []),
        ...(await this.records.read(
          todo.map(([partition, high]) => ({
            topic: name,
            partition,
            firstOffset: String(from.get(partition) ?? 0n),
            lastOffset: String(high - 1n),
          })),
        )),
      ].filter((m) => !m.headers[COPY_HEADER]);
      for (const [p, high] of todo) from.set(p, high);
      const isMine = (m: KafkaRecord): boolean => m.key !== null && this.keys.has(m.key.toString());
      const mine = messages.filter(isMine);
      this.held.set(
        name,
        messages.filter((m) => !isMine(m)),
      );
      if (mine.length === 0) continue;
      await this.producer!.send({
        topic: name,
        acks: -1,
        messages: mine.map((m) => {
          const cross = this.crossPartition++ % 2 === 1;
          return {
            key: m.key,
            value: m.value,
            headers: { ...m.headers, [COPY_HEADER]: '1' },
            partition: cross ? (m.partition + 1) % partitions : m.partition,
          };
        }),
      });
      this.copies.set(name, (this.copies.get(name) ?? 0) + mine.length);
      copied += mine.length;
    }
    return copied;
  }

  /** Deliveries of copies: a copy on a topic reaches every consumer group subscribed to it. */
  deliveries(): number {
    let sum = 0;
    for (const [topic, count] of this.copies) {
      sum += count * CONSUMERS.filter((c) => c.topics.includes(topic as never)).length;
    }
    return sum;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer?.disconnect(), this.admin?.disconnect(), this.records.close()]);
  }
}
