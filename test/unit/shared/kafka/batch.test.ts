import { describe, expect, it, vi } from 'vitest';
import { PoisonRecordError } from '../../../../lambdas/shared/events/codec';
import {
  type DecodedKafkaRecord,
  decodeHeaders,
  decodeKafkaRecord,
  processKafkaBatch,
  processKafkaBatchTogether,
} from '../../../../lambdas/shared/kafka/batch';
import { logger, MetricUnit, metrics } from '../../../../lambdas/shared/observability';
import { KEYS_IN_FLIGHT_PER_PARTITION } from '../../../../lib/config/consumers';
import { InMemoryFailedRecordSink } from '../../../fixtures/in-memory-event-publisher';
import {
  exampleEvent,
  mskEvent,
  mskRecord,
  ORDER_ID,
  rawMskRecord,
  TRACE_HEADER,
} from '../../../fixtures/msk';

const ORDERS = 'orders.events';
/** Failures are expected in these tests; their logging is asserted where it matters. */
const quiet = { warn: () => undefined, error: () => undefined };

function failureIds(response: Awaited<ReturnType<typeof processKafkaBatch>>): string[] {
  return response.batchItemFailures.map((f) => `${f.itemIdentifier.partition}@${f.itemIdentifier.offset}`);
}

function confirmedOn(partition: number) {
  return { envelope: exampleEvent('OrderConfirmed'), options: { partition } };
}

describe('decodeKafkaRecord', () => {
  it('decodes key, headers and value of an MSK record', () => {
    // Prepare
    const envelope = exampleEvent('OrderPlaced');
    const record = mskRecord(envelope, { partition: 7, offset: 42 });

    // Act
    const decoded = decodeKafkaRecord(record);

    // Assess
    expect(decoded).toMatchObject({
      topic: ORDERS,
      partition: 7,
      offset: 42,
      key: ORDER_ID,
      type: 'OrderPlaced',
    });
    expect(decoded.headers).toEqual({
      'x-amzn-trace-id': TRACE_HEADER,
      'correlation-id': envelope.correlationId,
      'event-type': 'OrderPlaced',
      'event-version': '2',
    });
    expect(decoded.envelope).toEqual(envelope);
    expect(decoded.raw).toBe(record);
  });

  it('reads a record without key or headers', () => {
    // Prepare
    const record = mskRecord(exampleEvent('StockReserved'), { key: null });
    const withoutHeaders = { ...record, headers: undefined } as unknown as typeof record;

    // Act
    const decoded = decodeKafkaRecord(withoutHeaders);

    // Assess
    expect(decoded.key).toBeUndefined();
    expect(decoded.headers).toEqual({});
  });

  it('keeps the last value of a repeated header', () => {
    // Act
    const headers = decodeHeaders([{ a: [49] }, { a: [50] }, { b: [] }]);

    // Assess
    expect(headers).toEqual({ a: '2', b: '' });
  });
});

describe('processKafkaBatch', () => {
  it('processes every record and reports no failure', async () => {
    // Prepare
    const event = mskEvent([confirmedOn(0), confirmedOn(1), confirmedOn(0)]);
    const seen: DecodedKafkaRecord[] = [];

    // Act
    const response = await processKafkaBatch(event, async (record) => void seen.push(record), {
      failedRecordSink: new InMemoryFailedRecordSink(),
      logger: quiet,
    });

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen).toHaveLength(3);
  });

  it('processes the records of one key (order id) strictly in offset order, one at a time', async () => {
    // Prepare: offsets deliberately out of order in the payload
    const event = mskEvent([
      mskRecord(exampleEvent('OrderPlaced'), { offset: 12 }),
      mskRecord(exampleEvent('StockReserved'), { topic: ORDERS, offset: 10 }),
      mskRecord(exampleEvent('OrderConfirmed'), { offset: 11 }),
    ]);
    const order: number[] = [];
    let running = 0;

    // Act
    await processKafkaBatch(
      event,
      async (record) => {
        running += 1;
        expect(running).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 13 - record.offset));
        order.push(record.offset);
        running -= 1;
      },
      { failedRecordSink: new InMemoryFailedRecordSink(), logger: quiet },
    );

    // Assess
    expect(order).toEqual([10, 11, 12]);
  });

  it('runs different keys of one partition concurrently, each key in offset order, at most KEYS_IN_FLIGHT_PER_PARTITION at once', async () => {
    // Prepare: 20 orders on partition 0, two records each, interleaved as Kafka would store them
    const orderIds = Array.from(
      { length: 20 },
      (_, i) => `9d2c4b7e-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const event = mskEvent([
      ...orderIds.map((orderId) => ({ envelope: exampleEvent('OrderPlaced', { orderId }), options: {} })),
      ...orderIds.map((orderId) => ({ envelope: exampleEvent('OrderConfirmed', { orderId }), options: {} })),
    ]);
    const seen = new Map<string, string[]>();
    let running = 0;
    let maxRunning = 0;

    // Act
    const response = await processKafkaBatch(
      event,
      async (record) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, record.type === 'OrderPlaced' ? 10 : 1));
        seen.set(record.key!, [...(seen.get(record.key!) ?? []), record.type]);
        running -= 1;
      },
      { failedRecordSink: new InMemoryFailedRecordSink(), logger: quiet },
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(KEYS_IN_FLIGHT_PER_PARTITION).toBeGreaterThan(1);
    expect(maxRunning).toBe(KEYS_IN_FLIGHT_PER_PARTITION);
    for (const orderId of orderIds) expect(seen.get(orderId)).toEqual(['OrderPlaced', 'OrderConfirmed']);
  });

  it("stops a failed key's later records and retries the partition from the lowest failed offset", async () => {
    // Prepare: order A at 100 and 102, order B at 101 and 103; B's first record fails at once
    const [a, b] = ['9d2c4b7e-0000-4000-8000-00000000000a', '9d2c4b7e-0000-4000-8000-00000000000b'];
    const event = mskEvent([
      { envelope: exampleEvent('OrderPlaced', { orderId: a }), options: {} },
      { envelope: exampleEvent('OrderPlaced', { orderId: b }), options: {} },
      { envelope: exampleEvent('OrderConfirmed', { orderId: a }), options: {} },
      { envelope: exampleEvent('OrderConfirmed', { orderId: b }), options: {} },
    ]);
    const processed: number[] = [];

    // Act
    const response = await processKafkaBatch(
      event,
      async (record) => {
        if (record.offset === 101) throw new Error('DynamoDB throttled');
        await new Promise((resolve) => setTimeout(resolve, 10));
        processed.push(record.offset);
      },
      { failedRecordSink: new InMemoryFailedRecordSink(), logger: quiet },
    );

    // Assess: A's record after the failure waits for the retry; B's later record never ran
    expect(processed).toEqual([100]);
    expect(failureIds(response)).toEqual([`${ORDERS}-0@101`, `${ORDERS}-0@102`, `${ORDERS}-0@103`]);
  });

  it('runs partitions concurrently', async () => {
    // Prepare
    const event = mskEvent([confirmedOn(0), confirmedOn(1), confirmedOn(2)]);
    let running = 0;
    let maxRunning = 0;

    // Act
    await processKafkaBatch(
      event,
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
      },
      { failedRecordSink: new InMemoryFailedRecordSink(), logger: quiet },
    );

    // Assess
    expect(maxRunning).toBe(3);
  });

  it('fails record N and every later record of its partition only, in the AWS Kafka response shape', async () => {
    // Prepare: partition 0 offsets 100..103, partition 1 offsets 100..101
    const event = mskEvent([
      confirmedOn(0),
      confirmedOn(0),
      confirmedOn(1),
      confirmedOn(0),
      confirmedOn(1),
      confirmedOn(0),
    ]);
    const processed: string[] = [];

    // Act
    const response = await processKafkaBatch(
      event,
      async (record) => {
        if (record.partition === 0 && record.offset === 101) throw new Error('DynamoDB throttled');
        processed.push(`${record.partition}@${record.offset}`);
      },
      { failedRecordSink: new InMemoryFailedRecordSink(), logger: quiet },
    );

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: `${ORDERS}-0`, offset: 101 } },
      { itemIdentifier: { partition: `${ORDERS}-0`, offset: 102 } },
      { itemIdentifier: { partition: `${ORDERS}-0`, offset: 103 } },
    ]);
    expect(processed).toEqual(['0@100', '1@100', '1@101']);
  });

  it('keeps partitions of different topics apart even with the same partition number', async () => {
    // Prepare
    const event = mskEvent([
      { envelope: exampleEvent('OrderConfirmed') },
      { envelope: exampleEvent('PaymentCaptured') },
    ]);

    // Act
    const response = await processKafkaBatch(
      event,
      async (record) => {
        if (record.type === 'OrderConfirmed') throw new Error('boom');
      },
      { failedRecordSink: new InMemoryFailedRecordSink(), logger: quiet },
    );

    // Assess
    expect(failureIds(response)).toEqual([`${ORDERS}-0@100`]);
  });

  it.each([
    ['not JSON', 'not json', 'INVALID_ENVELOPE'],
    [
      'an unknown type',
      JSON.stringify({ ...exampleEvent('OrderConfirmed'), eventType: 'OrderLost' }),
      'UNKNOWN_MESSAGE_TYPE',
    ],
    [
      'a schema mismatch',
      JSON.stringify({ ...exampleEvent('OrderConfirmed'), data: { total: 'ten' } }),
      'INVALID_MESSAGE',
    ],
  ])(
    'diverts %s to the sink, keeps the partition flowing and does not retry it',
    async (_label, value, reason) => {
      // Prepare
      const event = mskEvent([
        { envelope: exampleEvent('OrderPlaced') },
        { value, options: { topic: ORDERS, key: ORDER_ID } },
        { envelope: exampleEvent('OrderConfirmed') },
      ]);
      const sink = new InMemoryFailedRecordSink();
      const logger = { warn: vi.fn(), error: vi.fn() };
      const handled: number[] = [];

      // Act
      const response = await processKafkaBatch(event, async (record) => void handled.push(record.offset), {
        failedRecordSink: sink,
        consumer: 'analytics',
        logger,
        now: () => new Date('2026-11-24T21:00:00.000Z'),
      });

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(handled).toEqual([100, 102]);
      expect(sink.records).toEqual([
        {
          consumer: 'analytics',
          topic: ORDERS,
          partition: 0,
          offset: 101,
          key: ORDER_ID,
          value: Buffer.from(value).toString('base64'),
          // What a redrive puts back on the source topic with the record.
          headers: event.records[`${ORDERS}-0`]![1]!.headers,
          timestamp: event.records[`${ORDERS}-0`]![1]!.timestamp,
          reason,
          error: expect.any(String),
          failedAt: '2026-11-24T21:00:00.000Z',
        },
      ]);
      expect(logger.warn).toHaveBeenCalledOnce();
    },
  );

  it('diverts a record the handler declares poison', async () => {
    // Prepare
    const event = mskEvent([{ envelope: exampleEvent('OrderConfirmed') }]);
    const sink = new InMemoryFailedRecordSink();

    // Act
    const response = await processKafkaBatch(
      event,
      async () => {
        throw new PoisonRecordError('order belongs to nobody', { reason: 'ORPHAN_EVENT' });
      },
      { failedRecordSink: sink, logger: quiet },
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sink.records.map((r) => r.reason)).toEqual(['ORPHAN_EVENT']);
  });

  it('retries a poison record when the sink is down, so nothing is lost', async () => {
    // Prepare
    const event = mskEvent([
      { value: '{', options: { topic: ORDERS } },
      { envelope: exampleEvent('OrderConfirmed') },
    ]);
    const sink = new InMemoryFailedRecordSink();
    sink.failWith = new Error('dead-letter topic unavailable');
    const logger = { warn: vi.fn(), error: vi.fn() };

    // Act
    const response = await processKafkaBatch(event, async () => undefined, {
      failedRecordSink: sink,
      logger,
    });

    // Assess
    expect(failureIds(response)).toEqual([`${ORDERS}-0@100`, `${ORDERS}-0@101`]);
    expect(logger.error).toHaveBeenCalledOnce();
  });

  it('names the consumer after the service when none is given', async () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'loyalty');
    const sink = new InMemoryFailedRecordSink();

    // Act
    await processKafkaBatch(mskEvent([{ value: 'x', options: { topic: ORDERS } }]), async () => undefined, {
      failedRecordSink: sink,
      logger: quiet,
    });

    // Assess
    expect(sink.records[0]?.consumer).toBe('loyalty');
    expect(sink.records[0]?.key).toBeUndefined();
    vi.unstubAllEnvs();
  });

  it('answers an empty batch with no failures', async () => {
    // Prepare
    const event = mskEvent([]);

    // Act
    const response = await processKafkaBatch(event, async () => undefined, {
      failedRecordSink: new InMemoryFailedRecordSink(),
      logger: quiet,
    });

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('reads offsets that arrive as strings', async () => {
    // Prepare: some pollers (and JSON round trips of 64-bit offsets) give strings
    const record = {
      ...rawMskRecord(JSON.stringify(exampleEvent('OrderConfirmed')), { topic: ORDERS }),
      offset: '7',
    };
    const event = mskEvent([record as unknown as ReturnType<typeof rawMskRecord>]);

    // Act
    const response = await processKafkaBatch(
      event,
      async () => {
        throw new Error('fail');
      },
      { failedRecordSink: new InMemoryFailedRecordSink(), logger: quiet },
    );

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: { partition: `${ORDERS}-0`, offset: 7 } }]);
  });

  it('counts poison and failed records and logs them with the shared logger by default', async () => {
    // Prepare
    const addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const event = mskEvent([
      { value: 'not json', options: { topic: ORDERS } },
      { envelope: exampleEvent('OrderConfirmed') },
      { envelope: exampleEvent('OrderConfirmed') },
    ]);

    // Act
    await processKafkaBatch(
      event,
      async () => {
        throw new Error('down');
      },
      { failedRecordSink: new InMemoryFailedRecordSink() },
    );

    // Assess
    expect(addMetric).toHaveBeenCalledWith('PoisonRecords', MetricUnit.Count, 1);
    expect(addMetric).toHaveBeenCalledWith('FailedRecords', MetricUnit.Count, 2);
    expect(warn).toHaveBeenCalledOnce();
    expect(error).toHaveBeenCalledOnce();
    vi.restoreAllMocks();
  });
});

describe('processKafkaBatchTogether', () => {
  it('hands all decoded records of every partition to the handler in one call, each partition in offset order', async () => {
    // Prepare
    const event = mskEvent([confirmedOn(1), confirmedOn(0), confirmedOn(1)]);
    const calls: string[][] = [];

    // Act
    const response = await processKafkaBatchTogether(
      event,
      async (records) => {
        calls.push(records.map((record) => `${record.partition}@${record.offset}`));
        return [];
      },
      { failedRecordSink: new InMemoryFailedRecordSink(), logger: quiet },
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(calls).toEqual([['1@100', '1@101', '0@100']]);
  });

  it('fails an unfinished record and every later record of its partition, finished or not; other partitions carry on', async () => {
    // Prepare: partition 0 has offsets 100-102, partition 1 has 100-101
    const event = mskEvent([confirmedOn(0), confirmedOn(0), confirmedOn(0), confirmedOn(1), confirmedOn(1)]);

    // Act: only 0@101 is unfinished
    const response = await processKafkaBatchTogether(
      event,
      async (records) => [{ record: records[1]!, error: new Error('throttled') }],
      { failedRecordSink: new InMemoryFailedRecordSink(), logger: quiet },
    );

    // Assess
    expect(failureIds(response)).toEqual([`${ORDERS}-0@101`, `${ORDERS}-0@102`]);
  });

  it('fails every record when the handler throws', async () => {
    // Prepare
    const event = mskEvent([confirmedOn(0), confirmedOn(1)]);

    // Act
    const response = await processKafkaBatchTogether(
      event,
      async () => {
        throw new Error('DynamoDB unavailable');
      },
      { failedRecordSink: new InMemoryFailedRecordSink(), logger: quiet },
    );

    // Assess
    expect(failureIds(response)).toEqual([`${ORDERS}-0@100`, `${ORDERS}-1@100`]);
  });

  it('diverts poison records, undecodable or declared by the handler, unless a failure before them has them retried', async () => {
    // Prepare: 0@100 poison, 0@101 declared poison; on partition 1, 1@100 fails and 1@101 is poison
    const event = mskEvent([
      { value: '{', options: { topic: ORDERS } },
      confirmedOn(0),
      confirmedOn(1),
      { value: 'not json', options: { topic: ORDERS, partition: 1 } },
    ]);
    const sink = new InMemoryFailedRecordSink();

    // Act
    const response = await processKafkaBatchTogether(
      event,
      async (records) =>
        records.map((record) => ({
          record,
          error:
            record.partition === 0
              ? new PoisonRecordError('order belongs to nobody', { reason: 'ORPHAN_EVENT' })
              : new Error('throttled'),
        })),
      { failedRecordSink: sink, logger: quiet },
    );

    // Assess
    expect(sink.records.map((record) => `${record.partition}@${record.offset}`).sort()).toEqual([
      '0@100',
      '0@101',
    ]);
    expect(failureIds(response)).toEqual([`${ORDERS}-1@100`, `${ORDERS}-1@101`]);
  });

  it('retries a poison record and the rest of its partition when the sink is down', async () => {
    // Prepare
    const event = mskEvent([confirmedOn(0), { value: '{', options: { topic: ORDERS } }, confirmedOn(0)]);
    const sink = new InMemoryFailedRecordSink();
    sink.failWith = new Error('dead-letter topic unavailable');

    // Act
    const response = await processKafkaBatchTogether(event, async () => [], {
      failedRecordSink: sink,
      logger: quiet,
    });

    // Assess
    expect(failureIds(response)).toEqual([`${ORDERS}-0@101`, `${ORDERS}-0@102`]);
  });
});
