/** In-memory doubles of checkout's ports. */
import { isDeepStrictEqual } from 'node:util';
import type { Order } from '../../../lambdas/checkout/domain/order';
import type { CreateOrderResult, OrderRepository } from '../../../lambdas/checkout/ports/order-repository';
import type { CataloguePrice, PriceCatalogue } from '../../../lambdas/checkout/ports/price-catalogue';
import type { SagaInput, SagaStarter, StartSagaResult } from '../../../lambdas/checkout/ports/saga-starter';

export class InMemoryOrderRepository implements OrderRepository {
  public readonly orders = new Map<string, Order>();

  public async createIfAbsent(order: Order): Promise<CreateOrderResult> {
    const existing = this.orders.get(order.orderId);
    if (existing) return { created: false, existing };
    this.orders.set(order.orderId, structuredClone(order));
    return { created: true };
  }

  public async get(orderId: string): Promise<Order | undefined> {
    return this.orders.get(orderId);
  }
}

export class InMemoryPriceCatalogue implements PriceCatalogue {
  public constructor(private readonly prices: readonly CataloguePrice[]) {}

  public async pricesOf(skus: readonly string[]): Promise<ReadonlyMap<string, CataloguePrice>> {
    return new Map(
      this.prices.filter((price) => skus.includes(price.sku)).map((price) => [price.sku, price]),
    );
  }
}

/** Behaves like Step Functions: one execution per name; the same name with another input conflicts. */
export class InMemorySagaStarter implements SagaStarter {
  public readonly executions = new Map<string, SagaInput>();
  public readonly calls: SagaInput[] = [];
  public failWith: Error | undefined;

  public async start(input: SagaInput): Promise<StartSagaResult> {
    this.calls.push(input);
    if (this.failWith) throw this.failWith;
    const existing = this.executions.get(input.orderId);
    if (existing === undefined) {
      this.executions.set(input.orderId, input);
      return 'STARTED';
    }
    return isDeepStrictEqual(existing, input) ? 'ALREADY_STARTED' : 'CONFLICT';
  }
}

export const CATALOGUE: readonly CataloguePrice[] = [
  { sku: 'SKU-1', price: 1999, currency: 'EUR' },
  { sku: 'SKU-2', price: 500, currency: 'EUR' },
  { sku: 'SKU-USD', price: 700, currency: 'USD' },
];

export function validRequestBody() {
  return {
    items: [
      { sku: 'SKU-1', quantity: 2 },
      { sku: 'SKU-2', quantity: 1 },
    ],
    currency: 'EUR' as const,
    payment: { token: 'tok_approve' },
    email: 'ada@example.com',
    shippingAddress: {
      name: 'Ada Lovelace',
      line1: 'Hauptstrasse 1',
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    },
  };
}

export const ORDER_ID = '0b7e1a52-3c4d-4e5f-8a9b-0c1d2e3f4a5b';

export function storedOrder(overrides: Partial<Order> = {}): Order {
  return {
    orderId: ORDER_ID,
    customerId: 'c-1',
    status: 'FAILED',
    items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1999 }],
    total: 3998,
    currency: 'EUR',
    email: 'ada@example.com',
    history: [
      { status: 'PENDING', at: '2026-11-24T21:00:00.000Z' },
      { status: 'FAILED', at: '2026-11-24T21:00:01.000Z', reason: 'PAYMENT_DECLINED', eventId: 'e-1' },
    ],
    requestHash: 'abc',
    correlationId: 'corr-1',
    createdAt: '2026-11-24T21:00:00.000Z',
    updatedAt: '2026-11-24T21:00:01.000Z',
    ...overrides,
  };
}
