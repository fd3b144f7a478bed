import { afterEach, describe, expect, it } from 'vitest';
import {
  createOrderReadModelHandler,
  handler,
} from '../../../lambdas/order-read-model/handlers/order-read-model';
import { lambdaContext } from '../../fixtures/consumers/lambda-context';
import { orderEvents as e, eventId, ORDER_ID } from '../../fixtures/consumers/order-events';
import { InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { exampleEvent, mskEvent } from '../../fixtures/msk';
import { InMemoryOrderViewRepository } from '../../unit/order-read-model/in-memory-order-view-repository';

function setup() {
  const repository = new InMemoryOrderViewRepository();
  const readModel = createOrderReadModelHandler({
    repository,
    failedRecordSink: new InMemoryFailedRecordSink(),
    projection: { backoff: async () => {}, maxAttempts: 20 },
  });
  return { repository, readModel };
}

const context = lambdaContext('order-read-model');

describe('order read model handler', () => {
  it('projects events of four topics, processed concurrently, into one CONFIRMED order', async () => {
    // Prepare
    const { repository, readModel } = setup();
    const event = mskEvent([
      { envelope: e.shipmentCreated('2026-11-24T10:00:01.000Z') },
      { envelope: e.paymentCaptured('2026-11-24T10:00:00.500Z') },
      { envelope: e.stockReserved('2026-11-24T10:00:00.200Z') },
      { envelope: e.orderPlaced('2026-11-24T10:00:00.000Z') },
      { envelope: e.orderConfirmed('2026-11-24T10:00:00.700Z') },
    ]);

    // Act
    const response = await readModel(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const stored = repository.items.get(ORDER_ID);
    expect(stored?.view.status).toBe('CONFIRMED');
    expect(stored?.view.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'STOCK_RESERVED',
      'PAID',
      'CONFIRMED',
    ]);
    expect(stored?.view.shipmentId).toBe(`SHP-${ORDER_ID}`);
    expect(stored?.version).toBe(5);
  });

  it('leaves the item unchanged when events are delivered again', async () => {
    // Prepare
    const { repository, readModel } = setup();
    const events = [
      e.orderPlaced('2026-11-24T10:00:00.000Z'),
      e.orderFailed('2026-11-24T10:00:01.000Z', 'OUT_OF_STOCK'),
    ];
    await readModel(mskEvent(events.map((envelope) => ({ envelope }))), context);
    const before = structuredClone(repository.items.get(ORDER_ID));

    // Act: in a later batch, and twice within one batch.
    await readModel(mskEvent(events.map((envelope) => ({ envelope }))), context);
    await readModel(mskEvent([...events, ...events].map((envelope) => ({ envelope }))), context);

    // Assess
    expect(repository.items.get(ORDER_ID)).toEqual(before);
    expect(before?.view).toMatchObject({
      status: 'FAILED',
      history: [{ status: 'PENDING' }, { status: 'FAILED', reason: 'OUT_OF_STOCK' }],
    });
  });

  it('keeps one CONFIRMED entry when OrderConfirmed is republished under a new eventId', async () => {
    // Prepare
    const { repository, readModel } = setup();
    const placed = e.orderPlaced('2026-11-24T10:00:00.000Z');
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');
    await readModel(mskEvent([{ envelope: placed }, { envelope: confirmed }]), context);

    // Act
    const response = await readModel(mskEvent([{ envelope: { ...confirmed, eventId: eventId() } }]), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(repository.items.get(ORDER_ID)?.view).toMatchObject({
      status: 'CONFIRMED',
      history: [{ status: 'PENDING' }, { status: 'CONFIRMED', eventId: confirmed.eventId }],
    });
  });

  it('skips message types it does not project, such as saga commands', async () => {
    // Prepare
    const { repository, readModel } = setup();

    // Act
    const response = await readModel(mskEvent([{ envelope: exampleEvent('ReserveStock') }]), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(repository.items.size).toBe(0);
  });
});

describe('order read model handler entry', () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
  });

  it('wires the orders table from the environment', async () => {
    // Prepare
    Object.assign(process.env, {
      ORDERS_TABLE_NAME: 'orders',
      DEAD_LETTER_TOPIC: 'dead-letters.order-read-model',
    });

    // Act
    const response = await handler(mskEvent([]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
