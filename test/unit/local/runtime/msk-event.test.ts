import { describe, expect, it } from 'vitest';
import { buildMskEvent, type KafkaRecord } from '../../../../local/runtime/msk-event';
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
