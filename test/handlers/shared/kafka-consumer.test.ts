/**
 * The shared modules wired the way every consumer handler wires them (instrumented handler ->
 * processKafkaBatch -> idempotent processor, poison records to the dead-letter topic sink), driven by MSK
 * events shaped like the ones AWS sends.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeEventProcessorIdempotent } from '../../../lambdas/shared/idempotency';
import { type DecodedKafkaRecord, processKafkaBatch } from '../../../lambdas/shared/kafka/batch';
import { parseDeadLetterDocument } from '../../../lambdas/shared/kafka/dead-letter-record';
import { KafkaDeadLetterSink } from '../../../lambdas/shared/kafka/dead-letter-sink';
import { instrumentHandler, logger, metrics } from '../../../lambdas/shared/observability';
import { InMemoryPersistenceLayer } from '../../fixtures/in-memory-persistence-layer';
import { exampleEvent, mskEvent, mskRecord, ORDER_ID } from '../../fixtures/msk';

const context = {
  functionName: 'order-pipeline-analytics',
  awsRequestId: 'b3f1c2d4-0000-4000-8000-000000000001',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

function consumerHandler(process: (record: DecodedKafkaRecord) => Promise<void>) {
  const producer = { send: vi.fn(async () => []) };
  const store = new InMemoryPersistenceLayer();
  const once = makeEventProcessorIdempotent('analytics', process, { persistenceStore: store });
  const sink = new KafkaDeadLetterSink('dead-letters.analytics', { producer: async () => producer });
  const handler = instrumentHandler(
    async (event: MSKEvent, invocation: Context) => {
      once.registerLambdaContext(invocation);
      return processKafkaBatch(event, once, { failedRecordSink: sink, consumer: 'analytics' });
    },
    { name: 'analytics' },
  );
  return { handler, producer, store };
}

beforeEach(() => {
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
  vi.spyOn(metrics, 'captureColdStartMetric').mockImplementation(() => undefined);
  vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
  vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('a Kafka consumer built from the shared modules', () => {
  it('processes a duplicate delivery of an event once', async () => {
    // Prepare: the same event delivered twice (a publisher retry after a lost ack)
    const confirmed = exampleEvent('OrderConfirmed');
    const process = vi.fn(async () => undefined);
    const { handler } = consumerHandler(process);
    const event = mskEvent([
      { envelope: confirmed, options: { partition: 4 } },
      { envelope: confirmed, options: { partition: 4 } },
      { envelope: exampleEvent('OrderPlaced'), options: { partition: 9 } },
    ]);

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(process).toHaveBeenCalledTimes(2);
  });

  it('replays a whole batch without processing anything twice', async () => {
    // Prepare
    const process = vi.fn(async () => undefined);
    const { handler } = consumerHandler(process);
    const event = mskEvent([
      { envelope: exampleEvent('OrderPlaced') },
      { envelope: exampleEvent('OrderConfirmed') },
    ]);

    // Act
    await handler(event, context);
    const replay = await handler(event, context);

    // Assess
    expect(replay).toEqual({ batchItemFailures: [] });
    expect(process).toHaveBeenCalledTimes(2);
  });

  it('retries a failed record and what follows it; the retry processes only what had not succeeded', async () => {
    // Prepare
    const first = exampleEvent('OrderPlaced');
    const second = exampleEvent('OrderConfirmed');
    const third = exampleEvent('OrderFailed');
    const seen: string[] = [];
    let failSecond = true;
    const { handler } = consumerHandler(async (record) => {
      if (record.envelope.eventId === second.eventId && failSecond) throw new Error('DynamoDB throttled');
      seen.push(record.type);
    });
    const event = mskEvent([{ envelope: first }, { envelope: second }, { envelope: third }]);

    // Act
    const response = await handler(event, context);
    failSecond = false;
    // Lambda redelivers the batch from the first failed offset.
    const retry = await handler(
      mskEvent([mskRecord(second, { offset: 101 }), mskRecord(third, { offset: 102 })]),
      context,
    );

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: 'orders.events-0', offset: 101 } },
      { itemIdentifier: { partition: 'orders.events-0', offset: 102 } },
    ]);
    expect(retry).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual(['OrderPlaced', 'OrderConfirmed', 'OrderFailed']);
  });

  it('sends a poison record to the dead-letter topic and goes on with the partition', async () => {
    // Prepare
    const process = vi.fn(async () => undefined);
    const { handler, producer } = consumerHandler(process);
    const event = mskEvent([
      { value: '{"eventType":"OrderPlaced"}', options: { topic: 'orders.events', key: ORDER_ID } },
      { envelope: exampleEvent('OrderConfirmed') },
    ]);

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(process).toHaveBeenCalledOnce();
    const [sent] = producer.send.mock.calls[0] as unknown as [
      { topic: string; messages: { key: Buffer; value: string }[] },
    ];
    expect(sent.topic).toBe('dead-letters.analytics');
    expect(sent.messages[0]?.key.toString()).toBe(ORDER_ID);
    const document = parseDeadLetterDocument(sent.messages[0]?.value ?? '');
    expect(document.poisonRecord).toMatchObject({ consumer: 'analytics', reason: 'INVALID_ENVELOPE' });
    expect(document.payload.records['orders.events-0']?.[0]).toMatchObject({
      topic: 'orders.events',
      offset: 100,
    });
  });
});
