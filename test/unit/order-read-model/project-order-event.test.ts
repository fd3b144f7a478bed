import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  type OrderView,
  type ProjectedEvent,
} from '../../../lambdas/order-read-model/domain/order-view';
import { ConcurrentUpdateError } from '../../../lambdas/order-read-model/ports/order-view-repository';
import {
  ProjectionContentionError,
  projectOrderEvent,
} from '../../../lambdas/order-read-model/use-cases/project-order-event';
import { orderEvents as e, ORDER_ID } from '../../fixtures/consumers/order-events';
import { InMemoryOrderViewRepository } from './in-memory-order-view-repository';

const noWait = async () => {};

const lifecycle = (): ProjectedEvent[] => [
  e.orderPlaced('2026-11-24T10:00:00.000Z'),
  e.stockReserved('2026-11-24T10:00:00.200Z'),
  e.paymentCaptured('2026-11-24T10:00:00.500Z'),
  e.orderConfirmed('2026-11-24T10:00:00.700Z'),
  e.shipmentCreated('2026-11-24T10:00:01.000Z'),
];

describe('projectOrderEvent', () => {
  it('writes the first event as version 1 and reports a redelivery as duplicate', async () => {
    // Prepare
    const repository = new InMemoryOrderViewRepository();
    const placed = e.orderPlaced('2026-11-24T10:00:00.000Z');

    // Act
    const first = await projectOrderEvent(repository, placed);
    const second = await projectOrderEvent(repository, placed);

    // Assess
    expect([first, second]).toEqual(['applied', 'duplicate']);
    expect(repository.items.get(ORDER_ID)?.version).toBe(1);
  });

  it('loses no event when all events of an order are projected concurrently', async () => {
    // Prepare
    const repository = new InMemoryOrderViewRepository();
    const events = lifecycle();
    const expected = events.reduce<OrderView | undefined>(
      (view, event) => applyEvent(view, event) ?? view,
      undefined,
    );

    // Act
    const outcomes = await Promise.all(
      events.map((event) => projectOrderEvent(repository, event, { backoff: noWait, maxAttempts: 20 })),
    );

    // Assess
    expect(outcomes).toEqual(events.map(() => 'applied'));
    expect(repository.conflicts).toBeGreaterThan(0);
    expect(repository.items.get(ORDER_ID)?.view).toEqual(expected);
    expect(repository.items.get(ORDER_ID)?.version).toBe(events.length);
  });

  it('gives up with a typed error after repeated conflicts', async () => {
    // Prepare
    const repository = new InMemoryOrderViewRepository();
    repository.save = async (view) => {
      throw new ConcurrentUpdateError(view.orderId);
    };
    const waits: number[] = [];

    // Act
    const attempt = projectOrderEvent(repository, e.orderPlaced('2026-11-24T10:00:00.000Z'), {
      maxAttempts: 3,
      backoff: async (n) => {
        waits.push(n);
      },
    });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ProjectionContentionError);
    expect(waits).toEqual([1, 2]);
  });

  it('passes other storage errors on unchanged', async () => {
    // Prepare
    const repository = new InMemoryOrderViewRepository();
    const failure = new Error('throttled');
    repository.save = async () => {
      throw failure;
    };

    // Act
    const attempt = projectOrderEvent(repository, e.orderPlaced('2026-11-24T10:00:00.000Z'));

    // Assess
    await expect(attempt).rejects.toBe(failure);
  });

  it('backs off between conflicting attempts by default', async () => {
    // Prepare
    const repository = new InMemoryOrderViewRepository();
    let failures = 1;
    const save = repository.save.bind(repository);
    repository.save = async (view, version) => {
      if (failures-- > 0) throw new ConcurrentUpdateError(view.orderId);
      return save(view, version);
    };

    // Act
    const outcome = await projectOrderEvent(repository, e.orderPlaced('2026-11-24T10:00:00.000Z'));

    // Assess
    expect(outcome).toBe('applied');
  });
});
