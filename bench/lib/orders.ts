/**
 * Realistic checkout requests: 1-5 cart lines of the demo catalogue's everyday SKUs, quantities
 * 1-3, mostly approving card tokens, a few customers; a seeded generator keeps runs comparable.
 */
import type { RunningPipeline } from '../../local/pipeline';

export const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '1 Analytical St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

const SKUS = ['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4', 'SKU-5'];

/** Mulberry32: small, seeded, good enough for cart shapes. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Cart {
  readonly items: { sku: string; quantity: number }[];
  readonly token: string;
}

/** `approveShare` of the carts pay with tok_approve, the rest are declined (the saga's failure path). */
export function cartGenerator(seed: number, approveShare = 0.98): () => Cart {
  const random = seededRandom(seed);
  return () => {
    const lines = 1 + Math.floor(random() * 5);
    const skus = [...SKUS].sort(() => random() - 0.5).slice(0, lines);
    return {
      items: skus.map((sku) => ({ sku, quantity: 1 + Math.floor(random() * 3) })),
      token: random() < approveShare ? 'tok_approve' : 'tok_decline',
    };
  };
}

export function orderBody(cart: Cart, customerId: string): string {
  return JSON.stringify({
    items: cart.items,
    currency: 'EUR',
    payment: { token: cart.token },
    email: `${customerId}@example.com`,
    shippingAddress: ADDRESS,
  });
}

/** Tokens of a few customers, issued once up front so the generator does no signing. */
export async function customerTokens(pipeline: RunningPipeline, count = 20): Promise<string[][]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const customerId = `bench-cust-${i}`;
      return [customerId, await pipeline.token(customerId)];
    }),
  );
}

export interface PlaceOrderReply {
  readonly orderId?: string;
}

/** What `runOpenLoop` sends for request i. */
export interface CheckoutRequest {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * POST /orders request i: customer i mod the list, signed with that customer's token, with the
 * generator's next cart. `onCart` learns which cart request i carried (to tell approved from
 * declined orders afterwards).
 */
export function checkoutRequests(
  customers: readonly string[][],
  nextCart: () => Cart,
  onCart?: (index: number, cart: Cart) => void,
): (index: number) => CheckoutRequest {
  return (index) => {
    const [customerId, token] = customers[index % customers.length]!;
    const cart = nextCart();
    onCart?.(index, cart);
    return {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: orderBody(cart, customerId!),
    };
  };
}
