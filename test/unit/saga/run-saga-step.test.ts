import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidSagaTaskError, parseSagaTaskEvent } from '../../../lambdas/saga/domain/saga-task';
import { runSagaStep } from '../../../lambdas/saga/use-cases/run-saga-step';
import { InMemoryEventPublisher } from '../../fixtures/in-memory-event-publisher';
import { executionInput, sagaTask, TASK_TOKEN } from './fixtures';

describe('runSagaStep', () => {
  let publisher: InMemoryEventPublisher;

  beforeEach(() => {
    publisher = new InMemoryEventPublisher();
  });

  const run = (event: unknown) => runSagaStep(parseSagaTaskEvent(event), { publisher });
  const order = executionInput();

  it('reserveInventory publishes OrderPlaced, without the payment token, ahead of its command', async () => {
    // Act
    const result = await run(sagaTask('reserveInventory'));

    // Assess
    expect(result).toEqual({ orderId: order.orderId, published: ['OrderPlaced', 'ReserveStock'] });
    expect(publisher.published.map((p) => p.topic)).toEqual(['orders.events', 'inventory.commands']);
    const [record] = publisher.published;
    expect(record).toMatchObject({
      topic: 'orders.events',
      key: order.orderId,
      envelope: { correlationId: 'corr-1' },
    });
    expect(record?.envelope.data).toEqual({
      customerId: 'c-1',
      items: order.items,
      total: 4498,
      currency: 'EUR',
      email: 'ada@example.com',
      shippingAddress: order.shippingAddress,
      channel: 'web',
    });
    expect(JSON.stringify(record)).not.toContain('tok_approve');
  });

  it('a retried lifecycle step republishes the same eventId; commands get a new one per attempt', async () => {
    // Act: every step twice, as a retry after a timeout or a restart would run it
    for (const step of ['reserveInventory', 'confirmOrder', 'failOrder', 'releaseStock']) {
      await run(sagaTask(step as Parameters<typeof sagaTask>[0]));
      await run(sagaTask(step as Parameters<typeof sagaTask>[0]));
    }

    // Assess: consumers de-duplicate on eventId, so the second OrderConfirmed is absorbed
    const ids = (type: string) =>
      publisher.published.filter((p) => p.envelope.eventType === type).map((p) => p.envelope.eventId);
    for (const type of ['OrderPlaced', 'OrderConfirmed', 'OrderFailed']) {
      const [first, second] = ids(type);
      expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(second).toBe(first);
    }
    expect(new Set([...ids('OrderPlaced'), ...ids('OrderConfirmed'), ...ids('OrderFailed')]).size).toBe(3);
    for (const type of ['ReserveStock', 'ReleaseStock']) {
      const [first, second] = ids(type);
      expect(second).not.toBe(first);
    }
  });

  it('reserveInventory publishes ReserveStock with the task token', async () => {
    // Act
    await run(sagaTask('reserveInventory'));

    // Assess
    expect(publisher.published[1]).toMatchObject({
      topic: 'inventory.commands',
      envelope: {
        eventType: 'ReserveStock',
        data: {
          taskToken: TASK_TOKEN,
          items: [
            { sku: 'SKU-1', quantity: 2 },
            { sku: 'SKU-2', quantity: 1 },
          ],
        },
      },
    });
  });

  it('processPayment publishes ChargeCard, the only message with the payment token', async () => {
    // Act
    await run(sagaTask('processPayment'));

    // Assess
    expect(publisher.published[0]).toMatchObject({
      topic: 'payments.commands',
      envelope: {
        eventType: 'ChargeCard',
        data: {
          taskToken: TASK_TOKEN,
          customerId: 'c-1',
          amount: 4498,
          currency: 'EUR',
          paymentToken: 'tok_approve',
        },
      },
    });
  });

  it('confirmOrder publishes OrderConfirmed with what fulfilment ships by, and answers no token', async () => {
    // Act
    const result = await run(sagaTask('confirmOrder'));

    // Assess
    expect(result).toEqual({ orderId: order.orderId, published: ['OrderConfirmed'] });
    expect(publisher.envelopes('OrderConfirmed')[0]?.data).toEqual({
      customerId: 'c-1',
      items: order.items,
      total: 4498,
      currency: 'EUR',
      email: 'ada@example.com',
      shippingAddress: order.shippingAddress,
    });
  });

  it('confirmOrder fails when the broker did not acknowledge, so the saga retries it', async () => {
    // Prepare
    publisher.failWith = new Error('broker down');

    // Act / Assess
    await expect(run(sagaTask('confirmOrder'))).rejects.toThrow('broker down');
  });

  it('refundCharge and releaseStock publish their compensation commands', async () => {
    // Act
    await run(sagaTask('refundCharge'));
    await run(sagaTask('releaseStock'));

    // Assess
    expect(publisher.published.map((p) => [p.topic, p.envelope.eventType, p.envelope.data])).toEqual([
      ['payments.commands', 'RefundCharge', { taskToken: TASK_TOKEN, customerId: 'c-1', currency: 'EUR' }],
      [
        'inventory.commands',
        'ReleaseStock',
        {
          taskToken: TASK_TOKEN,
          items: [
            { sku: 'SKU-1', quantity: 2 },
            { sku: 'SKU-2', quantity: 1 },
          ],
        },
      ],
    ]);
  });

  it('failOrder publishes OrderFailed with the reason from $.failure', async () => {
    // Act
    await run(sagaTask('failOrder', { failure: { reason: 'PAYMENT_DECLINED' } }));

    // Assess
    expect(publisher.envelopes('OrderFailed')[0]?.data).toMatchObject({
      reason: 'PAYMENT_DECLINED',
      customerId: 'c-1',
    });
  });

  it('failOrder reports an unknown or missing reason as INTERNAL_ERROR', async () => {
    // Act
    await run(sagaTask('failOrder', { failure: { reason: 'SOMETHING_NEW' } }));
    await run(sagaTask('failOrder'));

    // Assess
    expect(publisher.envelopes('OrderFailed').map((e) => (e.data as { reason: string }).reason)).toEqual([
      'INTERNAL_ERROR',
      'INTERNAL_ERROR',
    ]);
  });

  it('flagNeedsAttention publishes OrderNeedsAttention with the failed compensation and error', async () => {
    // Act
    await run(
      sagaTask('flagNeedsAttention', {
        failure: { reason: 'PAYMENT_TIMEOUT', failedCompensation: 'ReleaseStock' },
        error: { Error: 'States.Timeout', Cause: 'no answer' },
      }),
    );

    // Assess
    expect(publisher.envelopes('OrderNeedsAttention')[0]?.data).toEqual({
      customerId: 'c-1',
      failedCompensation: 'ReleaseStock',
      error: 'States.Timeout: no answer',
    });
  });

  it('flagNeedsAttention infers the compensation from the caught error on the order', async () => {
    // Act
    await run({
      ...sagaTask('flagNeedsAttention'),
      order: {
        ...executionInput(),
        error: { Error: 'TransientFailure', Cause: 'Stock of order x could not be released' },
      },
    });
    await run(sagaTask('flagNeedsAttention'));

    // Assess
    expect(publisher.envelopes('OrderNeedsAttention').map((e) => e.data)).toEqual([
      {
        customerId: 'c-1',
        failedCompensation: 'ReleaseStock',
        error: 'TransientFailure: Stock of order x could not be released',
      },
      {
        customerId: 'c-1',
        failedCompensation: 'RefundCharge',
        error: 'Compensation failed after its retries',
      },
    ]);
  });

  it('flagNeedsAttention tells ReleaseStock from the state when the event does not name it', async () => {
    // Act: after a finished refund, and on the inventory failure path (no refund step).
    await run({
      ...sagaTask('flagNeedsAttention'),
      order: { ...executionInput(), results: { refund: { status: 'REFUNDED' } } },
    });
    await run(
      sagaTask('flagNeedsAttention', {
        failure: { reason: 'OUT_OF_STOCK' },
        error: { Error: 'States.Timeout' },
      }),
    );
    await run(
      sagaTask('flagNeedsAttention', {
        failure: { reason: 'PAYMENT_DECLINED' },
        error: { Error: 'States.Timeout' },
      }),
    );

    // Assess
    expect(
      publisher
        .envelopes('OrderNeedsAttention')
        .map((e) => (e.data as { failedCompensation: string }).failedCompensation),
    ).toEqual(['ReleaseStock', 'ReleaseStock', 'RefundCharge']);
  });

  it('refuses a callback step without a task token', () => {
    expect(() => parseSagaTaskEvent({ step: 'reserveInventory', order: executionInput() })).toThrow(
      InvalidSagaTaskError,
    );
  });

  it('refuses an unknown step or a malformed order', () => {
    expect(() => parseSagaTaskEvent({ step: 'shipOrder', order: executionInput() })).toThrow(
      InvalidSagaTaskError,
    );
    expect(() => parseSagaTaskEvent({ step: 'placeOrder', order: { orderId: 'x' } })).toThrow(
      /Invalid saga task event/,
    );
  });
});
