/** Step Functions task payloads for the saga command publisher, as the state machine sends them. */
import type { SagaStep } from '../../../lambdas/saga/domain/saga-task';

export const TASK_TOKEN =
  'AQCEAAAAKgAAAAMAAAAAAAAAAQwjR0pbTj4c3fXlNaZ+Jb6Yc8gJ5tNnFz0gF1Y2x5QbYmN5ZXhhbXBsZXRhc2t0b2tlbg==';

export function executionInput() {
  return {
    orderId: '0b7e1a52-3c4d-8e5f-8a9b-0c1d2e3f4a5b',
    customerId: 'c-1',
    items: [
      { sku: 'SKU-1', quantity: 2, unitPrice: 1999 },
      { sku: 'SKU-2', quantity: 1, unitPrice: 500 },
    ],
    total: 4498,
    currency: 'EUR' as const,
    email: 'ada@example.com',
    shippingAddress: {
      name: 'Ada Lovelace',
      line1: 'Hauptstrasse 1',
      city: 'Berlin',
      postalCode: '10115',
      country: 'DE',
    },
    paymentToken: 'tok_approve',
    correlationId: 'corr-1',
    placedAt: '2026-11-24T21:00:00.000Z',
  };
}

export function sagaTask(step: SagaStep, extra: Record<string, unknown> = {}) {
  const needsToken = ['reserveInventory', 'processPayment', 'refundCharge', 'releaseStock'].includes(step);
  return { step, order: executionInput(), ...(needsToken ? { taskToken: TASK_TOKEN } : {}), ...extra };
}
