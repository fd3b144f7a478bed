/**
 * Where the shipping address of an order comes from when its OrderConfirmed does not carry it
 * (version 1 events, still inside the topic's retention): the orders table, which the checkout
 * writes with the address before the saga starts, so it is there before any OrderConfirmed.
 */
import type { ShippingAddress } from '../domain/shipment';

export interface ShippingAddressLookup {
  addressOf(orderId: string): Promise<ShippingAddress | undefined>;
}
