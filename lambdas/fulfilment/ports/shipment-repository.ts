/** The shipments table: one shipment per order. */
import type { Shipment } from '../domain/shipment';

export interface ShipmentRepository {
  /** Stores the shipment unless the order has one; returns the stored one in that case. */
  createOnce(shipment: Shipment): Promise<{ readonly created: boolean; readonly shipment: Shipment }>;
  /** Records that ShipmentCreated was published. */
  markPublished(orderId: string, at: string): Promise<void>;
}
