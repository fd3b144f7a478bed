import { beforeEach, describe, expect, it, vi } from 'vitest';
import { SfnSagaCallback } from '../../../lambdas/saga/adapters/sfn-saga-callback';
import { createSagaPublisherHandler } from '../../../lambdas/saga/handlers/saga-publisher';
import { metrics } from '../../../lambdas/shared/observability';
import { InMemoryEventPublisher } from '../../fixtures/in-memory-event-publisher';
import { sagaTask } from '../../unit/saga/fixtures';
import { lambdaContext } from '../checkout/api-gateway-events';
import { FakeStepFunctions } from './fake-sfn';

describe('saga publisher handler', () => {
  let publisher: InMemoryEventPublisher;
  let sfn: FakeStepFunctions;
  let handler: ReturnType<typeof createSagaPublisherHandler>;

  beforeEach(() => {
    publisher = new InMemoryEventPublisher();
    sfn = new FakeStepFunctions();
    const deps = { publisher, callback: new SfnSagaCallback(sfn) };
    handler = createSagaPublisherHandler(() => deps);
  });

  it('reserveInventory publishes OrderPlaced on orders.events, then ReserveStock on inventory.commands', async () => {
    // Act
    const result = await handler(sagaTask('reserveInventory'), lambdaContext);

    // Assess
    expect(result.published).toEqual(['OrderPlaced', 'ReserveStock']);
    expect(publisher.published.map((p) => [p.envelope.eventType, p.topic])).toEqual([
      ['OrderPlaced', 'orders.events'],
      ['ReserveStock', 'inventory.commands'],
    ]);
    expect(sfn.answers).toHaveLength(0);
  });

  it.each([
    // Executions started on the definition that had a PlaceOrder state still call it.
    ['placeOrder', 'OrderPlaced', 'orders.events'],
    ['processPayment', 'ChargeCard', 'payments.commands'],
    ['refundCharge', 'RefundCharge', 'payments.commands'],
    ['releaseStock', 'ReleaseStock', 'inventory.commands'],
    ['failOrder', 'OrderFailed', 'orders.events'],
  ] as const)('%s publishes %s on %s', async (step, type, topic) => {
    // Act
    const result = await handler(sagaTask(step, { failure: { reason: 'OUT_OF_STOCK' } }), lambdaContext);

    // Assess
    expect(result.published).toEqual([type]);
    expect(publisher.published.map((p) => [p.envelope.eventType, p.topic])).toEqual([[type, topic]]);
    expect(sfn.answers).toHaveLength(0);
  });

  it('confirmOrder publishes OrderConfirmed and answers no task token', async () => {
    // Act
    const result = await handler(sagaTask('confirmOrder'), lambdaContext);

    // Assess
    expect(result.published).toEqual(['OrderConfirmed']);
    expect(publisher.types()).toEqual(['OrderConfirmed']);
    expect(sfn.answers).toHaveLength(0);
  });

  it('flagNeedsAttention publishes OrderNeedsAttention and records CompensationFailures', async () => {
    // Prepare
    const addMetric = vi.spyOn(metrics, 'addMetric');

    // Act
    await handler(
      sagaTask('flagNeedsAttention', {
        failure: { reason: 'PAYMENT_TIMEOUT', failedCompensation: 'RefundCharge' },
      }),
      lambdaContext,
    );

    // Assess
    expect(publisher.types()).toEqual(['OrderNeedsAttention']);
    expect(addMetric).toHaveBeenCalledWith('CompensationFailures', 'Count', 1);
    addMetric.mockRestore();
  });

  it('fails the task on an invalid event', async () => {
    await expect(handler({ step: 'reserveInventory' }, lambdaContext)).rejects.toThrow(
      'Invalid saga task event',
    );
  });

  it('fails the task when the broker does not acknowledge, so the state machine retries', async () => {
    // Prepare
    publisher.failWith = new Error('broker down');

    // Act / Assess
    await expect(handler(sagaTask('reserveInventory'), lambdaContext)).rejects.toThrow('broker down');
  });
});
