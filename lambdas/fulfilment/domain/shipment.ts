/**
 * A shipment: one per confirmed order. Its id derives from the order id, so every retry of the same
 * OrderConfirmed plans the same shipment and the store's "one per order" condition catches repeats.
 */
import type { Payload } from '../../shared/events/payloads';

export type ShippingAddress = Payload<'ShipmentCreated'>['shippingAddress'];

export interface ShipmentLine {
  readonly sku: string;
  readonly quantity: number;
}

export interface Shipment {
  readonly orderId: string;
  readonly shipmentId: string;
  readonly customerId: string;
  readonly items: readonly ShipmentLine[];
  readonly shippingAddress: ShippingAddress;
  readonly status: 'CREATED';
  readonly createdAt: string;
  /** The eventId of its ShipmentCreated event, fixed at creation so a re-publish repeats the same event. */
  readonly eventId: string;
  readonly correlationId: string;
  /** Set once ShipmentCreated was acknowledged by the broker. */
  readonly publishedAt?: string;
}

export function shipmentIdFor(orderId: string): string {
  return `SHP-${orderId}`;
}

export interface PlanShipmentInput {
  readonly orderId: string;
  readonly correlationId: string;
  readonly order: Payload<'OrderConfirmed'>;
  readonly shippingAddress: ShippingAddress;
  readonly eventId: string;
  readonly createdAt: string;
}

/** Lines for the warehouse: one per SKU, quantities of repeated SKUs added up; prices stay behind. */
export function planShipment(input: PlanShipmentInput): Shipment {
  const quantities = new Map<string, number>();
  for (const line of input.order.items)
    quantities.set(line.sku, (quantities.get(line.sku) ?? 0) + line.quantity);
  return {
    orderId: input.orderId,
    shipmentId: shipmentIdFor(input.orderId),
    customerId: input.order.customerId,
    items: [...quantities].map(([sku, quantity]) => ({ sku, quantity })),
    shippingAddress: input.shippingAddress,
    status: 'CREATED',
    createdAt: input.createdAt,
    eventId: input.eventId,
    correlationId: input.correlationId,
  };
}
