/**
 * The shared producer against the real broker of the integration run (KAFKA_BROKERS from the
 * harness): records land keyed by orderId with the contract headers, one order's events on one
 * partition in order, and read back through processKafkaBatch exactly as a consumer would.
 */
import { randomUUID } from 'node:crypto';
import type { MSKEvent, MSKRecord } from 'aws-lambda';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeJson } from '../../../lambdas/shared/events/codec';
import { type DecodedKafkaRecord, processKafkaBatch } from '../../../lambdas/shared/kafka/batch';
import {
  disconnectSharedKafkaProducer,
  eventPublisherFromEnvironment,
} from '../../../lambdas/shared/kafka/producer';
import { InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { exampleEvent, TRACE_HEADER } from '../../fixtures/msk';

interface Received {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

const TOPICS = ['orders.events', 'inventory.commands'];

describe('KafkaEventPublisher on a real broker', () => {
  const received: Received[] = [];
  /** Order ids of this file; other tests share the topics. */
  const ours = new Set<string>();
  let kafka: Kafka;
  const consumerGroup = `shared-it-${randomUUID().slice(0, 8)}`;
  let stopConsumer: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const brokers = inject('localServices').kafkaBrokers;
    process.env.KAFKA_BROKERS = brokers.join(',');
    kafka = new Kafka({ clientId: 'shared-it', brokers: [...brokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: consumerGroup });
    await consumer.connect();
    await consumer.subscribe({ topics: TOPICS, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        if (ours.has(message.key?.toString() ?? '')) received.push({ topic, partition, message });
      },
    });
    stopConsumer = async () => {
      await consumer.disconnect();
    };
  });

  function newOrder(): string {
    const orderId = randomUUID();
    ours.add(orderId);
    return orderId;
  }

  async function recordsOf(orderId: string, count: number): Promise<Received[]> {
    const mine = () => received.filter((r) => r.message.key?.toString() === orderId);
    await waitFor(() => mine().length >= count, 60_000);
    return mine();
  }

  afterAll(async () => {
    await stopConsumer?.();
    await disconnectSharedKafkaProducer();
  });

  it('publishes keyed records with the contract headers, in order on one partition per topic', async () => {
    // Prepare
    const orderId = newOrder();
    const placed = exampleEvent('OrderPlaced', { orderId });
    const reserve = exampleEvent('ReserveStock', { orderId });
    const confirmed = exampleEvent('OrderConfirmed', { orderId });
    const publisher = eventPublisherFromEnvironment();

    // Act
    await publisher.publish([placed, reserve, confirmed], { traceHeader: TRACE_HEADER });
    const records = await recordsOf(orderId, 3);

    // Assess
    const orders = records.filter((r) => r.topic === 'orders.events');
    expect(orders.map((r) => decodeJson(r.message.value ?? '').envelope.eventId)).toEqual([
      placed.eventId,
      confirmed.eventId,
    ]);
    expect(new Set(orders.map((r) => r.partition)).size).toBe(1);
    expect(records.find((r) => r.topic === 'inventory.commands')).toBeDefined();
    const headers = textHeaders(orders[0]?.message);
    expect(headers).toEqual({
      'x-amzn-trace-id': TRACE_HEADER,
      'correlation-id': placed.correlationId,
      'event-type': 'OrderPlaced',
      'event-version': '2',
    });
  });

  it('is read back by processKafkaBatch as the envelope that was published', async () => {
    // Prepare
    const orderId = newOrder();
    await eventPublisherFromEnvironment().publish(
      [
        exampleEvent('OrderPlaced', { orderId }),
        exampleEvent('ReserveStock', { orderId }),
        exampleEvent('OrderConfirmed', { orderId }),
      ],
      { traceHeader: TRACE_HEADER },
    );
    const event = toMskEvent(await recordsOf(orderId, 3));
    const decoded: DecodedKafkaRecord[] = [];

    // Act
    const response = await processKafkaBatch(event, async (record) => void decoded.push(record), {
      failedRecordSink: new InMemoryFailedRecordSink(),
    });

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(decoded.map((record) => record.type).sort()).toEqual([
      'OrderConfirmed',
      'OrderPlaced',
      'ReserveStock',
    ]);
    expect(decoded.every((record) => record.key === orderId)).toBe(true);
    expect(decoded.every((record) => record.headers['x-amzn-trace-id'] === TRACE_HEADER)).toBe(true);
  });
});

/** Kafka messages the way an MSK event source mapping hands them to Lambda. */
function toMskEvent(messages: readonly Received[]): MSKEvent {
  const records: MSKEvent['records'] = {};
  for (const { topic, partition, message } of messages) {
    const record: MSKRecord = {
      topic,
      partition,
      offset: Number(message.offset),
      timestamp: Number(message.timestamp),
      timestampType: 'CREATE_TIME',
      key: message.key?.toString('base64') ?? '',
      value: message.value?.toString('base64') ?? '',
      headers: Object.entries(message.headers ?? {}).map(([name, value]) => ({
        [name]: [...Buffer.from(String(value))],
      })),
    };
    const id = `${topic}-${partition}`;
    records[id] = [...(records[id] ?? []), record];
  }
  return { eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:local', bootstrapServers: '', records };
}

function textHeaders(message: KafkaMessage | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(message?.headers ?? {}).map(([name, value]) => [name, String(value)]),
  );
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for the published records');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
