import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PoisonRecordError } from '../../../../lambdas/shared/events/errors';
import {
  type AcceptedEnvelope,
  type AcceptedRecord,
  batchConsumerHandler,
  consumerHandler,
} from '../../../../lambdas/shared/kafka/consumer-handler';
import { logger, metrics } from '../../../../lambdas/shared/observability';
import { CONSUMERS } from '../../../../lib/config/consumers';
import { lambdaContext } from '../../../fixtures/consumers/lambda-context';
import { orderEvents as e } from '../../../fixtures/consumers/order-events';
import { InMemoryFailedRecordSink } from '../../../fixtures/in-memory-event-publisher';
import { InMemoryPersistenceLayer } from '../../../fixtures/in-memory-persistence-layer';
import { poisonCount } from '../../../fixtures/metrics';
import { mskEvent, mskEventOf } from '../../../fixtures/msk';

type LoyaltyType = 'OrderConfirmed' | 'PaymentRefunded';

/** A loyalty-shaped consumer whose `handle` records what it was given. */
function loyaltyLike(handle?: (envelope: AcceptedEnvelope<LoyaltyType>) => Promise<unknown>) {
  const failedRecordSink = new InMemoryFailedRecordSink();
  const seen: { envelope: AcceptedEnvelope<LoyaltyType>; record: AcceptedRecord<LoyaltyType> }[] = [];
  const consumer = consumerHandler({
    consumer: 'loyalty',
    accepts: ['OrderConfirmed', 'PaymentRefunded'],
    failedRecordSink,
    handle: async (envelope, record) => {
      seen.push({ envelope, record });
      return handle?.(envelope);
    },
  });
  return { consumer, failedRecordSink, seen };
}

/** A notification-shaped consumer: idempotent, with the prefix of its catalogue entry. */
function idempotentConsumer(handle: () => Promise<unknown>) {
  const store = new InMemoryPersistenceLayer();
  const failedRecordSink = new InMemoryFailedRecordSink();
  const consumer = consumerHandler({
    consumer: 'notification',
    accepts: ['OrderConfirmed'],
    failedRecordSink,
    idempotency: { persistenceStore: store },
    handle,
  });
  return { consumer, failedRecordSink, store };
}

const context = lambdaContext('consumer');

describe('consumerHandler', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('hands only the accepted types to handle, with the envelope narrowed by eventType', async () => {
    // Prepare
    const totals: number[] = [];
    const { consumer, seen } = loyaltyLike(async (envelope) => {
      // Only OrderConfirmed carries a total; the compiler knows it from the accepted types.
      if (envelope.eventType === 'OrderConfirmed') totals.push(envelope.data.total);
      // @ts-expect-error OrderPlaced is not an accepted type, so no envelope can be one.
      if (envelope.eventType === 'OrderPlaced') totals.push(-1);
    });
    const placed = e.orderPlaced('2026-11-24T10:00:00.000Z');
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    const refunded = e.paymentRefunded('2026-11-24T10:05:00.000Z');

    // Act
    const response = await consumer(
      mskEvent([{ envelope: placed }, { envelope: confirmed }, { envelope: refunded }]),
      context,
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen.map(({ envelope }) => envelope.eventId).sort()).toEqual(
      [confirmed.eventId, refunded.eventId].sort(),
    );
    expect(totals).toEqual([confirmed.data.total]);
    const fromOrders = seen.find(({ envelope }) => envelope.eventId === confirmed.eventId);
    expect(fromOrders?.record).toMatchObject({ topic: 'orders.events', offset: 101, key: confirmed.orderId });
  });

  it('skips a type it does not accept without calling handle, the failure sink or idempotency', async () => {
    // Prepare
    const handle = vi.fn(async () => undefined);
    const { consumer, failedRecordSink, store } = idempotentConsumer(handle);
    const addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);

    // Act
    const response = await consumer(mskEventOf([e.orderPlaced('2026-11-24T10:00:00.000Z')]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(handle).not.toHaveBeenCalled();
    expect(failedRecordSink.records).toEqual([]);
    expect(store.keys()).toEqual([]);
    expect(poisonCount(addMetric.mock.calls)).toBe(0);
  });

  it('sends a record that is not an event to the failure sink under the catalogue name and counts it once', async () => {
    // Prepare
    const { consumer, failedRecordSink, seen } = loyaltyLike();
    const addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);

    // Act
    const response = await consumer(
      mskEvent([
        { value: 'not json', options: { topic: 'orders.events' } },
        { envelope: e.orderConfirmed('2026-11-24T10:00:01.000Z') },
      ]),
      context,
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(failedRecordSink.records).toMatchObject([{ consumer: 'loyalty', reason: 'INVALID_ENVELOPE' }]);
    expect(seen).toHaveLength(1);
    expect(poisonCount(addMetric.mock.calls)).toBe(1);
  });

  it('counts a record that handle finds poison once, through the idempotency layer', async () => {
    // Prepare
    const { consumer, failedRecordSink, store } = idempotentConsumer(async () => {
      throw new PoisonRecordError('no such customer', { reason: 'UNKNOWN_CUSTOMER' });
    });
    const addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);

    // Act
    const response = await consumer(mskEventOf([e.orderConfirmed('2026-11-24T10:00:01.000Z')]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(failedRecordSink.records).toMatchObject([
      { consumer: 'notification', reason: 'UNKNOWN_CUSTOMER' },
    ]);
    expect(poisonCount(addMetric.mock.calls)).toBe(1);
    // The failed attempt leaves no record behind, so a replay after a fix is processed.
    expect(store.keys()).toEqual([]);
  });

  it('with idempotency, runs handle once per eventId under the catalogue key prefix', async () => {
    // Prepare
    const handle = vi.fn(async () => ({ sent: true }));
    const { consumer, store } = idempotentConsumer(handle);
    const registered = vi.spyOn(IdempotencyConfig.prototype, 'registerLambdaContext');
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    await consumer(mskEventOf([confirmed]), context);

    // Act
    const response = await consumer(mskEventOf([confirmed, confirmed]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(handle).toHaveBeenCalledTimes(1);
    const prefix = CONSUMERS.find((spec) => spec.name === 'notification')?.idempotencyKeyPrefix;
    expect(store.keys()).toHaveLength(1);
    expect(store.keys()[0]?.startsWith(`${prefix}#`)).toBe(true);
    // The in-progress lock expires with the invocation that holds it.
    expect(registered).toHaveBeenCalledWith(context);
  });

  it('without idempotency, leaves duplicates to the consumer and hands each delivery to handle', async () => {
    // Prepare
    const { consumer, seen } = loyaltyLike();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');

    // Act
    await consumer(mskEventOf([confirmed]), context);
    await consumer(mskEventOf([confirmed]), context);

    // Assess
    expect(seen).toHaveLength(2);
  });

  it('refuses idempotency for a consumer that has no key prefix in the catalogue', () => {
    // Act
    const build = () =>
      consumerHandler({
        consumer: 'loyalty',
        accepts: ['OrderConfirmed'],
        failedRecordSink: new InMemoryFailedRecordSink(),
        idempotency: { persistenceStore: new InMemoryPersistenceLayer() },
        handle: async () => undefined,
      });

    // Assess
    expect(build).toThrow(
      new RangeError('Consumer loyalty has no idempotencyKeyPrefix in the consumer catalogue'),
    );
  });
});

describe('batchConsumerHandler', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('hands the accepted records of a batch to handleBatch in one call and reports the failures it answers', async () => {
    // Prepare
    const calls: string[][] = [];
    const consumer = batchConsumerHandler({
      consumer: 'analytics',
      accepts: ['OrderPlaced', 'OrderConfirmed'],
      failedRecordSink: new InMemoryFailedRecordSink(),
      handleBatch: async (records) => {
        calls.push(records.map((record) => record.envelope.eventType));
        return records
          .filter((record) => record.type === 'OrderConfirmed')
          .map((record) => ({ record, error: new Error('throttled') }));
      },
    });
    const event = mskEventOf([
      e.orderPlaced('2026-11-24T10:00:00.000Z'),
      e.orderNeedsAttention('2026-11-24T10:00:01.000Z'),
      e.orderConfirmed('2026-11-24T10:00:02.000Z'),
    ]);
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);

    // Act
    const response = await consumer(event, context);
    const skippedOnly = await consumer(
      mskEventOf([e.orderNeedsAttention('2026-11-24T10:00:03.000Z')]),
      context,
    );

    // Assess
    expect(calls).toEqual([['OrderPlaced', 'OrderConfirmed']]);
    expect(response.batchItemFailures.map(({ itemIdentifier }) => itemIdentifier.offset)).toEqual([102]);
    expect(skippedOnly).toEqual({ batchItemFailures: [] });
  });
});
