import { describe, expect, it } from 'vitest';
import { statusCounts } from '../../../../bench/lib/load-generator';
import { orderEventSource } from '../../../../bench/lib/order-events';
import { type Cart, checkoutRequests } from '../../../../bench/lib/orders';
import { decodeJson } from '../../../../lambdas/shared/events/codec';

describe('checkoutRequests', () => {
  const carts: Cart[] = [
    { items: [{ sku: 'SKU-1', quantity: 1 }], token: 'tok_approve' },
    { items: [{ sku: 'SKU-2', quantity: 3 }], token: 'tok_decline' },
    { items: [{ sku: 'SKU-3', quantity: 2 }], token: 'tok_approve' },
  ];
  const customers = [
    ['cust-a', 'token-a'],
    ['cust-b', 'token-b'],
  ];

  it('signs request i as customer i mod n with the next cart, and tells which cart it carried', () => {
    let next = 0;
    const seen: [number, string][] = [];
    const build = checkoutRequests(
      customers,
      () => carts[next++]!,
      (index, cart) => seen.push([index, cart.token]),
    );
    const requests = [0, 1, 2].map(build);
    expect(requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer token-a',
      'Bearer token-b',
      'Bearer token-a',
    ]);
    const bodies = requests.map(
      (r) => JSON.parse(r.body) as { email: string; items: unknown; payment: unknown },
    );
    expect(bodies[1]).toMatchObject({
      email: 'cust-b@example.com',
      items: [{ sku: 'SKU-2', quantity: 3 }],
      payment: { token: 'tok_decline' },
    });
    expect(
      requests.every((r) => r.method === 'POST' && r.headers['content-type'] === 'application/json'),
    ).toBe(true);
    expect(seen).toEqual([
      [0, 'tok_approve'],
      [1, 'tok_decline'],
      [2, 'tok_approve'],
    ]);
  });
});

describe('statusCounts', () => {
  it('counts answers by status and unanswered requests by their error', () => {
    const outcome = (status: number, error?: string) => ({
      index: 0,
      scheduledAt: 0,
      sentAt: 0,
      answeredAt: 0,
      status,
      body: undefined,
      ...(error ? { error } : {}),
    });
    expect(statusCounts([outcome(202), outcome(202), outcome(429), outcome(0, 'shed'), outcome(0)])).toEqual({
      '202': 2,
      '429': 1,
      'error:shed': 1,
      'error:unknown': 1,
    });
  });
});

describe('orderEventSource', () => {
  it('gives each order a valid OrderPlaced then OrderConfirmed, keyed by its id, with the producer headers', () => {
    const eventsOf = orderEventSource(3);
    const records = eventsOf(0);
    expect(records).toHaveLength(2);
    const [placed, confirmed] = records.map((record) => decodeJson(record.value));
    expect(placed!.type).toBe('OrderPlaced');
    expect(confirmed!.type).toBe('OrderConfirmed');
    expect(records.every((record) => record.key === placed!.envelope.orderId)).toBe(true);
    expect(records.map((record) => record.headers['event-type'])).toEqual(['OrderPlaced', 'OrderConfirmed']);
    if (placed!.type !== 'OrderPlaced') throw new Error('unreachable');
    const { items, total } = placed!.data;
    expect(total).toBe(items.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0));
    expect(items.every((line) => line.unitPrice > 0)).toBe(true);
  });

  it('never repeats an order id, even for the same seed and index', () => {
    const ids = [orderEventSource(1)(0), orderEventSource(1)(0), orderEventSource(1)(1)].map(
      (r) => r[0]!.key,
    );
    expect(new Set(ids).size).toBe(3);
  });
});
