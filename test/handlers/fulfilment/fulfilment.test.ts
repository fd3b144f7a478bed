import { afterEach, describe, expect, it } from 'vitest';
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
import { InMemoryPersistenceLayer } from '../../fixtures/in-memory-persistence-layer';
import { mskEvent, mskEventOf, TRACE_HEADER } from '../../fixtures/msk';
import { InMemoryAddressBook, InMemoryShipmentRepository } from '../../unit/fulfilment/in-memory-fulfilment';

function setup() {
  const shipments = new InMemoryShipmentRepository();
  const addresses = new InMemoryAddressBook();
  addresses.addresses.set(ORDER_ID, ADDRESS);
  const publisher = new InMemoryEventPublisher();
  const idempotencyStore = new InMemoryPersistenceLayer();
  const fulfilment = createFulfilmentHandler({
    shipments,
    addresses,
    publisher,
    failedRecordSink: new InMemoryFailedRecordSink(),
    idempotencyStore,
    newEventId: () => eventId(),
    now: () => new Date('2026-11-24T10:00:05.000Z'),
  });
  return { shipments, publisher, idempotencyStore, fulfilment };
}

const context = lambdaContext('fulfilment');

describe('fulfilment handler', () => {
  it('creates a shipment on OrderConfirmed and publishes ShipmentCreated with trace and correlation id', async () => {
    // Prepare
    const { shipments, publisher, idempotencyStore, fulfilment } = setup();
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
    expect(idempotencyStore.keys().every((key) => key.startsWith('fulfilment#'))).toBe(true);
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

  it('retries a record whose event could not be published, then publishes the same event once', async () => {
    // Prepare
    const { publisher, fulfilment } = setup();
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
    expect(publisher.envelopes('ShipmentCreated')).toHaveLength(1);
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
      ON_FAILURE_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/fulfilment-failures',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
    });

    // Act
    const response = await handler(mskEvent([]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
