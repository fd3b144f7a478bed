import { describe, expect, it } from 'vitest';
import { LAMBDA_SYNC_REQUEST_MAX_BYTES } from '../../../../lib/config/aws-rules';
import { buildMskEvent, type KafkaRecord, splitByPayloadSize } from '../../../../local/runtime/msk-event';
import { onFailureRecord } from '../../../../local/runtime/on-failure';

const RECORD: KafkaRecord = {
  topic: 'orders.events',
  partition: 7,
  offset: '42',
  timestamp: '1764019800000',
  key: Buffer.from('order-1'),
  value: Buffer.from('{"eventType":"OrderPlaced"}'),
  headers: { 'event-type': Buffer.from('OrderPlaced'), 'correlation-id': 'c-1' },
};

describe('buildMskEvent', () => {
  it('builds the MSK event payload Lambda hands a function', () => {
    // Act
    const event = buildMskEvent([RECORD], {
      eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/order-pipeline-dev/local',
      bootstrapServers: ['127.0.0.1:9092', '127.0.0.1:9093'],
    });

    // Assess
    expect(event).toEqual({
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/order-pipeline-dev/local',
      bootstrapServers: '127.0.0.1:9092,127.0.0.1:9093',
      records: {
        'orders.events-7': [
          {
            topic: 'orders.events',
            partition: 7,
            offset: 42,
            timestamp: 1764019800000,
            timestampType: 'CREATE_TIME',
            key: Buffer.from('order-1').toString('base64'),
            value: Buffer.from('{"eventType":"OrderPlaced"}').toString('base64'),
            headers: [
              { 'event-type': [...Buffer.from('OrderPlaced')] },
              { 'correlation-id': [...Buffer.from('c-1')] },
            ],
          },
        ],
      },
    });
  });

  it('leaves out the key and value of a record that has none', () => {
    // Act
    const event = buildMskEvent([{ ...RECORD, key: null, value: null }], {
      eventSourceArn: 'arn',
      bootstrapServers: ['b:9092'],
    });

    // Assess
    const [record] = event.records['orders.events-7']!;
    expect(record).not.toHaveProperty('key');
    expect(record).not.toHaveProperty('value');
  });
});

describe('onFailureRecord', () => {
  it('describes the failed records by coordinates and metadata, without their content', () => {
    // Act
    const document = onFailureRecord({
      records: [RECORD, { ...RECORD, offset: '43', timestamp: '1764019801000' }],
      condition: 'RetryAttemptsExhausted',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:analytics',
      eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/c/local',
      bootstrapServers: ['127.0.0.1:9092'],
      approximateInvokeCount: 6,
      functionError: true,
      now: new Date('2026-11-24T21:30:00.000Z'),
    });

    // Assess
    expect(document).toMatchObject({
      requestContext: {
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:analytics',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 6,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-11-24T21:30:00.000Z',
      KafkaBatchInfo: {
        batchSize: 2,
        eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/c/local',
        bootstrapServers: '127.0.0.1:9092',
        recordsInfo: {
          'orders.events-7': {
            firstRecordOffset: '42',
            lastRecordOffset: '43',
            firstRecordTimestamp: '2025-11-24T21:30:00.000Z',
            lastRecordTimestamp: '2025-11-24T21:30:01.000Z',
          },
        },
      },
    });
    expect(JSON.stringify(document)).not.toContain('OrderPlaced');
  });
});

describe('splitByPayloadSize', () => {
  const SOURCE = {
    eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/order-pipeline-dev/local',
    bootstrapServers: ['127.0.0.1:9092'],
  };
  /** 24 records of about 670 KB each (base64) on two partitions: 16 MB, past two invocations. */
  const BIG = Array.from({ length: 24 }, (_, index) => ({
    ...RECORD,
    partition: index % 2,
    offset: String(1000 + index),
    value: Buffer.alloc(500_000 + index, 'x'),
  }));
  const eventBytes = (records: readonly KafkaRecord[]) =>
    Buffer.byteLength(JSON.stringify(buildMskEvent(records, SOURCE)));

  it('cuts a batch where its MSK event would pass 6 MB, keeping the order', () => {
    // Act
    const runs = splitByPayloadSize(BIG, SOURCE);

    // Assess: every event fits, and one more record would not have.
    expect(runs.flat()).toEqual(BIG);
    expect(runs.length).toBe(3);
    for (const [index, run] of runs.entries()) {
      expect(eventBytes(run)).toBeLessThanOrEqual(LAMBDA_SYNC_REQUEST_MAX_BYTES);
      const next = runs[index + 1]?.[0];
      if (next) expect(eventBytes([...run, next])).toBeGreaterThan(LAMBDA_SYNC_REQUEST_MAX_BYTES);
    }
  });

  it('measures the event exactly, so a run can fill the limit to the byte', () => {
    // Prepare
    const limit = eventBytes(BIG.slice(0, 3));

    // Act
    const runs = splitByPayloadSize(BIG.slice(0, 4), SOURCE, limit);

    // Assess
    expect(runs.map((run) => run.length)).toEqual([3, 1]);
  });

  it('keeps a batch under the limit whole', () => {
    // Act
    const runs = splitByPayloadSize([RECORD, { ...RECORD, offset: '43' }], SOURCE);

    // Assess
    expect(runs).toHaveLength(1);
  });
});
