import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbOrderRepository } from '../../../lambdas/checkout/adapters/dynamodb-order-repository';
import { DynamoDbPriceCatalogue } from '../../../lambdas/checkout/adapters/dynamodb-price-catalogue';
import { SfnSagaStarter } from '../../../lambdas/checkout/adapters/sfn-saga-starter';
import type { CommandBacklog } from '../../../lambdas/checkout/domain/admission';
import { createPlaceOrderHandler } from '../../../lambdas/checkout/handlers/place-order';
import { CHECKOUT_METRICS } from '../../../lambdas/checkout/handlers/runtime-names';
import { AdmissionControl } from '../../../lambdas/checkout/use-cases/admission-control';
import { metrics } from '../../../lambdas/shared/observability';
import { validRequestBody } from '../../unit/checkout/fakes';
import { FakeDynamoDb } from '../inventory/fake-dynamodb';
import { FakeStepFunctions } from '../saga/fake-sfn';
import { lambdaContext, postOrder } from './api-gateway-events';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-central-1:123456789012:stateMachine:OrderSaga';

/** The checkout handler over fake tables with two SKUs in stock, admitting through `admission`. */
function checkoutWith(admission: AdmissionControl) {
  const dynamo = new FakeDynamoDb({ orders: ['orderId'], inventory: ['pk'] });
  dynamo.seed('inventory', [
    { pk: 'SKU#SKU-1', sku: 'SKU-1', name: 'Mug', available: 10, price: 1999, currency: 'EUR' },
    { pk: 'SKU#SKU-2', sku: 'SKU-2', name: 'Pen', available: 10, price: 500, currency: 'EUR' },
  ]);
  const sfn = new FakeStepFunctions();
  const deps = {
    orders: new DynamoDbOrderRepository('orders', dynamo),
    prices: new DynamoDbPriceCatalogue('inventory', dynamo),
    saga: new SfnSagaStarter(STATE_MACHINE_ARN, sfn),
    admission,
  };
  return { dynamo, sfn, handler: createPlaceOrderHandler(() => deps) };
}

describe('POST /orders at capacity', () => {
  let dynamo: FakeDynamoDb;
  let sfn: FakeStepFunctions;
  let waiting: number;
  let readFails: boolean;
  let handler: ReturnType<typeof createPlaceOrderHandler>;

  beforeEach(() => {
    waiting = 0;
    readFails = false;
    const reader = {
      read: async (): Promise<CommandBacklog[]> => {
        if (readFails) throw new Error('Connection timeout');
        return [{ topic: 'payments.commands', consumerGroupId: 'order-pipeline.payment-service', waiting }];
      },
    };
    // Every checkout reads the backlog again: the test changes it between requests.
    ({ dynamo, sfn, handler } = checkoutWith(
      new AdmissionControl({
        reader,
        policy: { maxCommandBacklog: 20, retryAfterSeconds: 7 },
        maxAgeMs: 0,
        staleLimitMs: 0,
      }),
    ));
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers 503 with Retry-After and the error body, writes no order, starts no saga, counts the refusal', async () => {
    // Prepare
    waiting = 21;
    const addMetric = vi.spyOn(metrics, 'addMetric');

    // Act
    const response = await handler(postOrder(validRequestBody()), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers).toMatchObject({ 'Content-Type': 'application/json', 'Retry-After': '7' });
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'PIPELINE_AT_CAPACITY',
        message: 'The shop cannot take more orders right now; retry in 7 s',
        details: [],
      },
    });
    expect(dynamo.items('orders')).toEqual([]);
    expect(sfn.starts).toBe(0);
    expect(addMetric).toHaveBeenCalledWith(CHECKOUT_METRICS.ordersRefused, 'Count', 1);
  });

  it('answers 202 again once the backlog is back at the threshold', async () => {
    // Prepare
    waiting = 21;
    await handler(postOrder(validRequestBody()), lambdaContext);
    waiting = 20;

    // Act
    const response = await handler(postOrder(validRequestBody()), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(202);
    expect(dynamo.items('orders')).toHaveLength(1);
  });

  it('takes the order when the backlog cannot be read (fail-open)', async () => {
    // Prepare
    readFails = true;

    // Act
    const response = await handler(postOrder(validRequestBody()), lambdaContext);

    // Assess
    expect(response.statusCode).toBe(202);
  });
});

describe('POST /orders on a stale backlog reading', () => {
  it('takes the order while the next reading runs beside it, and answers once that reading is done', async () => {
    // Prepare
    let clock = 1_000_000;
    let finishReading: (() => void) | undefined;
    const reads: string[] = [];
    const reader = {
      read: (): Promise<CommandBacklog[]> => {
        reads.push('read');
        const backlog = [
          { topic: 'payments.commands', consumerGroupId: 'order-pipeline.payment-service', waiting: 0 },
        ];
        if (reads.length === 1) return Promise.resolve(backlog);
        return new Promise((resolve) => (finishReading = () => resolve(backlog)));
      },
    };
    const { sfn, handler } = checkoutWith(
      new AdmissionControl({
        reader,
        policy: { maxCommandBacklog: 20, retryAfterSeconds: 7 },
        maxAgeMs: 1_000,
        staleLimitMs: 5_000,
        now: () => clock,
      }),
    );
    await handler(postOrder(validRequestBody()), lambdaContext);
    clock += 2_000;

    // Act
    let answered = false;
    const answer = handler(postOrder(validRequestBody()), lambdaContext).then((response) => {
      answered = true;
      return response;
    });
    await vi.waitFor(() => expect(sfn.starts).toBe(2));
    await new Promise((resolve) => setImmediate(resolve));
    const answeredBeforeReading = answered;
    finishReading?.();
    const response = await answer;

    // Assess
    expect(reads).toHaveLength(2);
    expect(answeredBeforeReading).toBe(false);
    expect(response.statusCode).toBe(202);
  });
});
