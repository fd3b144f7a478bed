import { describe, expect, it, vi } from 'vitest';
import { MissingConfigurationError } from '../../../../lambdas/shared/env';
import {
  failedRecordsOf,
  InvalidDeadLetterError,
  parseDeadLetterDocument,
} from '../../../../lambdas/shared/kafka/dead-letter-record';
import {
  failedRecordSinkFromEnvironment,
  KafkaDeadLetterSink,
} from '../../../../lambdas/shared/kafka/dead-letter-sink';
import type { FailedRecord } from '../../../../lambdas/shared/ports/failed-record-sink';

const ORDER_ID = '3f1c2b9e-5d4a-4c7b-8e2f-1a2b3c4d5e6f';

const failedRecord: FailedRecord = {
  consumer: 'analytics',
  topic: 'orders.events',
  partition: 3,
  offset: 1207,
  key: ORDER_ID,
  value: Buffer.from('not json').toString('base64'),
  headers: [{ 'correlation-id': [...Buffer.from('c-1')] }],
  timestamp: Date.parse('2026-11-24T20:59:59.000Z'),
  reason: 'INVALID_ENVELOPE',
  error: 'Record value is not valid JSON',
  failedAt: '2026-11-24T21:00:00.000Z',
};

type Sent = { topic: string; acks: number; messages: { key: Buffer | null; value: string }[] };

describe('KafkaDeadLetterSink', () => {
  it('writes the record, keyed by its own key, in the document Lambda writes to a Kafka destination', async () => {
    // Prepare
    const producer = { send: vi.fn(async (_sent: Sent) => []) };
    const sink = new KafkaDeadLetterSink('dead-letters.analytics', {
      producer: async () => producer,
      env: { MSK_CLUSTER_ARN: 'arn:aws:kafka:eu-central-1:123456789012:cluster/pipeline/uuid' },
    });

    // Act
    await sink.send(failedRecord);

    // Assess
    const sent = producer.send.mock.calls[0]![0];
    expect(sent.topic).toBe('dead-letters.analytics');
    expect(sent.acks).toBe(-1);
    expect(sent.messages[0]?.key?.toString()).toBe(ORDER_ID);
    const document = parseDeadLetterDocument(sent.messages[0]!.value);
    expect(document.requestContext.condition).toBe('PoisonRecord');
    expect(document.KafkaBatchInfo).toMatchObject({
      batchSize: 1,
      eventSourceArn: 'arn:aws:kafka:eu-central-1:123456789012:cluster/pipeline/uuid',
      recordInfo: { offset: '1207', timestamp: '2026-11-24T20:59:59.000Z' },
    });
    expect(document.poisonRecord).toEqual({
      consumer: 'analytics',
      reason: 'INVALID_ENVELOPE',
      error: 'Record value is not valid JSON',
    });
    expect(failedRecordsOf(document)).toEqual([
      {
        topic: 'orders.events',
        partition: 3,
        offset: 1207,
        timestamp: Date.parse('2026-11-24T20:59:59.000Z'),
        timestampType: 'CREATE_TIME',
        key: Buffer.from(ORDER_ID).toString('base64'),
        value: failedRecord.value,
        headers: failedRecord.headers,
      },
    ]);
  });

  it('drops the producer whose send failed and rejects, so the batch retries the record', async () => {
    // Prepare
    const producer = { send: vi.fn(async () => Promise.reject(new Error('NOT_LEADER_FOR_PARTITION'))) };
    const discard = vi.fn(async () => undefined);
    const sink = new KafkaDeadLetterSink('dead-letters.analytics', {
      producer: async () => producer,
      discard,
    });

    // Act
    const sending = sink.send(failedRecord);

    // Assess
    await expect(sending).rejects.toThrow('NOT_LEADER_FOR_PARTITION');
    expect(discard).toHaveBeenCalledWith(producer);
  });

  it('needs DEAD_LETTER_TOPIC', () => {
    // Prepare
    const env = {};

    // Act
    const create = () => failedRecordSinkFromEnvironment(env);

    // Assess
    expect(create).toThrow(MissingConfigurationError);
    expect(failedRecordSinkFromEnvironment({ DEAD_LETTER_TOPIC: 'dead-letters.loyalty' })).toBeInstanceOf(
      KafkaDeadLetterSink,
    );
  });
});

describe('parseDeadLetterDocument', () => {
  it.each([
    ['not JSON', 'not json'],
    ['no payload', '{"requestContext":{}}'],
    ['no failed record', '{"payload":{"records":{}}}'],
    ['a record without coordinates', '{"payload":{"records":{"orders.events-0":[{"value":"e30="}]}}}'],
  ])('refuses %s', (_case, value) => {
    // Prepare
    const parse = () => parseDeadLetterDocument(value);

    // Act & Assess
    expect(parse).toThrow(InvalidDeadLetterError);
  });
});
