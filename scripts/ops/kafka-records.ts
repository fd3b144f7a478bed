/**
 * Reads records back from a topic by coordinates (`npm run dlq` reads a dead-letter topic this
 * way, the tests read what the pipeline wrote). A throw-away consumer group seeks to the first
 * offset; nothing is committed for any group the pipeline uses. Offsets below the partition's log
 * start are gone: the topic's retention has passed for them.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { KafkaRecord } from '../../local/runtime/msk-event';
import type { RecordRange } from './dead-letter';
import { opsKafkaAdmin } from './kafka-client';
import { OpsError, type OpsTarget } from './target';

/** Where `npm run dlq` reads dead-letter records from; Kafka, or a fake in unit tests. */
export interface RecordSource {
  read(ranges: readonly RecordRange[]): Promise<KafkaRecord[]>;
  readTopic(topic: string): Promise<KafkaRecord[]>;
  close(): Promise<void>;
}

const READ_TIMEOUT_MS = 30_000;

export class KafkaRecordSource implements RecordSource {
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;

  public constructor(private readonly target: OpsTarget) {}

  /**
   * The records of the ranges, oldest first per partition. A range is clipped to what its
   * partition still holds (from its log start to its end); offsets outside that are gone or not
   * written yet, so nothing is waited for there.
   */
  public async read(ranges: readonly RecordRange[]): Promise<KafkaRecord[]> {
    const admin = await this.connectedAdmin();
    const readable: RecordRange[] = [];
    for (const topic of new Set(ranges.map((range) => range.topic))) {
      const bounds = new Map(
        (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, { low: p.low, high: p.high }]),
      );
      for (const range of ranges.filter((candidate) => candidate.topic === topic)) {
        const { low, high } = bounds.get(range.partition) ?? { low: '0', high: '0' };
        const from = maxOf(BigInt(range.firstOffset), BigInt(low));
        const to = minOf(BigInt(range.lastOffset), BigInt(high) - 1n);
        if (from <= to) readable.push({ ...range, firstOffset: String(from), lastOffset: String(to) });
      }
    }
    return this.consumeAll(readable);
  }

  /** Every record the topic holds now, oldest first per partition. */
  public async readTopic(topic: string): Promise<KafkaRecord[]> {
    const admin = await this.connectedAdmin();
    const ranges = (await admin.fetchTopicOffsets(topic))
      .filter((partition) => BigInt(partition.high) > BigInt(partition.low))
      .map((partition) => ({
        topic,
        partition: partition.partition,
        firstOffset: partition.low,
        lastOffset: String(BigInt(partition.high) - 1n),
      }));
    return this.consumeAll(ranges);
  }

  public async close(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = undefined;
  }

  private async consumeAll(ranges: readonly RecordRange[]): Promise<KafkaRecord[]> {
    const records: KafkaRecord[] = [];
    for (const topic of new Set(ranges.map((range) => range.topic))) {
      records.push(
        ...(await this.consume(
          topic,
          ranges.filter((range) => range.topic === topic),
        )),
      );
    }
    return records;
  }

  private async connectedAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    const { kafka, admin } = await opsKafkaAdmin(this.target, 'order-pipeline-dlq');
    this.kafka = kafka;
    this.admin = admin;
    return admin;
  }

  /** The records of the ranges (all on one topic), each range read from its first to its last offset. */
  private async consume(topic: string, ranges: readonly RecordRange[]): Promise<KafkaRecord[]> {
    const groupId = `order-pipeline-ops-dlq-${randomUUID()}`;
    const consumer: Consumer = this.kafka!.consumer({ groupId, maxWaitTimeInMs: 100 });
    const wanted = new Map(ranges.map((range) => [range.partition, range]));
    const pending = new Set(wanted.keys());
    const found: KafkaRecord[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new OpsError(`Kafka did not deliver ${topic} records within ${READ_TIMEOUT_MS / 1000} s`)),
          READ_TIMEOUT_MS,
        );
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const range = wanted.get(batch.partition);
              if (range === undefined || !pending.has(batch.partition)) return;
              for (const message of batch.messages) {
                const offset = BigInt(message.offset);
                if (offset < BigInt(range.firstOffset)) continue;
                if (offset > BigInt(range.lastOffset)) break;
                found.push({
                  topic,
                  partition: batch.partition,
                  offset: message.offset,
                  timestamp: message.timestamp,
                  key: message.key,
                  value: message.value,
                  headers: message.headers ?? {},
                });
              }
              const last = batch.messages.at(-1);
              if (last && BigInt(last.offset) >= BigInt(range.lastOffset)) pending.delete(batch.partition);
              if (pending.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
        for (const range of ranges)
          consumer.seek({ topic, partition: range.partition, offset: range.firstOffset });
      });
    } finally {
      await consumer.disconnect();
      await this.admin?.deleteGroups([groupId]).catch(() => undefined);
    }
    return found.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  }
}

const maxOf = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const minOf = (a: bigint, b: bigint): bigint => (a < b ? a : b);
