/**
 * The events a placed and confirmed order leaves on orders.events (OrderPlaced, then
 * OrderConfirmed, keyed by order id), built without running checkout or the saga: for benchmarks
 * of one consumer, whose input must arrive faster than the local saga can produce it.
 */
import { randomUUID } from 'node:crypto';
import { createEvent, type TypedEnvelope } from '../../lambdas/shared/events/codec';
import { recordHeaders } from '../../lambdas/shared/kafka/producer';
import { DEMO_CATALOGUE } from '../../local/infra/demo-catalogue';
import { ADDRESS, cartGenerator } from './orders';

export interface OrderEventRecord {
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

const PRICES = new Map(DEMO_CATALOGUE.map((item) => [item.sku, item.price]));

/**
 * Order i's two events, with the seeded cart shapes of the load benchmarks, fresh order and event
 * ids on every call (two backlogs built from the same seed never share an idempotency key), and
 * the record headers the pipeline's producer writes.
 */
export function orderEventSource(seed: number, customers = 20): (index: number) => OrderEventRecord[] {
  const nextCart = cartGenerator(seed, 1);
  return (index) => {
    const orderId = randomUUID();
    const items = nextCart().items.map((line) => ({ ...line, unitPrice: PRICES.get(line.sku)! }));
    const common = {
      customerId: `bench-cust-${index % customers}`,
      items,
      total: items.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0),
      currency: 'EUR' as const,
      email: 'b@example.com',
    };
    const envelopes: TypedEnvelope[] = [
      createEvent('OrderPlaced', {
        orderId,
        correlationId: orderId,
        data: { ...common, shippingAddress: ADDRESS, channel: 'web' as const },
      }),
      createEvent('OrderConfirmed', {
        orderId,
        correlationId: orderId,
        data: { ...common, shippingAddress: ADDRESS },
      }),
    ];
    return envelopes.map((envelope) => ({
      key: orderId,
      value: JSON.stringify(envelope),
      headers: recordHeaders(envelope, undefined),
    }));
  };
}
