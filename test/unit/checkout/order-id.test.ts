import { describe, expect, it } from 'vitest';
import { deterministicOrderId, newOrderId, requestHash } from '../../../lambdas/checkout/domain/order-id';
import { orderIdSchema } from '../../../lambdas/shared/events/payloads';

describe('order ids', () => {
  it('derives the same valid UUID from the same customer and key', () => {
    // Act
    const first = deterministicOrderId('customer-1', 'key-1');
    const second = newOrderId('customer-1', 'key-1');

    // Assess
    expect(first).toBe(second);
    expect(orderIdSchema.safeParse(first).success).toBe(true);
  });

  it('gives other customers with the same key other order ids', () => {
    expect(deterministicOrderId('customer-1', 'key-1')).not.toBe(deterministicOrderId('customer-2', 'key-1'));
  });

  it('makes a new random id without a key', () => {
    // Act
    const first = newOrderId('customer-1', undefined);
    const second = newOrderId('customer-1', undefined);

    // Assess
    expect(first).not.toBe(second);
    expect(orderIdSchema.safeParse(first).success).toBe(true);
  });

  it('hashes requests independently of key order', () => {
    expect(requestHash({ a: 1, b: [{ c: 2, d: 3 }] })).toBe(requestHash({ b: [{ d: 3, c: 2 }], a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });
});
