import { beforeEach, describe, expect, it } from 'vitest';
import { mergeStockLines } from '../../../lambdas/inventory/domain/stock';
import { releaseStock } from '../../../lambdas/inventory/use-cases/release-stock';
import { type InventoryDependencies, reserveStock } from '../../../lambdas/inventory/use-cases/reserve-stock';
import { InMemoryEventPublisher } from '../../fixtures/in-memory-event-publisher';
import { RecordingSagaCallback } from '../saga/fakes';
import { InMemoryStockRepository } from './fakes';

const ORDER_ID = '3f1c2b9e-5d4a-4c7b-8e2f-1a2b3c4d5e6f';
const command = (
  items = [
    { sku: 'SKU-1', quantity: 2 },
    { sku: 'SKU-2', quantity: 1 },
  ],
) => ({
  orderId: ORDER_ID,
  correlationId: 'corr-1',
  taskToken: 'token-1',
  items,
});

describe('inventory use cases', () => {
  let stock: InMemoryStockRepository;
  let callback: RecordingSagaCallback;
  let publisher: InMemoryEventPublisher;
  let deps: InventoryDependencies;

  beforeEach(() => {
    stock = new InMemoryStockRepository({ 'SKU-1': 5, 'SKU-2': 1 });
    callback = new RecordingSagaCallback();
    publisher = new InMemoryEventPublisher();
    deps = { stock, callback, publisher, publishContext: { traceHeader: 'Root=1-abc' } };
  });

  describe('reserveStock', () => {
    it('reserves every line, publishes StockReserved and answers RESERVED', async () => {
      // Act
      const result = await reserveStock(command(), deps);

      // Assess
      expect(result).toEqual({ outcome: 'RESERVED', callback: 'DELIVERED' });
      expect(stock.available).toEqual(
        new Map([
          ['SKU-1', 3],
          ['SKU-2', 0],
        ]),
      );
      expect(publisher.types()).toEqual(['StockReserved']);
      expect(publisher.published[0]).toMatchObject({
        topic: 'inventory.events',
        key: ORDER_ID,
        context: { traceHeader: 'Root=1-abc' },
        envelope: { correlationId: 'corr-1', data: { items: command().items } },
      });
      expect(callback.calls).toEqual([
        { kind: 'success', taskToken: 'token-1', output: { status: 'RESERVED' } },
      ]);
    });

    it('reserves nothing when the heartbeat says the saga no longer waits on the token', async () => {
      // Prepare: a ReserveStock left from before a restart, or from a step that timed out.
      callback.staleTokens.add('token-1');

      // Act
      const result = await reserveStock(command(), deps);

      // Assess
      expect(result).toEqual({ outcome: 'STALE_TOKEN', callback: 'STALE' });
      expect(callback.heartbeats).toEqual(['token-1']);
      expect(stock.reservations.size).toBe(0);
      expect(stock.available.get('SKU-1')).toBe(5);
      expect(publisher.published).toHaveLength(0);
      expect(callback.calls).toHaveLength(0);
    });

    it('reserves once under a duplicate command and answers success again', async () => {
      // Prepare
      await reserveStock(command(), deps);

      // Act
      const repeat = await reserveStock({ ...command(), taskToken: 'token-2' }, deps);

      // Assess
      expect(repeat.outcome).toBe('ALREADY_RESERVED');
      expect(stock.available.get('SKU-1')).toBe(3);
      expect(callback.calls[1]).toEqual({
        kind: 'success',
        taskToken: 'token-2',
        output: { status: 'RESERVED' },
      });
      expect(publisher.types()).toEqual(['StockReserved', 'StockReserved']);
    });

    it('answers OutOfStock and reserves nothing when one line is short', async () => {
      // Act
      const result = await reserveStock(
        command([
          { sku: 'SKU-1', quantity: 1 },
          { sku: 'SKU-2', quantity: 2 },
        ]),
        deps,
      );

      // Assess
      expect(result.outcome).toBe('OUT_OF_STOCK');
      expect(stock.available).toEqual(
        new Map([
          ['SKU-1', 5],
          ['SKU-2', 1],
        ]),
      );
      expect(publisher.envelopes('StockReservationFailed')[0]?.data).toEqual({
        reason: 'OUT_OF_STOCK',
        skus: ['SKU-2'],
      });
      expect(callback.calls).toEqual([
        { kind: 'failure', taskToken: 'token-1', error: 'OutOfStock', cause: 'Not enough stock for SKU-2' },
      ]);
    });

    it('answers UnknownSku for a SKU the inventory does not have', async () => {
      // Act
      const result = await reserveStock(command([{ sku: 'SKU-404', quantity: 1 }]), deps);

      // Assess
      expect(result.outcome).toBe('UNKNOWN_SKU');
      expect(publisher.envelopes('StockReservationFailed')[0]?.data).toEqual({
        reason: 'UNKNOWN_SKU',
        skus: ['SKU-404'],
      });
      expect(callback.calls[0]).toMatchObject({
        kind: 'failure',
        error: 'UnknownSku',
        cause: 'Unknown SKU SKU-404',
      });
    });

    it('sums a SKU listed twice', async () => {
      // Act
      await reserveStock(
        command([
          { sku: 'SKU-1', quantity: 2 },
          { sku: 'SKU-1', quantity: 3 },
        ]),
        deps,
      );

      // Assess
      expect(stock.available.get('SKU-1')).toBe(0);
    });

    it('reserves nothing for an order whose reservation was already released', async () => {
      // Prepare: the step timed out, compensation released nothing, then the command arrived late.
      await releaseStock(command(), deps);

      // Act
      const late = await reserveStock(command(), deps);

      // Assess
      expect(late.outcome).toBe('ALREADY_RELEASED');
      expect(stock.available.get('SKU-1')).toBe(5);
      expect(callback.calls[1]).toMatchObject({ kind: 'failure', error: 'OutOfStock' });
    });

    it('answers TransientFailure when the table fails', async () => {
      // Prepare
      stock.failWith = new Error('ProvisionedThroughputExceeded');

      // Act
      const result = await reserveStock(command(), deps);

      // Assess
      expect(result.outcome).toBe('TRANSIENT_FAILURE');
      expect(callback.calls[0]).toMatchObject({ kind: 'failure', error: 'TransientFailure' });
      expect(publisher.published).toHaveLength(0);
    });

    it('treats a stale task token as handled', async () => {
      // Prepare
      callback.outcome = 'STALE';

      // Act
      const result = await reserveStock(command(), deps);

      // Assess
      expect(result).toEqual({ outcome: 'RESERVED', callback: 'STALE' });
    });

    it('answers RESERVED when publishing the reservation outlasts the processing limit', async () => {
      // Prepare: the reservation is written at once, the broker takes three limits to acknowledge.
      const limited = { ...deps, processingLimit: { seconds: 0.05, error: 'InventoryTimeout' } };
      publisher.delayMs = 150;

      // Act
      const result = await reserveStock(command(), limited);

      // Assess
      expect(result).toEqual({ outcome: 'RESERVED', callback: 'DELIVERED' });
      expect(callback.calls).toEqual([
        { kind: 'success', taskToken: 'token-1', output: { status: 'RESERVED' } },
      ]);
      expect(publisher.types()).toEqual(['StockReserved']);
    });

    it('rejects when publishing fails, so the command is retried', async () => {
      // Prepare
      publisher.failWith = new Error('broker down');

      // Act / Assess
      await expect(reserveStock(command(), deps)).rejects.toThrow('broker down');
      expect(callback.calls).toHaveLength(0);
    });
  });

  describe('releaseStock', () => {
    it('restores the reserved lines once and publishes StockReleased', async () => {
      // Prepare
      await reserveStock(command(), deps);

      // Act
      const first = await releaseStock({ ...command(), taskToken: 'release-1' }, deps);
      const second = await releaseStock({ ...command(), taskToken: 'release-2' }, deps);

      // Assess
      expect(first.outcome).toBe('RELEASED');
      expect(second.outcome).toBe('ALREADY_RELEASED');
      expect(stock.available).toEqual(
        new Map([
          ['SKU-1', 5],
          ['SKU-2', 1],
        ]),
      );
      expect(publisher.envelopes('StockReleased').map((e) => e.data)).toEqual([
        { items: command().items },
        { items: command().items },
      ]);
      expect(callback.calls.slice(1)).toEqual([
        { kind: 'success', taskToken: 'release-1', output: { status: 'RELEASED' } },
        { kind: 'success', taskToken: 'release-2', output: { status: 'RELEASED' } },
      ]);
    });

    it('is a no-op success when nothing was reserved', async () => {
      // Act
      const result = await releaseStock(command(), deps);

      // Assess
      expect(result.outcome).toBe('NOT_RESERVED');
      expect(stock.available).toEqual(
        new Map([
          ['SKU-1', 5],
          ['SKU-2', 1],
        ]),
      );
      expect(publisher.published).toHaveLength(0);
      expect(callback.calls).toEqual([
        { kind: 'success', taskToken: 'token-1', output: { status: 'NOTHING_RESERVED' } },
      ]);
    });

    it('answers TransientFailure when the table fails, so the state machine retries', async () => {
      // Prepare
      stock.failWith = new Error('InternalServerError');

      // Act
      const result = await releaseStock(command(), deps);

      // Assess
      expect(result.outcome).toBe('TRANSIENT_FAILURE');
      expect(callback.calls[0]).toMatchObject({ kind: 'failure', error: 'TransientFailure' });
    });
  });

  it('merges stock lines in order of first appearance', () => {
    expect(
      mergeStockLines([
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ]),
    ).toEqual([
      { sku: 'B', quantity: 4 },
      { sku: 'A', quantity: 2 },
    ]);
  });
});
