import { describe, expect, it } from 'vitest';
import { planShipment, shipmentIdFor } from '../../../lambdas/fulfilment/domain/shipment';
import {
  createShipment,
  type FulfilmentDependencies,
  ShippingAddressMissingError,
} from '../../../lambdas/fulfilment/use-cases/create-shipment';
import { decodeMessage } from '../../../lambdas/shared/events/codec';
import { ADDRESS, orderEvents as e, eventId, ORDER_ID } from '../../fixtures/consumers/order-events';
import { InMemoryEventPublisher } from '../../fixtures/in-memory-event-publisher';
import { InMemoryAddressBook, InMemoryShipmentRepository } from './in-memory-fulfilment';

function dependencies() {
  const ids = [eventId(5001), eventId(5002), eventId(5003)];
  const deps = {
    shipments: new InMemoryShipmentRepository(),
    addresses: new InMemoryAddressBook(),
    publisher: new InMemoryEventPublisher(),
    newEventId: () => ids.shift() ?? eventId(),
    now: () => new Date('2026-11-24T10:00:05.000Z'),
  } satisfies FulfilmentDependencies;
  deps.addresses.addresses.set(ORDER_ID, ADDRESS);
  return deps;
}

describe('createShipment', () => {
  it('creates one shipment and publishes a valid ShipmentCreated with the trace header', async () => {
    // Prepare
    const deps = dependencies();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:00.700Z');

    // Act
    const outcome = await createShipment(deps, confirmed, { traceHeader: 'Root=1-abc' });

    // Assess
    expect(outcome).toBe('created');
    const shipment = deps.shipments.shipments.get(ORDER_ID);
    expect(shipment).toMatchObject({
      shipmentId: shipmentIdFor(ORDER_ID),
      items: [
        { sku: 'SKU-1', quantity: 2 },
        { sku: 'SKU-2', quantity: 1 },
      ],
      shippingAddress: ADDRESS,
      publishedAt: '2026-11-24T10:00:05.000Z',
    });
    const [published] = deps.publisher.published;
    expect(published.topic).toBe('fulfillment.events');
    expect(published.context).toEqual({ traceHeader: 'Root=1-abc' });
    expect(published.envelope).toMatchObject({
      eventId: eventId(5001),
      eventType: 'ShipmentCreated',
      correlationId: confirmed.correlationId,
    });
    expect(() => decodeMessage(JSON.parse(JSON.stringify(published.envelope)))).not.toThrow();
  });

  it('prefers the address carried by OrderConfirmed v2 over a table read', async () => {
    // Prepare
    const deps = dependencies();
    const elsewhere = { ...ADDRESS, city: 'Hamburg', postalCode: '20095' };

    // Act
    await createShipment(
      deps,
      e.orderConfirmed('2026-11-24T10:00:00.700Z', undefined, { shippingAddress: elsewhere }),
    );

    // Assess
    expect(deps.addresses.lookups).toBe(0);
    expect(deps.shipments.shipments.get(ORDER_ID)?.shippingAddress).toEqual(elsewhere);
  });

  it('does nothing for an order whose shipment was already created and published', async () => {
    // Prepare
    const deps = dependencies();
    await createShipment(deps, e.orderConfirmed('2026-11-24T10:00:00.700Z'));

    // Act
    const outcome = await createShipment(deps, e.orderConfirmed('2026-11-24T10:00:03.000Z'));

    // Assess
    expect(outcome).toBe('duplicate');
    expect(deps.publisher.published).toHaveLength(1);
  });

  it('republishes the same event when the first publish failed after the shipment was stored', async () => {
    // Prepare
    const deps = dependencies();
    const confirmed = e.orderConfirmed('2026-11-24T10:00:00.700Z');
    deps.publisher.failWith = new Error('broker down');
    await expect(createShipment(deps, confirmed)).rejects.toThrow('broker down');
    deps.publisher.failWith = undefined;

    // Act
    const outcome = await createShipment(deps, confirmed);

    // Assess
    expect(outcome).toBe('republished');
    expect(deps.publisher.envelopes('ShipmentCreated').map((event) => event.eventId)).toEqual([
      eventId(5001),
    ]);
    expect(deps.shipments.shipments.size).toBe(1);
  });

  it('fails with a typed error when no address is known', async () => {
    // Prepare
    const deps = dependencies();
    deps.addresses.addresses.clear();

    // Act
    const attempt = createShipment(deps, e.orderConfirmed('2026-11-24T10:00:00.700Z'));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ShippingAddressMissingError);
    expect(deps.shipments.shipments.size).toBe(0);
  });

  it('adds up repeated SKUs into one shipment line', () => {
    // Prepare
    const confirmed = e.orderConfirmed('2026-11-24T10:00:00.700Z', undefined, {
      items: [
        { sku: 'SKU-1', quantity: 1, unitPrice: 100 },
        { sku: 'SKU-1', quantity: 2, unitPrice: 100 },
      ],
      total: 300,
    });

    // Act
    const shipment = planShipment({
      orderId: ORDER_ID,
      correlationId: 'c',
      order: confirmed.data,
      shippingAddress: ADDRESS,
      eventId: eventId(),
      createdAt: '2026-11-24T10:00:05.000Z',
    });

    // Assess
    expect(shipment.items).toEqual([{ sku: 'SKU-1', quantity: 3 }]);
  });
});
