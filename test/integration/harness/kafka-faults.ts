/**
 * Records the tests put on the pipeline's topics behind the handlers' backs: a raw record (a
 * poison record that no producer of the pipeline would write) and records produced a second time,
 * unchanged, as a redelivery or a producer retry would. Test code only: the local mode offers
 * nothing of this to its users.
 */
import { randomUUID } from 'node:crypto';
import { type Admin, type IHeaders, Kafka, logLevel, type Producer } from 'kafkajs';

interface CopiedRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  readonly partition: number;
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

  /** Reads the topic from the beginning up to its current end with a throw-away group. */
  private async scan(topic: string, keep: (record: CopiedRecord) => boolean): Promise<CopiedRecord[]> {
    const ends = new Map(
      (await this.requireAdmin().fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]),
    );
    const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([partition]) => partition));
    const found: CopiedRecord[] = [];
    if (remaining.size === 0) return found;
    const groupId = `order-pipeline-test-scan-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Scanning ${topic} took longer than 30 s`)), 30_000);
        consumer
          .run({
            eachBatch: async ({ batch }) => {
              const end = ends.get(batch.partition) ?? 0n;
              for (const message of batch.messages) {
                if (BigInt(message.offset) >= end) break;
                const record: CopiedRecord = {
                  key: message.key,
                  value: message.value,
                  headers: message.headers ?? {},
                  partition: batch.partition,
                };
                if (keep(record)) found.push(record);
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
      await this.requireAdmin()
        .deleteGroups([groupId])
        .catch(() => undefined);
    }
    return found;
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
