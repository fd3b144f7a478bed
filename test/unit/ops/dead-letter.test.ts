import { describe, expect, it } from 'vitest';
import { deadLetterDocument } from '../../../lambdas/shared/kafka/dead-letter-record';
import type { KafkaRecord } from '../../../local/runtime/msk-event';
import { detailLines, parseDeadLetter, summaryLine } from '../../../scripts/ops/dead-letter';
import { KAFKA_RECORD_IN_MSK_EVENT } from '../../fixtures/local/kafka-record';

const ORDER_ID = 'order-1';

/** A record of the dead-letter topic at partition 2, offset 17, holding `document`. */
function deadLetterRecord(document: unknown): KafkaRecord {
  return {
    topic: 'dead-letters.loyalty',
    partition: 2,
    offset: '17',
    timestamp: '1764019900000',
    key: Buffer.from(ORDER_ID),
    value: Buffer.from(typeof document === 'string' ? document : JSON.stringify(document)),
    headers: {},
  };
}

const exhausted = deadLetterDocument({
  record: KAFKA_RECORD_IN_MSK_EVENT,
  condition: 'RetryAttemptsExhausted',
  requestId: 'e4b46cbf-b738-4000-8880-a18cdf61200e',
  functionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:loyalty',
  eventSourceArn: 'arn:aws:kafka:eu-central-1:123456789012:cluster/pipeline/uuid',
  bootstrapServers: 'b-1.pipeline.kafka.eu-central-1.amazonaws.com:9098',
  approximateInvokeCount: 61,
  functionError: true,
  failedAt: new Date('2026-11-24T21:30:00.000Z'),
});

describe('parseDeadLetter', () => {
  it('reads the failed record back with its key, value and headers as bytes', () => {
    // Act
    const deadLetter = parseDeadLetter(deadLetterRecord(exhausted), false);

    // Assess
    expect(deadLetter).toMatchObject({
      id: '2@17',
      kind: 'retries exhausted',
      orderId: ORDER_ID,
      eventType: 'OrderPlaced',
      reason: 'RetryAttemptsExhausted',
      failedAt: '2026-11-24T21:30:00.000Z',
      redriven: false,
    });
    expect(deadLetter.records).toEqual([
      {
        topic: 'orders.events',
        partition: 7,
        offset: '42',
        timestamp: '1764019800000',
        key: Buffer.from(ORDER_ID),
        value: Buffer.from('{"eventType":"OrderPlaced"}'),
        headers: { 'event-type': Buffer.from('OrderPlaced'), 'correlation-id': Buffer.from('c-1') },
      },
    ]);
  });

  it("tells a handler's poison record by its reason, and keeps a repeated header as a list", () => {
    // Prepare
    const poison = {
      ...exhausted,
      requestContext: { ...exhausted.requestContext, condition: 'PoisonRecord' },
      payload: {
        ...exhausted.payload,
        records: {
          'orders.events-7': [
            { ...KAFKA_RECORD_IN_MSK_EVENT, headers: [{ trace: [0x61] }, { trace: [0x62] }] },
          ],
        },
      },
      poisonRecord: {
        consumer: 'loyalty',
        reason: 'INVALID_ENVELOPE',
        error: 'Record value is not valid JSON',
      },
    };

    // Act
    const deadLetter = parseDeadLetter(deadLetterRecord(poison), true);

    // Assess
    expect(deadLetter).toMatchObject({ kind: 'poison', reason: 'INVALID_ENVELOPE', redriven: true });
    expect(deadLetter.records[0]?.headers.trace).toEqual([Buffer.from('a'), Buffer.from('b')]);
    expect(summaryLine(deadLetter)).toBe(
      '2@17  redriven  poison  orders.events-7@42  order order-1 OrderPlaced  INVALID_ENVELOPE  failed at 2026-11-24T21:30:00.000Z',
    );
  });

  it('keeps a record that is no dead-letter document as unrecognised, with nothing to redrive', () => {
    // Act
    const deadLetter = parseDeadLetter(deadLetterRecord('not json'), false);

    // Assess
    expect(deadLetter).toMatchObject({ kind: 'unrecognised', records: [], reason: 'UNRECOGNISED' });
    expect(detailLines(deadLetter)).toContain('  body');
  });
});
