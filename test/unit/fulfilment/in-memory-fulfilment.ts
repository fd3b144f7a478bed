/** In-memory ports of the fulfilment use case. */
import type { Shipment, ShippingAddress } from '../../../lambdas/fulfilment/domain/shipment';
import type { ShipmentRepository } from '../../../lambdas/fulfilment/ports/shipment-repository';
import type { ShippingAddressLookup } from '../../../lambdas/fulfilment/ports/shipping-address-lookup';

export class InMemoryShipmentRepository implements ShipmentRepository {
  public readonly shipments = new Map<string, Shipment>();

  async createOnce(shipment: Shipment): Promise<{ created: boolean; shipment: Shipment }> {
    const existing = this.shipments.get(shipment.orderId);
    if (existing) return { created: false, shipment: existing };
    this.shipments.set(shipment.orderId, shipment);
    return { created: true, shipment };
  }

  async markPublished(orderId: string, at: string): Promise<void> {
    const shipment = this.shipments.get(orderId);
    if (shipment && shipment.publishedAt === undefined)
      this.shipments.set(orderId, { ...shipment, publishedAt: at });
  }
}

export class InMemoryAddressBook implements ShippingAddressLookup {
  public readonly addresses = new Map<string, ShippingAddress>();
  public lookups = 0;

  async addressOf(orderId: string): Promise<ShippingAddress | undefined> {
    this.lookups++;
    return this.addresses.get(orderId);
  }
}
