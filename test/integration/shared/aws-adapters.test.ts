/**
 * The shared adapters against the local stand-ins of the integration run: poison records on the
 * real Kafka broker through the dead-letter topic sink, and idempotent processing on the local DynamoDB server with the Powertools
 * DynamoDB persistence layer, both configured from the environment as in Lambda.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { decodeMessage } from '../../../lambdas/shared/events/codec';
import { EventInProgressError, makeEventProcessorIdempotent } from '../../../lambdas/shared/idempotency';
import { parseDeadLetterDocument } from '../../../lambdas/shared/kafka/dead-letter-record';
import { failedRecordSinkFromEnvironment } from '../../../lambdas/shared/kafka/dead-letter-sink';
import { disconnectSharedKafkaProducer } from '../../../lambdas/shared/kafka/producer';
import type { FailedRecord } from '../../../lambdas/shared/ports/failed-record-sink';
import { KafkaRecordSource } from '../../../scripts/ops/kafka-records';
import { localTargetOf } from '../../../scripts/ops/target';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';
import { exampleEvent } from '../../fixtures/msk';

beforeAll(() => {
  Object.assign(process.env, inject('localServices').environment);
});

describe('KafkaDeadLetterSink on the local broker', () => {
  it('writes the poison record, keyed by its order id, to DEAD_LETTER_TOPIC with its content and reason', async () => {
    // Prepare
    const { kafkaBrokers } = inject('localServices');
    vi.stubEnv('KAFKA_BROKERS', kafkaBrokers.join(','));
    vi.stubEnv('DEAD_LETTER_TOPIC', 'dead-letters.analytics');
    const target = localTargetOf({}, { KAFKA_BROKERS: kafkaBrokers.join(',') });
    const record: FailedRecord = {
      consumer: 'analytics',
      topic: 'orders.events',
      partition: 5,
      offset: 77,
      key: randomUUID(),
      value: Buffer.from('not json').toString('base64'),
      headers: [{ 'correlation-id': [...Buffer.from('c-77')] }],
      reason: 'INVALID_ENVELOPE',
      error: 'Record value is not valid JSON',
      failedAt: new Date().toISOString(),
    };

    // Act
    await failedRecordSinkFromEnvironment().send(record);

    // Assess
    const reader = new KafkaRecordSource(target);
    const records = await reader.readTopic('dead-letters.analytics').finally(() => reader.close());
    const written = records.find((candidate) => candidate.key?.toString() === record.key)!;
    const document = parseDeadLetterDocument(written.value!.toString('utf8'));
    expect(document.poisonRecord).toEqual({
      consumer: 'analytics',
      reason: 'INVALID_ENVELOPE',
      error: record.error,
    });
    expect(document.payload.records['orders.events-5']).toEqual([
      expect.objectContaining({ offset: 77, value: record.value, headers: record.headers }),
    ]);
    vi.unstubAllEnvs();
    await disconnectSharedKafkaProducer();
  });
});

describe('makeEventProcessorIdempotent on the local DynamoDB server', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await createTestTable(inject('localServices').dynamodbEndpoint, 'idempotency', 'id');
    process.env.IDEMPOTENCY_TABLE_NAME = table.name;
  });

  afterAll(async () => {
    await table.drop();
  });

  it('processes an event once per consumer and answers a redelivery from the table', async () => {
    // Prepare
    const message = decodeMessage(JSON.parse(JSON.stringify(exampleEvent('OrderConfirmed'))));
    const notification = vi.fn(async () => ({ template: 'order-confirmed', sent: true }));
    const otherConsumer = vi.fn(async () => ({ sent: true }));
    const notificationOnce = makeEventProcessorIdempotent('notification', notification);
    const otherConsumerOnce = makeEventProcessorIdempotent('other-consumer', otherConsumer);

    // Act
    const first = await notificationOnce(message);
    const redelivery = await makeEventProcessorIdempotent('notification', notification)(message);
    await otherConsumerOnce(message);

    // Assess
    expect(first).toEqual({ template: 'order-confirmed', sent: true });
    expect(redelivery).toEqual({ template: 'order-confirmed', sent: true });
    expect(notification).toHaveBeenCalledOnce();
    expect(otherConsumer).toHaveBeenCalledOnce();
  });

  it('lets only one of two concurrent deliveries run; the other is retryable', async () => {
    // Prepare
    const message = decodeMessage(JSON.parse(JSON.stringify(exampleEvent('OrderPlaced'))));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const process = vi.fn(async () => {
      await gate;
      return 'done';
    });
    const once = makeEventProcessorIdempotent('notification', process);

    // Act
    const running = once(message);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const concurrent = await once(message).catch((error: unknown) => error);
    release();
    const result = await running;

    // Assess
    expect(result).toBe('done');
    expect(concurrent).toBeInstanceOf(EventInProgressError);
    expect(process).toHaveBeenCalledOnce();
  });
});
