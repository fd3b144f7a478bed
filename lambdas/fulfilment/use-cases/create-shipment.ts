/**
 * OrderConfirmed -> one shipment and one ShipmentCreated event on fulfillment.events.
 *
 * The shipment is stored before the event is published (a crash in between leaves a shipment
 * without event, never an event without shipment). A retry finds the stored shipment and, if its
 * event was not acknowledged yet, publishes the same event again - same eventId, so consumers'
 * idempotency recognises it. Once acknowledged, the shipment is marked published and repeats stop.
 */
import { createEvent, type TypedEnvelope } from '../../shared/events/codec';
import type { EventPublisher } from '../../shared/ports/event-publisher';
import { planShipment, type Shipment } from '../domain/shipment';
import type { ShipmentRepository } from '../ports/shipment-repository';
import type { ShippingAddressLookup } from '../ports/shipping-address-lookup';

export interface FulfilmentDependencies {
  readonly shipments: ShipmentRepository;
  readonly addresses: ShippingAddressLookup;
  readonly publisher: EventPublisher;
  readonly newEventId: () => string;
  readonly now: () => Date;
}

export type ShipmentOutcome = 'created' | 'republished' | 'duplicate';

/** Neither the event nor the orders table knows where to ship; retried, then the dead-letter topic. */
export class ShippingAddressMissingError extends Error {
  constructor(orderId: string, options?: { cause?: unknown }) {
    super(`No shipping address is known for order ${orderId}`, options);
    this.name = 'ShippingAddressMissingError';
  }
}

export function shipmentCreatedEvent(shipment: Shipment): TypedEnvelope<'ShipmentCreated'> {
  const event = createEvent('ShipmentCreated', {
    orderId: shipment.orderId,
    correlationId: shipment.correlationId,
    data: {
      shipmentId: shipment.shipmentId,
      customerId: shipment.customerId,
      items: shipment.items.map((line) => ({ ...line })),
      shippingAddress: shipment.shippingAddress,
    },
  });
  return { ...event, eventId: shipment.eventId, timestamp: shipment.createdAt };
}

export async function createShipment(
  deps: FulfilmentDependencies,
  confirmed: TypedEnvelope<'OrderConfirmed'>,
  context: { readonly traceHeader?: string } = {},
): Promise<ShipmentOutcome> {
  const shippingAddress =
    confirmed.data.shippingAddress ?? (await deps.addresses.addressOf(confirmed.orderId));
  if (shippingAddress === undefined) throw new ShippingAddressMissingError(confirmed.orderId);

  const planned = planShipment({
    orderId: confirmed.orderId,
    correlationId: confirmed.correlationId,
    order: confirmed.data,
    shippingAddress,
    eventId: deps.newEventId(),
    createdAt: deps.now().toISOString(),
  });
  const { created, shipment } = await deps.shipments.createOnce(planned);
  if (!created && shipment.publishedAt !== undefined) return 'duplicate';

  await deps.publisher.publish([shipmentCreatedEvent(shipment)], context);
  await deps.shipments.markPublished(shipment.orderId, deps.now().toISOString());
  return created ? 'created' : 'republished';
}
