import { describe, expect, it } from 'vitest';
import type { FailedRecord } from '../../../lambdas/shared/ports/failed-record-sink';
import type { KafkaRecord } from '../../../local/runtime/msk-event';
import { onFailureRecord } from '../../../local/runtime/on-failure';
import {
  detailLines,
  missingRecordsLine,
  parseFailureMessage,
  parsePartitionKey,
  summaryLine,
} from '../../../scripts/ops/failure-message';

const ENVELOPE = {
  eventId: '5f0c6a52-95b8-4f7e-9d3c-1c1b8f0e2a11',
  eventType: 'OrderConfirmed',
  eventVersion: 1,
  orderId: 'order-7',
  timestamp: '2026-11-24T10:00:00.000Z',
  correlationId: 'c-7',
  data: { customerId: 'cust-1', total: 1999 },
};

const POISON: FailedRecord = {
  consumer: 'loyalty',
  topic: 'orders.events',
  partition: 3,
  offset: 41,
  key: 'order-7',
  value: Buffer.from(JSON.stringify({ ...ENVELOPE, eventVersion: 'one' })).toString('base64'),
  reason: 'INVALID_ENVELOPE',
  error: 'eventVersion: expected number, received string',
  failedAt: '2026-11-24T10:00:05.000Z',
};

const RECORD: KafkaRecord = {
  topic: 'orders.events',
  partition: 3,
  offset: '42',
  timestamp: String(Date.parse('2026-11-24T10:00:00.000Z')),
  key: Buffer.from('order-7'),
  value: Buffer.from(JSON.stringify(ENVELOPE)),
  headers: {},
};

/** The document the event source mapping sends for a discarded batch (local/runtime/on-failure.ts). */
function invocationRecord(condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded') {
  return onFailureRecord({
    records: [
      RECORD,
      { ...RECORD, offset: '44' },
      { ...RECORD, topic: 'payments.events', partition: 1, offset: '7' },
    ],
    condition,
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:loyalty-dev',
    eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/order-pipeline-dev/abc',
    bootstrapServers: ['b-1:9098', 'b-2:9098'],
    approximateInvokeCount: 61,
    functionError: true,
    now: new Date('2026-11-24T10:05:00.000Z'),
  });
}

describe('parseFailureMessage', () => {
  it('reads a poison record with the record it carries, its order id and event type', () => {
    // Act
    const message = parseFailureMessage({
      MessageId: 'm-1',
      ReceiptHandle: 'r-1',
      Body: JSON.stringify(POISON),
    });

    // Assess
    expect(message).toMatchObject({
      messageId: 'm-1',
      kind: 'poison',
      ranges: [{ topic: 'orders.events', partition: 3, firstOffset: '41', lastOffset: '41' }],
      orderId: 'order-7',
      eventType: 'OrderConfirmed',
      reason: 'INVALID_ENVELOPE',
      error: 'eventVersion: expected number, received string',
      failedAt: '2026-11-24T10:00:05.000Z',
    });
    expect(message.record?.value?.toString('utf8')).toBe(
      JSON.stringify({ ...ENVELOPE, eventVersion: 'one' }),
    );
    expect(message.record?.key?.toString('utf8')).toBe('order-7');
  });

  it('reads the mapping invocation record as coordinates only, one range per topic-partition', () => {
    // Act
    const message = parseFailureMessage({
      MessageId: 'm-2',
      Body: JSON.stringify(invocationRecord('RetryAttemptsExhausted')),
    });

    // Assess
    expect(message).toMatchObject({
      kind: 'retries exhausted',
      record: undefined,
      orderId: undefined,
      reason: 'RetryAttemptsExhausted after 61 invocations (function error Unhandled)',
      failedAt: '2026-11-24T10:05:00.000Z',
      eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/order-pipeline-dev/abc',
      bootstrapServers: ['b-1:9098', 'b-2:9098'],
    });
    expect(message.ranges).toEqual([
      {
        topic: 'orders.events',
        partition: 3,
        firstOffset: '42',
        lastOffset: '44',
        firstRecordAt: '2026-11-24T10:00:00.000Z',
      },
      {
        topic: 'payments.events',
        partition: 1,
        firstOffset: '7',
        lastOffset: '7',
        firstRecordAt: '2026-11-24T10:00:00.000Z',
      },
    ]);
  });

  it('tells a record that grew too old from one that exhausted its retries', () => {
    // Act
    const message = parseFailureMessage({
      MessageId: 'm-3',
      Body: JSON.stringify(invocationRecord('RecordAgeExceeded')),
    });

    // Assess
    expect(message.kind).toBe('record too old');
  });

  it('keeps a body it does not recognise as such, for show to print', () => {
    // Act
    const message = parseFailureMessage({ MessageId: 'm-4', Body: 'hello' });

    // Assess
    expect(message).toMatchObject({ kind: 'unrecognised', ranges: [], body: 'hello' });
  });
});

describe('parsePartitionKey', () => {
  it('splits at the last dash, as topic names may hold dashes', () => {
    // Act / Assess
    expect(parsePartitionKey('orders-v2.events-12')).toEqual({ topic: 'orders-v2.events', partition: 12 });
    expect(parsePartitionKey('orders.events')).toBeUndefined();
  });
});

describe('summaryLine', () => {
  it('shows id, kind, coordinates, order, event type, reason and time on one line', () => {
    // Prepare
    const message = parseFailureMessage({ MessageId: 'm-1', Body: JSON.stringify(POISON) });

    // Act
    const line = summaryLine(message);

    // Assess
    expect(line).toBe(
      'm-1  poison  orders.events-3@41  order order-7 OrderConfirmed  INVALID_ENVELOPE  failed at 2026-11-24T10:00:05.000Z',
    );
  });

  it('marks the order and event type of a coordinates-only message as unknown', () => {
    // Prepare
    const message = parseFailureMessage({
      MessageId: 'm-2',
      Body: JSON.stringify(invocationRecord('RecordAgeExceeded')),
    });

    // Act
    const line = summaryLine(message);

    // Assess
    expect(line).toContain('record too old  orders.events-3@42..44,payments.events-1@7  order ? event ?');
  });

  it('says until when a coordinates-only message can be redriven: its first record leaving the shortest-kept topic', () => {
    // Prepare: orders.events keeps 7 days, payments.events 30; both records written 2026-11-24T10:00Z.
    const message = parseFailureMessage({
      MessageId: 'm-3',
      Body: JSON.stringify(invocationRecord('RetryAttemptsExhausted')),
    });

    // Act
    const line = summaryLine(message);

    // Assess
    expect(line).toMatch(/redrive before 2026-12-01T10:00:00\.000Z \(topic retention\)$/);
  });

  it('gives a poison record no deadline: the message carries the record itself', () => {
    // Act
    const line = summaryLine(parseFailureMessage({ MessageId: 'm-1', Body: JSON.stringify(POISON) }));

    // Assess
    expect(line).not.toContain('redrive before');
  });
});

describe('detailLines', () => {
  it('pretty-prints the decoded record value', () => {
    // Prepare
    const message = parseFailureMessage({
      MessageId: 'm-2',
      Body: JSON.stringify(invocationRecord('RetryAttemptsExhausted')),
    });

    // Act
    const text = detailLines(message, [RECORD], []).join('\n');

    // Assess
    expect(text).toContain('record orders.events-3@42');
    expect(text).toContain('event type OrderConfirmed');
    expect(text).toContain(`      ${JSON.stringify(ENVELOPE, null, 2).split('\n').join('\n      ')}`);
  });
});

describe('missingRecordsLine', () => {
  it('names the topic retention when the records were deleted by it', () => {
    // Act
    const line = missingRecordsLine({
      range: { topic: 'orders.events', partition: 3, firstOffset: '42', lastOffset: '44' },
      earliestOffset: '90',
      nextOffset: '120',
    });

    // Assess
    expect(line).toBe(
      'orders.events-3@42..44 is no longer on the topic: orders.events keeps records for its retention of 7 days (lib/config/topics.ts), and partition 3 now starts at offset 90',
    );
  });

  it('says when the offsets were never written', () => {
    // Act
    const line = missingRecordsLine({
      range: { topic: 'payments.events', partition: 1, firstOffset: '7', lastOffset: '7' },
      earliestOffset: '0',
      nextOffset: '5',
    });

    // Assess
    expect(line).toBe('payments.events-1@7 is not on the topic: partition 1 has offsets up to 4 only');
  });
});
