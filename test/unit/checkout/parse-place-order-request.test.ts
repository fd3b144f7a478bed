import { describe, expect, it } from 'vitest';
import { InvalidOrderRequestError } from '../../../lambdas/checkout/domain/errors';
import { parsePlaceOrderRequest } from '../../../lambdas/checkout/domain/parse-place-order-request';
import { validRequestBody } from './fakes';

function parse(body: unknown, idempotencyKey?: string) {
  return parsePlaceOrderRequest({
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    idempotencyKey,
  });
}

function rejection(run: () => unknown): InvalidOrderRequestError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidOrderRequestError) return error;
    throw error;
  }
  throw new Error('expected an InvalidOrderRequestError');
}

describe('parsePlaceOrderRequest', () => {
  it('accepts a valid body and key', () => {
    // Act
    const parsed = parse(validRequestBody(), 'key_1-A');

    // Assess
    expect(parsed.request.items).toHaveLength(2);
    expect(parsed.idempotencyKey).toBe('key_1-A');
  });

  it('accepts a base64-encoded body', () => {
    // Act
    const parsed = parsePlaceOrderRequest({
      body: Buffer.from(JSON.stringify(validRequestBody())).toString('base64'),
      isBase64Encoded: true,
      idempotencyKey: undefined,
    });

    // Assess
    expect(parsed.request.currency).toBe('EUR');
    expect(parsed.idempotencyKey).toBeUndefined();
  });

  const invalidBodies: [string, unknown, string][] = [
    ['quantity zero', { ...validRequestBody(), items: [{ sku: 'SKU-1', quantity: 0 }] }, 'items[0].quantity'],
    [
      'quantity over 100',
      { ...validRequestBody(), items: [{ sku: 'SKU-1', quantity: 101 }] },
      'items[0].quantity',
    ],
    [
      'fractional quantity',
      { ...validRequestBody(), items: [{ sku: 'SKU-1', quantity: 1.5 }] },
      'items[0].quantity',
    ],
    [
      'quantity as a string',
      { ...validRequestBody(), items: [{ sku: 'SKU-1', quantity: '2' }] },
      'items[0].quantity',
    ],
    ['no lines', { ...validRequestBody(), items: [] }, 'items'],
    [
      'more than 50 lines',
      {
        ...validRequestBody(),
        items: Array.from({ length: 51 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 })),
      },
      'items',
    ],
    ['a malformed SKU', { ...validRequestBody(), items: [{ sku: 'sku one', quantity: 1 }] }, 'items[0].sku'],
    ['a bad email', { ...validRequestBody(), email: 'not-an-email' }, 'email'],
    ['an unknown currency', { ...validRequestBody(), currency: 'JPY' }, 'currency'],
    [
      'a client price',
      { ...validRequestBody(), items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1 }] },
      'items[0]',
    ],
    ['an extra top-level field', { ...validRequestBody(), total: 1 }, ''],
    [
      'a bad payment token',
      { ...validRequestBody(), payment: { token: '4111111111111111' } },
      'payment.token',
    ],
    [
      'a bad country',
      {
        ...validRequestBody(),
        shippingAddress: { ...validRequestBody().shippingAddress, country: 'Germany' },
      },
      'shippingAddress.country',
    ],
    ['a missing address', { ...validRequestBody(), shippingAddress: undefined }, 'shippingAddress'],
    ['an array body', [validRequestBody()], ''],
  ];

  it.each(invalidBodies)('rejects %s with details', (_name, body, field) => {
    // Act
    const error = rejection(() => parse(body));

    // Assess
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details.length).toBeGreaterThan(0);
    expect(error.details.map((detail) => detail.field ?? '')).toContain(field);
  });

  it('reports every problem, not only the first', () => {
    // Act
    const error = rejection(() => parse({ ...validRequestBody(), email: 'x', currency: 'XXX' }));

    // Assess
    expect(error.details.map((detail) => detail.field)).toEqual(
      expect.arrayContaining(['email', 'currency']),
    );
  });

  it('rejects a body that is not JSON', () => {
    expect(rejection(() => parse('{"items":')).code).toBe('INVALID_JSON');
  });

  it('rejects a missing body', () => {
    // Act
    const error = rejection(() =>
      parsePlaceOrderRequest({ body: null, isBase64Encoded: false, idempotencyKey: undefined }),
    );

    // Assess
    expect(error.code).toBe('VALIDATION_ERROR');
  });

  it('rejects a body over 64 KB before parsing it', () => {
    // Prepare
    const body = JSON.stringify({ ...validRequestBody(), padding: 'x'.repeat(64 * 1024) });

    // Act
    const error = rejection(() => parse(body));

    // Assess
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each(['', 'a'.repeat(65), 'has space', 'ümlaut', 'semi;colon'])(
    'rejects the Idempotency-Key %j',
    (key) => {
      // Act
      const error = rejection(() => parse(validRequestBody(), key));

      // Assess
      expect(error.details[0]?.field).toBe('Idempotency-Key');
    },
  );
});
