import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  emptyView,
  isProjectedType,
  MAX_APPLIED_EVENT_IDS,
  mergeHistory,
  type OrderView,
  type ProjectedEvent,
  statusOf,
} from '../../../lambdas/order-read-model/domain/order-view';
import {
  ADDRESS,
  orderEvents as e,
  eventId,
  ITEMS,
  ORDER_ID,
  TOTAL,
} from '../../fixtures/consumers/order-events';

function project(events: readonly ProjectedEvent[], start?: OrderView): OrderView | undefined {
  return events.reduce<OrderView | undefined>((view, event) => applyEvent(view, event) ?? view, start);
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing permutation can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

const happyPath = (): ProjectedEvent[] => [
  e.orderPlaced('2026-11-24T10:00:00.000Z'),
  e.stockReserved('2026-11-24T10:00:00.200Z'),
  e.paymentCaptured('2026-11-24T10:00:00.500Z'),
  e.orderConfirmed('2026-11-24T10:00:00.700Z'),
  e.shipmentCreated('2026-11-24T10:00:01.000Z'),
];

const declinedPath = (): ProjectedEvent[] => [
  e.orderPlaced('2026-11-24T10:00:00.000Z'),
  e.stockReserved('2026-11-24T10:00:00.200Z'),
  e.paymentDeclined('2026-11-24T10:00:00.500Z'),
  e.stockReleased('2026-11-24T10:00:00.600Z'),
  e.orderFailed('2026-11-24T10:00:00.700Z', 'PAYMENT_DECLINED'),
];

const compensationFailedPath = (): ProjectedEvent[] => [
  e.orderPlaced('2026-11-24T10:00:00.000Z'),
  e.stockReserved('2026-11-24T10:00:00.200Z'),
  e.paymentCaptured('2026-11-24T10:00:00.500Z'),
  e.orderConfirmed('2026-11-24T10:00:00.700Z'),
  e.orderNeedsAttention('2026-11-24T10:00:15.000Z'),
  e.paymentRefunded('2026-11-24T10:00:20.000Z'),
  e.orderFailed('2026-11-24T10:00:21.000Z', 'CONFIRMATION_FAILED'),
];

describe('order view projection', () => {
  it('projects the happy path into a CONFIRMED order with its full history', () => {
    // Prepare
    const events = happyPath();

    // Act
    const view = project(events);

    // Assess
    expect(view).toMatchObject({
      orderId: ORDER_ID,
      status: 'CONFIRMED',
      customerId: 'customer-42',
      items: ITEMS,
      total: TOTAL,
      currency: 'EUR',
      email: 'ada@example.com',
      shippingAddress: ADDRESS,
      channel: 'web',
      paymentId: 'pay-1',
      shipmentId: `SHP-${ORDER_ID}`,
      createdAt: '2026-11-24T10:00:00.000Z',
      updatedAt: '2026-11-24T10:00:01.000Z',
    });
    expect(view?.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'STOCK_RESERVED',
      'PAID',
      'CONFIRMED',
    ]);
    expect(view?.history[0]).toEqual({
      status: 'PENDING',
      at: '2026-11-24T10:00:00.000Z',
      eventId: events[0].eventId,
    });
  });

  it('records the failure reason and ends FAILED when payment is declined', () => {
    // Prepare
    const events = declinedPath();

    // Act
    const view = project(events);

    // Assess
    expect(view?.status).toBe('FAILED');
    expect(view?.history.at(-1)).toMatchObject({ status: 'FAILED', reason: 'PAYMENT_DECLINED' });
    expect(view?.history.map((entry) => entry.status)).toEqual(['PENDING', 'STOCK_RESERVED', 'FAILED']);
  });

  it('ranks NEEDS_ATTENTION above FAILED and FAILED above CONFIRMED', () => {
    // Prepare
    const events = compensationFailedPath();

    // Act
    const view = project(events);

    // Assess
    expect(view?.status).toBe('NEEDS_ATTENTION');
    expect(view?.refundedAmount).toBe(TOTAL);
    expect(view?.history.find((entry) => entry.status === 'NEEDS_ATTENTION')?.reason).toBe(
      'RefundChargeFailed',
    );
    expect(
      statusOf([
        { status: 'CONFIRMED', at: 'b' },
        { status: 'FAILED', at: 'a' },
      ]),
    ).toBe('FAILED');
  });

  it('returns undefined for an event it already applied', () => {
    // Prepare
    const placed = e.orderPlaced('2026-11-24T10:00:00.000Z');
    const view = applyEvent(undefined, placed);

    // Act
    const again = applyEvent(view, placed);

    // Assess
    expect(again).toBeUndefined();
  });

  it('keeps one entry per status when an event is republished with a new eventId', () => {
    // Prepare
    const first = e.orderConfirmed('2026-11-24T10:00:00.700Z');
    const republished = e.orderConfirmed('2026-11-24T10:00:02.000Z');

    // Act
    const view = project([e.orderPlaced('2026-11-24T10:00:00.000Z'), republished, first]);

    // Assess
    expect(view?.history.filter((entry) => entry.status === 'CONFIRMED')).toEqual([
      { status: 'CONFIRMED', at: first.timestamp, eventId: first.eventId },
    ]);
    expect(view?.appliedEventIds).toHaveLength(3);
  });

  it('breaks a tie between two events of one status by eventId, whatever came first', () => {
    // Prepare
    const a = e.orderConfirmed('2026-11-24T10:00:00.700Z', eventId(9001));
    const b = e.orderConfirmed('2026-11-24T10:00:00.700Z', eventId(9002));

    // Act
    const ab = project([a, b]);
    const ba = project([b, a]);

    // Assess
    expect(ab).toEqual(ba);
    expect(ab?.history[0].eventId).toBe(a.eventId);
  });

  it('merges into the checkout item, replacing its PENDING entry and keeping its own attributes', () => {
    // Prepare
    const checkoutItem = {
      orderId: ORDER_ID,
      customerId: 'customer-42',
      status: 'PENDING',
      items: ITEMS,
      total: TOTAL,
      currency: 'EUR',
      email: 'ada@example.com',
      shippingAddress: ADDRESS,
      history: [{ status: 'PENDING', at: '2026-11-24T09:59:59.900Z' }],
      createdAt: '2026-11-24T09:59:59.900Z',
      updatedAt: '2026-11-24T09:59:59.900Z',
      requestHash: 'abc123',
    } as OrderView;
    const placed = e.orderPlaced('2026-11-24T10:00:00.000Z');

    // Act
    const view = project([e.stockReserved('2026-11-24T10:00:00.200Z'), placed], checkoutItem);

    // Assess
    expect(view).toMatchObject({
      requestHash: 'abc123',
      status: 'STOCK_RESERVED',
      createdAt: '2026-11-24T09:59:59.900Z',
    });
    expect(view?.history).toEqual([
      { status: 'PENDING', at: placed.timestamp, eventId: placed.eventId },
      expect.objectContaining({ status: 'STOCK_RESERVED' }),
    ]);
  });

  it('keeps a PENDING entry from an event when a checkout-style entry without eventId arrives', () => {
    // Prepare
    const fromEvent = { status: 'PENDING' as const, at: '2026-11-24T10:00:00.000Z', eventId: eventId() };

    // Act
    const merged = mergeHistory([fromEvent], { status: 'PENDING', at: '2026-11-24T10:00:00.000Z' });

    // Assess
    expect(merged).toEqual([fromEvent]);
  });

  it('creates a partial view when a later event is the first to arrive', () => {
    // Prepare
    const released = e.stockReleased('2026-11-24T10:00:00.600Z');

    // Act
    const view = applyEvent(undefined, released);

    // Assess
    expect(view).toEqual({
      ...emptyView(ORDER_ID),
      updatedAt: released.timestamp,
      createdAt: undefined,
      appliedEventIds: [released.eventId],
    });
  });

  it('remembers a bounded number of event ids', () => {
    // Prepare
    const events = Array.from({ length: MAX_APPLIED_EVENT_IDS + 5 }, (_, i) =>
      e.stockReleased(`2026-11-24T10:00:${String(i % 60).padStart(2, '0')}.000Z`),
    );

    // Act
    const view = project(events);

    // Assess
    expect(view?.appliedEventIds).toHaveLength(MAX_APPLIED_EVENT_IDS);
  });

  it('orders events written with a UTC offset by their instant', () => {
    // Prepare: 10:00:00.500+01:00 is 09:00:00.500Z, before the OrderPlaced at 09:30Z.
    const reserved = e.stockReserved('2026-11-24T10:00:00.500+01:00');
    const placed = e.orderPlaced('2026-11-24T09:30:00.000Z');

    // Act
    const view = project([reserved, placed]);

    // Assess
    expect(view?.history.map((entry) => [entry.status, entry.at])).toEqual([
      ['STOCK_RESERVED', '2026-11-24T09:00:00.500Z'],
      ['PENDING', '2026-11-24T09:30:00.000Z'],
    ]);
    expect(view?.updatedAt).toBe('2026-11-24T09:30:00.000Z');
  });

  it('knows which event types it projects', () => {
    expect(isProjectedType('ShipmentCreated')).toBe(true);
    expect(isProjectedType('ReserveStock')).toBe(false);
  });
});

describe('order view projection, property: arrival order and duplicates do not matter', () => {
  const scenarios = { happyPath, declinedPath, compensationFailedPath };

  for (const [name, build] of Object.entries(scenarios)) {
    it(`${name}: every permutation yields the item of the in-order projection`, () => {
      // Prepare
      const events = build();
      const expected = project(events);

      // Act
      const results = permutations(events).map((order) => project(order));

      // Assess
      expect(results.length).toBeGreaterThanOrEqual(120);
      for (const result of results) expect(result).toEqual(expected);
    });

    it(`${name}: random orders with redelivered events yield the same item, history sorted by time`, () => {
      // Prepare
      const events = build();
      const expected = project(events);
      const next = random(42);

      for (let run = 0; run < 300; run++) {
        const withDuplicates = [...events, ...events.filter(() => next() < 0.5)];

        // Act
        const result = project(shuffled(withDuplicates, next));

        // Assess
        expect(result).toEqual(expected);
        const times = result?.history.map((entry) => entry.at) ?? [];
        expect(times).toEqual([...times].sort());
      }
    });
  }

  it('rebuilding from scratch yields the item built on top of the checkout write', () => {
    // Prepare
    const events = happyPath();
    const placed = events[0];
    const checkoutItem = {
      orderId: ORDER_ID,
      customerId: 'customer-42',
      status: 'PENDING',
      items: ITEMS,
      total: TOTAL,
      currency: 'EUR',
      email: 'ada@example.com',
      shippingAddress: ADDRESS,
      history: [{ status: 'PENDING', at: placed.timestamp }],
      createdAt: placed.timestamp,
      updatedAt: placed.timestamp,
    } as OrderView;
    const next = random(7);

    // Act
    const live = project(shuffled(events, next), checkoutItem);
    const rebuilt = project(shuffled(events, next));

    // Assess
    expect(rebuilt).toEqual({ ...live, channel: 'web' });
  });
});
