/**
 * Records the tests put on the pipeline's topics behind the handlers' backs: a raw record (a
 * poison record that no producer of the pipeline would write) and records produced a second time,
 * unchanged, as a redelivery or a producer retry would. Test code only: the local mode offers
 * nothing of this to its users.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { KafkaRecord } from '../../../local/runtime/msk-event';
import { KafkaRecordSource } from '../../../scripts/ops/kafka-records';
import { localTargetOf } from '../../../scripts/ops/target';

export class KafkaFaults {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;

  constructor(private readonly brokers: readonly string[]) {
    this.kafka = new Kafka({
      clientId: 'order-pipeline-test-faults',
      brokers: [...brokers],
      logLevel: logLevel.ERROR,
      retry: { retries: 5, initialRetryTime: 200 },
    });
  }

  async connect(): Promise<void> {
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer?.disconnect();
    this.producer = undefined;
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

  /** The topic's records, as it holds them now, that `keep` accepts. */
  private async scan(topic: string, keep: (record: KafkaRecord) => boolean): Promise<KafkaRecord[]> {
    const source = new KafkaRecordSource(localTargetOf({}, { KAFKA_BROKERS: this.brokers.join(',') }));
    try {
      return (await source.readTopic(topic)).filter(keep);
    } finally {
      await source.close();
    }
  }

  private requireProducer(): Producer {
    if (!this.producer) throw new Error('KafkaFaults is not connected');
    return this.producer;
  }
}
