/**
 * A record of a version newer than the consumer knows, end to end through the Kafka batch helper:
 * its producer was deployed first, so the record is valid and must wait for the consumer rather
 * than go to the failure queue.
 */
import { describe, expect, it, vi } from 'vitest';
import { MessageVersionTooNewError } from '../../../../lambdas/shared/events/codec';
import { latestVersion } from '../../../../lambdas/shared/events/payloads';
import { itemIdentifierOf, processKafkaBatch } from '../../../../lambdas/shared/kafka/batch';
import { InMemoryFailedRecordSink } from '../../../fixtures/in-memory-event-publisher';
import { exampleEvent, mskEvent, ORDER_ID } from '../../../fixtures/msk';

const ORDERS = 'orders.events';

/** An OrderPlaced as a producer one version ahead writes it: the next version, a field added. */
function orderPlacedFromNewerProducer() {
  const current = exampleEvent('OrderPlaced');
  return {
    ...current,
    eventVersion: latestVersion('OrderPlaced') + 1,
    data: { ...current.data, giftWrap: true },
  };
}

describe('a record newer than the consumer knows', () => {
  it('fails its partition from that record on, for the mapping to retry, and is not sent to the failure queue', async () => {
    // Prepare
    const event = mskEvent([
      { envelope: exampleEvent('OrderPlaced'), options: { partition: 3 } },
      { envelope: orderPlacedFromNewerProducer(), options: { partition: 3 } },
      { envelope: exampleEvent('OrderConfirmed'), options: { partition: 3 } },
      { envelope: exampleEvent('OrderConfirmed'), options: { partition: 4 } },
    ]);
    const sink = new InMemoryFailedRecordSink();
    const logger = { warn: vi.fn(), error: vi.fn() };
    const handled: string[] = [];

    // Act
    const response = await processKafkaBatch(
      event,
      async (record) => void handled.push(`${record.partition}@${record.offset}`),
      { failedRecordSink: sink, consumer: 'analytics', logger },
    );

    // Assess
    const [, tooNew, behindIt] = event.records[`${ORDERS}-3`] ?? [];
    expect(tooNew?.offset).toBe(101);
    expect(response.batchItemFailures).toEqual(
      [tooNew!, behindIt!].map((record) => ({ itemIdentifier: itemIdentifierOf(record) })),
    );
    expect(handled.sort()).toEqual(['3@100', '4@100']);
    expect(sink.records).toEqual([]);
    expect(logger.warn).not.toHaveBeenCalled();
    expect(logger.error).toHaveBeenCalledOnce();
    const [, details] = logger.error.mock.calls[0] ?? [];
    expect(details).toMatchObject({ topic: ORDERS, partition: 3, offset: 101, retried: 2 });
    expect(details.error).toBeInstanceOf(MessageVersionTooNewError);
    expect(details.error).toMatchObject({ eventVersion: latestVersion('OrderPlaced') + 1 });
  });

  it.each([
    ['an unknown type', { eventType: 'OrderLost' }, 'UNKNOWN_MESSAGE_TYPE'],
    ['version 0', { eventVersion: 0 }, 'INVALID_ENVELOPE'],
    ['version 1.5', { eventVersion: 1.5 }, 'INVALID_ENVELOPE'],
  ])('unlike %s, which stays poison and goes to the failure queue', async (_label, override, reason) => {
    // Prepare
    const value = JSON.stringify({ ...exampleEvent('OrderPlaced'), ...override });
    const event = mskEvent([{ value, options: { topic: ORDERS, partition: 3, key: ORDER_ID } }]);
    const sink = new InMemoryFailedRecordSink();

    // Act
    const response = await processKafkaBatch(event, async () => undefined, {
      failedRecordSink: sink,
      logger: { warn: () => undefined, error: () => undefined },
    });

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sink.records.map((record) => record.reason)).toEqual([reason]);
  });
});
