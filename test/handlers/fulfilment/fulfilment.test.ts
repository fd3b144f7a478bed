import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFulfilmentHandler, handler } from '../../../lambdas/fulfilment/handlers/fulfilment';
import { lambdaContext } from '../../fixtures/consumers/lambda-context';
import {
  ADDRESS,
  CORRELATION_ID,
  orderEvents as e,
  eventId,
  ORDER_ID,
} from '../../fixtures/consumers/order-events';
import { InMemoryEventPublisher, InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { mskEvent, mskEventOf, TRACE_HEADER } from '../../fixtures/msk';
import { InMemoryAddressBook, InMemoryShipmentRepository } from '../../unit/fulfilment/in-memory-fulfilment';

function setup() {
  const shipments = new InMemoryShipmentRepository();
  const addresses = new InMemoryAddressBook();
  addresses.addresses.set(ORDER_ID, ADDRESS);
  const publisher = new InMemoryEventPublisher();
  const fulfilment = createFulfilmentHandler({
    shipments,
    addresses,
    publisher,
    failedRecordSink: new InMemoryFailedRecordSink(),
    newEventId: () => eventId(),
    now: () => new Date('2026-11-24T10:00:05.000Z'),
  });
  return { shipments, publisher, fulfilment };
}

const context = lambdaContext('fulfilment');

describe('fulfilment handler', () => {
  it('creates a shipment on OrderConfirmed and publishes ShipmentCreated with trace and correlation id', async () => {
    // Prepare
    const { shipments, publisher, fulfilment } = setup();
    const event = mskEventOf([
      e.orderPlaced('2026-11-24T10:00:00.000Z'),
      e.orderConfirmed('2026-11-24T10:00:01.000Z'),
    ]);

    // Act
    const response = await fulfilment(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(shipments.shipments.get(ORDER_ID)?.publishedAt).toBe('2026-11-24T10:00:05.000Z');
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]).toMatchObject({
      topic: 'fulfillment.events',
      key: ORDER_ID,
      context: { traceHeader: TRACE_HEADER },
      envelope: { eventType: 'ShipmentCreated', correlationId: CORRELATION_ID },
    });
  });

  it('creates one shipment for a redelivered OrderConfirmed', async () => {
    // Prepare
    const { shipments, publisher, fulfilment } = setup();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');

    // Act
    await fulfilment(mskEventOf([confirmed, confirmed]), context);
    await fulfilment(mskEventOf([confirmed]), context);

    // Assess
    expect(shipments.shipments.size).toBe(1);
    expect(publisher.envelopes('ShipmentCreated')).toHaveLength(1);
  });

  it('creates one shipment for an OrderConfirmed republished under a new eventId', async () => {
    // Prepare
    const { shipments, publisher, fulfilment } = setup();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    await fulfilment(mskEventOf([confirmed]), context);

    // Act
    const response = await fulfilment(mskEventOf([{ ...confirmed, eventId: eventId() }]), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(shipments.shipments.size).toBe(1);
    expect(publisher.envelopes('ShipmentCreated')).toHaveLength(1);
  });

  it('publishes the stored ShipmentCreated again, same eventId, when marking it published failed', async () => {
    // Prepare
    const { shipments, publisher, fulfilment } = setup();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    vi.spyOn(shipments, 'markPublished').mockRejectedValueOnce(new Error('throttled'));
    const failed = await fulfilment(mskEventOf([confirmed]), context);

    // Act
    const retried = await fulfilment(mskEventOf([confirmed]), context);
    const afterwards = await fulfilment(mskEventOf([confirmed]), context);

    // Assess
    expect(failed.batchItemFailures).toHaveLength(1);
    expect(retried.batchItemFailures).toEqual([]);
    expect(afterwards.batchItemFailures).toEqual([]);
    const stored = shipments.shipments.get(ORDER_ID);
    expect(shipments.shipments.size).toBe(1);
    expect(stored?.publishedAt).toBe('2026-11-24T10:00:05.000Z');
    expect(publisher.envelopes('ShipmentCreated').map((event) => event.eventId)).toEqual([
      stored?.eventId,
      stored?.eventId,
    ]);
  });

  it('retries a record whose event could not be published, then publishes the same event once', async () => {
    // Prepare
    const { shipments, publisher, fulfilment } = setup();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    publisher.failWith = new Error('broker down');
    const failed = await fulfilment(mskEventOf([confirmed]), context);
    publisher.failWith = undefined;

    // Act
    const retried = await fulfilment(mskEventOf([confirmed]), context);

    // Assess
    expect(failed.batchItemFailures).toEqual([
      { itemIdentifier: { partition: 'orders.events-0', offset: 100 } },
    ]);
    expect(retried.batchItemFailures).toEqual([]);
    expect(publisher.envelopes('ShipmentCreated').map((event) => event.eventId)).toEqual([
      shipments.shipments.get(ORDER_ID)?.eventId,
    ]);
  });
});

describe('fulfilment handler entry', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it('wires the DynamoDB tables and the Kafka publisher from the environment', async () => {
    // Prepare
    Object.assign(process.env, {
      SHIPMENTS_TABLE_NAME: 'shipments',
      ORDERS_TABLE_NAME: 'orders',
      KAFKA_BROKERS: '127.0.0.1:9092',
      DEAD_LETTER_TOPIC: 'dead-letters.fulfilment',
    });

    // Act
    const response = await handler(mskEvent([]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
