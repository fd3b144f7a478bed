import { afterEach, describe, expect, it } from 'vitest';
import {
  createOrderReadModelHandler,
  handler,
} from '../../../lambdas/order-read-model/handlers/order-read-model';
import { lambdaContext } from '../../fixtures/consumers/lambda-context';
import { orderEvents as e, ORDER_ID } from '../../fixtures/consumers/order-events';
import { InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { InMemoryPersistenceLayer } from '../../fixtures/in-memory-persistence-layer';
import { exampleEvent, mskEvent } from '../../fixtures/msk';
import { InMemoryOrderViewRepository } from '../../unit/order-read-model/in-memory-order-view-repository';

function setup() {
  const repository = new InMemoryOrderViewRepository();
  const idempotencyStore = new InMemoryPersistenceLayer();
  const readModel = createOrderReadModelHandler({
    repository,
    failedRecordSink: new InMemoryFailedRecordSink(),
    idempotencyStore,
    projection: { backoff: async () => {}, maxAttempts: 20 },
  });
  return { repository, idempotencyStore, readModel };
}

const context = lambdaContext('order-read-model');

describe('order read model handler', () => {
  it('projects events of four topics, processed concurrently, into one CONFIRMED order', async () => {
    // Prepare
    const { repository, idempotencyStore, readModel } = setup();
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
    expect(idempotencyStore.keys().every((key) => key.startsWith('order-read-model#'))).toBe(true);
  });

  it('leaves the item unchanged when events are delivered again', async () => {
    // Prepare
    const { repository, idempotencyStore, readModel } = setup();
    const events = [
      e.orderPlaced('2026-11-24T10:00:00.000Z'),
      e.orderFailed('2026-11-24T10:00:01.000Z', 'OUT_OF_STOCK'),
    ];
    await readModel(mskEvent(events.map((envelope) => ({ envelope }))), context);
    const before = structuredClone(repository.items.get(ORDER_ID));

    // Act: once through the idempotency layer, once with its records expired.
    await readModel(mskEvent(events.map((envelope) => ({ envelope }))), context);
    idempotencyStore.records.clear();
    await readModel(mskEvent(events.map((envelope) => ({ envelope }))), context);

    // Assess
    expect(repository.items.get(ORDER_ID)).toEqual(before);
    expect(before?.view).toMatchObject({
      status: 'FAILED',
      history: [{ status: 'PENDING' }, { status: 'FAILED', reason: 'OUT_OF_STOCK' }],
    });
  });

  it('skips message types it does not project, such as saga commands', async () => {
    // Prepare
    const { repository, idempotencyStore, readModel } = setup();

    // Act
    const response = await readModel(mskEvent([{ envelope: exampleEvent('ReserveStock') }]), context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(repository.items.size).toBe(0);
    expect(idempotencyStore.keys()).toEqual([]);
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
      ON_FAILURE_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/read-model-failures',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
    });

    // Act
    const response = await handler(mskEvent([]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
  });
});
