import { describe, expect, it } from 'vitest';
import { LAMBDA_SYNC_REQUEST_MAX_BYTES } from '../../../../lib/config/aws-rules';
import { buildMskEvent, type KafkaRecord, splitByPayloadSize } from '../../../../local/runtime/msk-event';
import { KAFKA_RECORD_IN_MSK_EVENT, KAFKA_RECORD as RECORD } from '../../../fixtures/local/kafka-record';

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
        'orders.events-7': [KAFKA_RECORD_IN_MSK_EVENT],
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
