import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbStockRepository } from '../../../lambdas/inventory/adapters/dynamodb-stock-repository';
import { createInventoryCommandsHandler } from '../../../lambdas/inventory/handlers/inventory-commands';
import { SfnSagaCallback } from '../../../lambdas/saga/adapters/sfn-saga-callback';
import { metrics } from '../../../lambdas/shared/observability';
import { InMemoryEventPublisher, InMemoryFailedRecordSink } from '../../fixtures/in-memory-event-publisher';
import { poisonCount } from '../../fixtures/metrics';
import { exampleEvent, mskEvent, mskEventOf, ORDER_ID, TRACE_HEADER } from '../../fixtures/msk';
import { lambdaContext } from '../checkout/api-gateway-events';
import { FakeStepFunctions } from '../saga/fake-sfn';
import { awsError, FakeDynamoDb } from './fake-dynamodb';

const TABLE = 'inventory';
const reserve = (
  taskToken: string,
  items = [
    { sku: 'SKU-1', quantity: 2 },
    { sku: 'SKU-2', quantity: 1 },
  ],
) => exampleEvent('ReserveStock', { data: { taskToken, items } });
const release = (taskToken: string) => exampleEvent('ReleaseStock', { data: { taskToken } });

describe('inventory commands handler', () => {
  let dynamo: FakeDynamoDb;
  let sfn: FakeStepFunctions;
  let publisher: InMemoryEventPublisher;
  let sink: InMemoryFailedRecordSink;
  let handler: ReturnType<typeof createInventoryCommandsHandler>;

  beforeEach(() => {
    dynamo = new FakeDynamoDb({ [TABLE]: ['pk'] });
    dynamo.seed(TABLE, [
      { pk: 'SKU#SKU-1', sku: 'SKU-1', name: 'Mug', available: 5, price: 1999, currency: 'EUR' },
      { pk: 'SKU#SKU-2', sku: 'SKU-2', name: 'Pen', available: 1, price: 500, currency: 'EUR' },
    ]);
    sfn = new FakeStepFunctions();
    publisher = new InMemoryEventPublisher();
    sink = new InMemoryFailedRecordSink();
    const deps = {
      stock: new DynamoDbStockRepository(TABLE, dynamo),
      callback: new SfnSagaCallback(sfn),
      publisher,
      failedRecordSink: sink,
    };
    handler = createInventoryCommandsHandler(() => deps);
  });

  const available = (sku: string) => dynamo.item(TABLE, { pk: `SKU#${sku}` })?.available;

  it('reserves all lines, publishes StockReserved with the trace header and answers RESERVED', async () => {
    // Act
    const response = await handler(mskEventOf([reserve('t1')]), lambdaContext);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect([available('SKU-1'), available('SKU-2')]).toEqual([3, 0]);
    expect(dynamo.item(TABLE, { pk: `RESERVATION#${ORDER_ID}` })).toMatchObject({ status: 'RESERVED' });
    expect(publisher.published).toMatchObject([
      {
        topic: 'inventory.events',
        key: ORDER_ID,
        envelope: { eventType: 'StockReserved' },
        context: { traceHeader: TRACE_HEADER },
      },
    ]);
    expect(sfn.answers).toEqual([{ taskToken: 't1', output: { status: 'RESERVED' } }]);
  });

  it('reserves exactly once when the command arrives twice in a batch', async () => {
    // Act
    const response = await handler(mskEventOf([reserve('t1'), reserve('t2')]), lambdaContext);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect([available('SKU-1'), available('SKU-2')]).toEqual([3, 0]);
    expect(sfn.answers.map((a) => a.output)).toEqual([{ status: 'RESERVED' }, { status: 'RESERVED' }]);
  });

  it('answers OutOfStock and leaves every line untouched when one line is short', async () => {
    // Act
    await handler(
      mskEventOf([
        reserve('t1', [
          { sku: 'SKU-1', quantity: 1 },
          { sku: 'SKU-2', quantity: 2 },
        ]),
      ]),
      lambdaContext,
    );

    // Assess
    expect([available('SKU-1'), available('SKU-2')]).toEqual([5, 1]);
    expect(dynamo.item(TABLE, { pk: `RESERVATION#${ORDER_ID}` })).toBeUndefined();
    expect(sfn.answers).toEqual([
      { taskToken: 't1', error: 'OutOfStock', cause: 'Not enough stock for SKU-2' },
    ]);
    expect(publisher.envelopes('StockReservationFailed')[0]?.data).toEqual({
      reason: 'OUT_OF_STOCK',
      skus: ['SKU-2'],
    });
  });

  it('answers UnknownSku for a SKU without a stock item', async () => {
    // Act
    await handler(
      mskEventOf([
        reserve('t1', [
          { sku: 'SKU-1', quantity: 1 },
          { sku: 'SKU-404', quantity: 1 },
        ]),
      ]),
      lambdaContext,
    );

    // Assess
    expect(available('SKU-1')).toBe(5);
    expect(sfn.answers[0]).toMatchObject({ error: 'UnknownSku', cause: 'Unknown SKU SKU-404' });
  });

  it('releases once: stock restored, reservation RELEASED, repeats answer success', async () => {
    // Prepare
    await handler(mskEventOf([reserve('t1')]), lambdaContext);

    // Act
    await handler(mskEventOf([release('r1'), release('r2')]), lambdaContext);

    // Assess
    expect([available('SKU-1'), available('SKU-2')]).toEqual([5, 1]);
    expect(dynamo.item(TABLE, { pk: `RESERVATION#${ORDER_ID}` })).toMatchObject({ status: 'RELEASED' });
    expect(sfn.answers.slice(1)).toEqual([
      { taskToken: 'r1', output: { status: 'RELEASED' } },
      { taskToken: 'r2', output: { status: 'RELEASED' } },
    ]);
  });

  it('release of an order that reserved nothing is a no-op success, and a late reservation reserves nothing', async () => {
    // Act
    await handler(mskEventOf([release('r1'), reserve('t1')]), lambdaContext);

    // Assess
    expect([available('SKU-1'), available('SKU-2')]).toEqual([5, 1]);
    expect(sfn.answers).toEqual([
      { taskToken: 'r1', output: { status: 'NOTHING_RESERVED' } },
      { taskToken: 't1', error: 'OutOfStock', cause: expect.stringMatching(/already released/) },
    ]);
    expect(publisher.published).toHaveLength(0);
  });

  it.each(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'])(
    'reserves nothing when the heartbeat answers %s, and does not retry the record',
    async (name) => {
      // Prepare: the saga no longer waits on this token (timed out, or re-run after a restart).
      sfn.staleTokens.set('t1', name);

      // Act
      const response = await handler(mskEventOf([reserve('t1')]), lambdaContext);

      // Assess: nobody would ever release a reservation made now.
      expect(response.batchItemFailures).toEqual([]);
      expect(available('SKU-1')).toBe(5);
      expect(dynamo.item(TABLE, { pk: `RESERVATION#${ORDER_ID}` })).toBeUndefined();
      expect(publisher.published).toHaveLength(0);
    },
  );

  it('sends a heartbeat for every command it picks up, and still releases on a stale token', async () => {
    // Prepare: reserved under t1; the ReleaseStock r1 timed out and was retried as r2.
    await handler(mskEventOf([reserve('t1')]), lambdaContext);
    sfn.staleTokens.set('r1', 'TaskTimedOut');

    // Act
    const response = await handler(mskEventOf([release('r1'), release('r2')]), lambdaContext);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sfn.heartbeats).toEqual(['t1', 'r2']);
    expect(available('SKU-1')).toBe(5);
    expect(sfn.answers.slice(1)).toEqual([{ taskToken: 'r2', output: { status: 'RELEASED' } }]);
  });

  it('answers TransientFailure when the table is unavailable', async () => {
    // Prepare
    dynamo.failWith = awsError('ProvisionedThroughputExceededException');

    // Act
    const response = await handler(mskEventOf([reserve('t1')]), lambdaContext);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sfn.answers[0]).toMatchObject({ taskToken: 't1', error: 'TransientFailure' });
  });

  it('reports the record and the rest of its partition for retry when Step Functions is down', async () => {
    // Prepare
    sfn.failWith = awsError('ServiceUnavailable');

    // Act
    const response = await handler(mskEventOf([reserve('t1'), release('r1')]), lambdaContext);

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: 'inventory.commands-0', offset: 100 } },
      { itemIdentifier: { partition: 'inventory.commands-0', offset: 101 } },
    ]);
  });

  it('diverts a poison record to the failure sink, counts it once and carries on', async () => {
    // Prepare
    const addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);

    // Act
    const response = await handler(
      mskEvent([
        { value: 'not json', options: { topic: 'inventory.commands' } },
        { envelope: reserve('t1') },
      ]),
      lambdaContext,
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sink.records).toMatchObject([{ consumer: 'inventoryService', reason: 'INVALID_ENVELOPE' }]);
    expect(sfn.answers).toHaveLength(1);
    expect(poisonCount(addMetric.mock.calls)).toBe(1);
    addMetric.mockRestore();
  });

  it('ignores a message that is not an inventory command', async () => {
    // Act
    const response = await handler(
      mskEvent([{ envelope: exampleEvent('StockReserved'), options: { topic: 'inventory.commands' } }]),
      lambdaContext,
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sfn.answers).toHaveLength(0);
    expect(dynamo.commands).toHaveLength(0);
  });
});
