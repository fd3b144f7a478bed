/**
 * Records the tests put on the pipeline's topics behind the handlers' backs: a raw record (a
 * poison record that no producer of the pipeline would write) and records produced a second time,
 * unchanged, as a redelivery or a producer retry would. Test code only: the local mode offers
 * nothing of this to its users.
 */
import { randomUUID } from 'node:crypto';
import { type Admin, type IHeaders, Kafka, logLevel, type Producer } from 'kafkajs';

/** A record as read, with what it takes to produce it again unchanged. */
export interface CopiedRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  readonly partition: number;
}

/**
 * The records of `topic` at offsets [from, end) of each partition in `ends` (`from` 0 where not
 * given), read with a throw-away consumer group that is deleted afterwards.
 */
export async function readTopicRange(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  ends: ReadonlyMap<number, bigint>,
  from: ReadonlyMap<number, bigint> = new Map(),
): Promise<CopiedRecord[]> {
  const startOf = (partition: number): bigint => from.get(partition) ?? 0n;
  const remaining = new Set([...ends].filter(([p, end]) => end > startOf(p)).map(([p]) => p));
  const found: CopiedRecord[] = [];
  if (remaining.size === 0) return found;
  const groupId = `order-pipeline-test-read-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Reading ${topic} took longer than 30 s`)), 30_000);
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const partition of remaining) {
          consumer.seek({ topic, partition, offset: String(startOf(partition)) });
        }
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition);
            if (end === undefined || !remaining.has(batch.partition)) return;
            for (const message of batch.messages) {
              const offset = BigInt(message.offset);
              if (offset < startOf(batch.partition)) continue;
              if (offset >= end) break;
              found.push({
                key: message.key,
                value: message.value,
                headers: message.headers ?? {},
                partition: batch.partition,
              });
            }
            const last = batch.messages.at(-1);
            if (last && BigInt(last.offset) + 1n >= end) remaining.delete(batch.partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return found;
}

export class KafkaFaults {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private admin: Admin | undefined;

  constructor(brokers: readonly string[]) {
    this.kafka = new Kafka({
      clientId: 'order-pipeline-test-faults',
      brokers: [...brokers],
      logLevel: logLevel.ERROR,
      retry: { retries: 5, initialRetryTime: 200 },
    });
  }

  async connect(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await Promise.allSettled([this.producer?.disconnect(), this.admin?.disconnect()]);
    this.producer = undefined;
    this.admin = undefined;
  }

  async produceRaw(topic: string, partition: number, key: string, value: string): Promise<void> {
    await this.requireProducer().send({ topic, acks: -1, messages: [{ partition, key, value }] });
  }

  /**
   * Produces again, unchanged (key, value, headers, partition), every record of `topic` whose key
   * is `orderId` and whose event type (header `event-type`, else the envelope's) is `eventType`.
   */
  async redeliver(topic: string, orderId: string, eventType: string): Promise<number> {
    const matches = await this.scan(topic, (record) => {
      if (record.key?.toString() !== orderId) return false;
      const header = record.headers['event-type'];
      if (header !== undefined) return String(header) === eventType;
      try {
        return (
          (JSON.parse(record.value?.toString() ?? '') as { eventType?: unknown }).eventType === eventType
        );
      } catch {
        return false;
      }
    });
    if (matches.length > 0) {
      await this.requireProducer().send({
        topic,
        acks: -1,
        messages: matches.map((record) => ({
          partition: record.partition,
          key: record.key,
          value: record.value,
          headers: record.headers,
        })),
      });
    }
    return matches.length;
  }

  /** The topic's records from the beginning up to its current end that `keep` accepts. */
  private async scan(topic: string, keep: (record: CopiedRecord) => boolean): Promise<CopiedRecord[]> {
    const admin = this.requireAdmin();
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
    return (await readTopicRange(this.kafka, admin, topic, ends)).filter(keep);
  }

  private requireProducer(): Producer {
    if (!this.producer) throw new Error('KafkaFaults is not connected');
    return this.producer;
  }

  private requireAdmin(): Admin {
    if (!this.admin) throw new Error('KafkaFaults is not connected');
    return this.admin;
  }
}
