import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  BadRequestError,
  ConflictError,
  detailsFromIssues,
  jsonResponse,
  NotFoundError,
  PayloadTooLargeError,
  toApiResponse,
  UnauthorizedError,
} from '../../../lambdas/shared/http';

function bodyOf(response: { body: string }): unknown {
  return JSON.parse(response.body);
}

describe('toApiResponse', () => {
  it('maps a BadRequestError to 400 with its details', () => {
    // Prepare
    const error = new BadRequestError('The request body is invalid', {
      details: [{ field: 'items[0].quantity', message: 'Must be at most 100' }],
    });

    // Act
    const response = toApiResponse(error);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(bodyOf(response)).toEqual({
      error: {
        code: 'BAD_REQUEST',
        message: 'The request body is invalid',
        details: [{ field: 'items[0].quantity', message: 'Must be at most 100' }],
      },
    });
  });

  it.each([
    [new UnauthorizedError(), 401, 'UNAUTHORIZED'],
    [new NotFoundError('Order not found'), 404, 'NOT_FOUND'],
    [
      new ConflictError('Idempotency-Key reused with a different body', { code: 'IDEMPOTENCY_KEY_REUSED' }),
      409,
      'IDEMPOTENCY_KEY_REUSED',
    ],
    [new PayloadTooLargeError('The body exceeds 64 KB'), 400, 'PAYLOAD_TOO_LARGE'],
    [new BadRequestError('Unknown SKU', { code: 'UNKNOWN_SKU' }), 400, 'UNKNOWN_SKU'],
  ])('maps %s to %i %s', (error, status, code) => {
    // Act
    const response = toApiResponse(error);

    // Assess
    expect(response.statusCode).toBe(status);
    expect(bodyOf(response)).toEqual({ error: { code, message: error.message, details: [] } });
  });

  it('hides unknown errors behind a 500 and logs them', () => {
    // Prepare
    const logger = { error: vi.fn() };
    const error = new Error('ResourceNotFoundException: table orders-prod in 123456789012');

    // Act
    const response = toApiResponse(error, logger);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('123456789012');
    expect(bodyOf(response)).toEqual({
      error: { code: 'INTERNAL_ERROR', message: 'An internal error occurred', details: [] },
    });
    expect(logger.error).toHaveBeenCalledWith('Unexpected error', { error });
  });

  it('names every error class', () => {
    // Act
    const names = [
      new BadRequestError('x'),
      new UnauthorizedError(),
      new NotFoundError(),
      new ConflictError('x'),
    ].map((e) => e.name);

    // Assess
    expect(names).toEqual(['BadRequestError', 'UnauthorizedError', 'NotFoundError', 'ConflictError']);
  });
});

describe('detailsFromIssues', () => {
  it('turns zod issue paths into readable fields', () => {
    // Prepare
    const schema = z.object({ items: z.array(z.object({ quantity: z.number().max(100) })) }).strict();
    const result = schema.safeParse({ items: [{ quantity: 1 }, { quantity: 500 }], extra: true });

    // Act
    const details = detailsFromIssues(result.error?.issues ?? []);

    // Assess
    expect(details.map((d) => d.field)).toEqual(['items[1].quantity', undefined]);
    expect(details[1]?.message).toContain('extra');
  });
});

describe('jsonResponse', () => {
  it('adds headers to the JSON content type', () => {
    // Act
    const response = jsonResponse(202, { orderId: 'o-1', status: 'PENDING' }, { Location: '/orders/o-1' });

    // Assess
    expect(response).toEqual({
      statusCode: 202,
      headers: { 'Content-Type': 'application/json', Location: '/orders/o-1' },
      body: '{"orderId":"o-1","status":"PENDING"}',
    });
  });
});
