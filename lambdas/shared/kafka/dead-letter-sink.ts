/**
 * FailedRecordSink on Kafka: the consumer's dead-letter topic (DEAD_LETTER_TOPIC), the topic its
 * event source mappings send exhausted records to, written in the same shape (dead-letter-record.ts)
 * so operators look in one place and read one format.
 *
 * It produces with the container's idempotent producer (producer.ts), whose kafkajs and MSK IAM
 * signer are loaded on first use: a consumer that never meets a poison record never loads them.
 */
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { optionalSetting, requireSetting } from '../env';
import type { FailedRecord, FailedRecordSink } from '../ports/failed-record-sink';
import { deadLetterDocument } from './dead-letter-record';
import { discardSharedKafkaProducer, sharedKafkaProducer } from './producer';

export interface KafkaDeadLetterSinkOptions {
  /** @default the container's shared producer */
  readonly producer?: () => Promise<Pick<Producer, 'send'>>;
  /** Gets a producer whose send failed. @default drops the container's producer (see producer.ts) */
  readonly discard?: (failed: Pick<Producer, 'send'>) => Promise<void>;
  /** Where the function ARN, cluster and brokers written into the document come from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export class KafkaDeadLetterSink implements FailedRecordSink {
  private readonly producer: () => Promise<Pick<Producer, 'send'>>;
  private readonly discard: (failed: Pick<Producer, 'send'>) => Promise<void>;
  private readonly env: NodeJS.ProcessEnv;

  public constructor(
    private readonly topic: string,
    options: KafkaDeadLetterSinkOptions = {},
  ) {
    this.producer = options.producer ?? sharedKafkaProducer;
    this.discard = options.discard ?? ((failed) => discardSharedKafkaProducer(failed as Producer));
    this.env = options.env ?? process.env;
  }

  public async send(record: FailedRecord): Promise<void> {
    const key = record.key === undefined ? null : Buffer.from(record.key, 'utf8');
    const document = deadLetterDocument({
      record: {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp ?? Date.parse(record.failedAt),
        timestampType: 'CREATE_TIME',
        // The MSK event carries an empty key for a record without one.
        key: key ? key.toString('base64') : '',
        value: record.value,
        headers: [...(record.headers ?? [])],
      },
      condition: 'PoisonRecord',
      requestId: randomUUID(),
      // The sink has no invocation context (whose invokedFunctionArn Lambda would write): its name.
      functionArn: this.env.AWS_LAMBDA_FUNCTION_NAME ?? record.consumer,
      eventSourceArn: optionalSetting('mskClusterArn', this.env) ?? '',
      bootstrapServers: this.env.KAFKA_BROKERS ?? '',
      approximateInvokeCount: 1,
      functionError: false,
      failedAt: new Date(record.failedAt),
      poisonRecord: { consumer: record.consumer, reason: record.reason, error: record.error },
    });
    let producer: Pick<Producer, 'send'> | undefined;
    try {
      producer = await this.producer();
      // Keyed like the source record, as Lambda keys what it writes, so one order stays on one partition.
      await producer.send({
        topic: this.topic,
        acks: -1,
        messages: [{ key, value: JSON.stringify(document) }],
      });
    } catch (error) {
      if (producer) await this.discard(producer).catch(() => undefined);
      throw error;
    }
  }
}

/** The sink of the current consumer, from DEAD_LETTER_TOPIC. */
export function failedRecordSinkFromEnvironment(env: NodeJS.ProcessEnv = process.env): KafkaDeadLetterSink {
  return new KafkaDeadLetterSink(requireSetting('deadLetterTopic', env), { env });
}
