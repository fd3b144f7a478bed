import { beforeEach, describe, expect, it } from 'vitest';
import {
  type AdmissionPolicy,
  type CommandBacklog,
  decideAdmission,
} from '../../../lambdas/checkout/domain/admission';
import { PipelineAtCapacityError } from '../../../lambdas/checkout/domain/errors';
import { deterministicOrderId } from '../../../lambdas/checkout/domain/order-id';
import type { CommandBacklogReader } from '../../../lambdas/checkout/ports/command-backlog';
import type { CataloguePrice, PriceCatalogue } from '../../../lambdas/checkout/ports/price-catalogue';
import { AdmissionControl } from '../../../lambdas/checkout/use-cases/admission-control';
import { placeOrder } from '../../../lambdas/checkout/use-cases/place-order';
import { CATALOGUE, InMemoryOrderRepository, InMemorySagaStarter, validRequestBody } from './fakes';

const POLICY: AdmissionPolicy = { maxCommandBacklog: 600, retryAfterSeconds: 5 };

function backlogs(inventory: number, payment: number): CommandBacklog[] {
  return [
    { topic: 'inventory.commands', consumerGroupId: 'order-pipeline.inventory-service', waiting: inventory },
    { topic: 'payments.commands', consumerGroupId: 'order-pipeline.payment-service', waiting: payment },
  ];
}

/** A backlog reader that answers what the test sets, counting how often it was asked. */
class ScriptedBacklogReader implements CommandBacklogReader {
  public reads = 0;
  public answer: () => Promise<readonly CommandBacklog[]> = async () => backlogs(0, 0);

  public read(): Promise<readonly CommandBacklog[]> {
    this.reads += 1;
    return this.answer();
  }
}

describe('decideAdmission', () => {
  it('admits while every saga service has at most the threshold waiting', () => {
    // Act
    const decision = decideAdmission({ known: true, backlogs: backlogs(600, 12) }, POLICY);

    // Assess
    expect(decision).toEqual({ admitted: true, backlogKnown: true });
  });

  it.each([
    ['inventory', 601, 0],
    ['payment', 3, 601],
  ])('refuses with the Retry-After of the policy when the %s service is over it', (_service, inv, pay) => {
    // Prepare
    const reading = { known: true as const, backlogs: backlogs(inv, pay) };

    // Act
    const decision = decideAdmission(reading, POLICY);

    // Assess
    expect(decision).toEqual({
      admitted: false,
      retryAfterSeconds: 5,
      overloaded: reading.backlogs.filter((backlog) => backlog.waiting > 600),
    });
  });

  it('admits when the backlog could not be read (fail-open: the saga budget absorbs a failover)', () => {
    // Act
    const decision = decideAdmission({ known: false, error: new Error('broker unreachable') }, POLICY);

    // Assess
    expect(decision).toEqual({ admitted: true, backlogKnown: false });
  });
});

describe('AdmissionControl', () => {
  let reader: ScriptedBacklogReader;
  let clock: number;
  let failures: unknown[];
  let admission: AdmissionControl;

  beforeEach(() => {
    reader = new ScriptedBacklogReader();
    clock = 1_000_000;
    failures = [];
    admission = new AdmissionControl({
      reader,
      policy: POLICY,
      maxAgeMs: 1_000,
      staleLimitMs: 5_000,
      now: () => clock,
      onReadFailed: (error) => failures.push(error),
    });
  });

  it('reuses a reading for its maximum age without asking the broker', async () => {
    // Prepare
    reader.answer = async () => backlogs(0, 700);
    const first = await admission.check();
    reader.answer = async () => backlogs(0, 10);

    // Act
    clock += 999;
    const reused = await admission.check();

    // Assess
    expect(first.admitted).toBe(false);
    expect(reused.admitted).toBe(false);
    expect(reader.reads).toBe(1);
  });

  it('decides on a stale reading without waiting, while the next one is read for later checkouts', async () => {
    // Prepare
    reader.answer = async () => backlogs(0, 700);
    await admission.check();
    let finish!: (value: readonly CommandBacklog[]) => void;
    reader.answer = () => new Promise((resolve) => (finish = resolve));

    // Act
    clock += 1_000;
    const stale = await admission.check();
    const alsoStale = await admission.check();
    let settled = false;
    const done = admission.settled().then(() => (settled = true));
    await Promise.resolve();
    const settledBeforeAnswer = settled;
    finish(backlogs(0, 10));
    await done;
    const fresh = await admission.check();

    // Assess
    expect(stale.admitted).toBe(false);
    expect(alsoStale.admitted).toBe(false);
    expect(settledBeforeAnswer).toBe(false);
    expect(fresh).toEqual({ admitted: true, backlogKnown: true });
    expect(reader.reads).toBe(2);
  });

  it('waits for a new reading once the latest is older than the stale limit', async () => {
    // Prepare
    reader.answer = async () => backlogs(0, 700);
    await admission.check();
    reader.answer = async () => backlogs(0, 10);

    // Act
    clock += 5_000;
    const decision = await admission.check();

    // Assess
    expect(decision).toEqual({ admitted: true, backlogKnown: true });
    expect(reader.reads).toBe(2);
  });

  it('lets checkouts that arrive during a reading share it', async () => {
    // Prepare
    let finish!: (value: readonly CommandBacklog[]) => void;
    reader.answer = () => new Promise((resolve) => (finish = resolve));

    // Act
    const pending = [admission.check(), admission.check(), admission.check()];
    finish(backlogs(1, 1));
    const decisions = await Promise.all(pending);

    // Assess
    expect(reader.reads).toBe(1);
    expect(decisions.every((decision) => decision.admitted)).toBe(true);
  });

  it('admits when the reading fails, reports the failure once and keeps it for the maximum age', async () => {
    // Prepare
    const unreachable = new Error('Connection timeout');
    reader.answer = async () => {
      throw unreachable;
    };

    // Act
    const first = await admission.check();
    clock += 500;
    const second = await admission.check();

    // Assess
    expect(first).toEqual({ admitted: true, backlogKnown: false });
    expect(second).toEqual(first);
    expect(reader.reads).toBe(1);
    expect(failures).toEqual([unreachable]);
  });

  it('decides on the broker again once it answers after a failure', async () => {
    // Prepare
    reader.answer = async () => {
      throw new Error('Connection timeout');
    };
    await admission.check();
    reader.answer = async () => backlogs(601, 0);

    // Act
    clock += 5_000;
    const decision = await admission.check();

    // Assess
    expect(decision.admitted).toBe(false);
  });
});

/** The catalogue, counting reads: a refused checkout must not cost one. */
class CountingPriceCatalogue implements PriceCatalogue {
  public reads = 0;

  public async pricesOf(skus: readonly string[]): Promise<ReadonlyMap<string, CataloguePrice>> {
    this.reads += 1;
    return new Map(CATALOGUE.filter((price) => skus.includes(price.sku)).map((price) => [price.sku, price]));
  }
}

describe('placeOrder under admission control', () => {
  let orders: InMemoryOrderRepository;
  let prices: CountingPriceCatalogue;
  let saga: InMemorySagaStarter;
  let full: boolean;
  let deps: Parameters<typeof placeOrder>[1];

  beforeEach(() => {
    orders = new InMemoryOrderRepository();
    prices = new CountingPriceCatalogue();
    saga = new InMemorySagaStarter();
    full = false;
    deps = {
      orders,
      prices,
      saga,
      admission: {
        check: async () =>
          full
            ? { admitted: false, retryAfterSeconds: 5, overloaded: backlogs(0, 601) }
            : { admitted: true, backlogKnown: true },
      },
    };
  });

  it('refuses a new order at capacity before reading the catalogue, writing or starting anything', async () => {
    // Prepare
    full = true;

    // Act
    const placing = placeOrder(
      { customerId: 'c-1', request: validRequestBody(), idempotencyKey: 'k-1' },
      deps,
    );

    // Assess
    await expect(placing).rejects.toThrow(new PipelineAtCapacityError(5));
    await expect(placing).rejects.toMatchObject({ name: 'PipelineAtCapacityError', retryAfterSeconds: 5 });
    expect(orders.orders.size).toBe(0);
    expect(saga.calls).toEqual([]);
    expect(prices.reads).toBe(0);
  });

  it('answers a repeat of an order already taken, even at capacity', async () => {
    // Prepare
    const command = { customerId: 'c-1', request: validRequestBody(), idempotencyKey: 'k-1' };
    const first = await placeOrder(command, deps);
    full = true;

    // Act
    const repeat = await placeOrder(command, deps);

    // Assess
    expect(first.orderId).toBe(deterministicOrderId('c-1', 'k-1'));
    expect(repeat).toEqual({ orderId: first.orderId, status: 'PENDING', replayed: true });
    expect(saga.executions.size).toBe(1);
  });

  it('refuses, at capacity, a reused Idempotency-Key with another body', async () => {
    // Prepare
    await placeOrder({ customerId: 'c-1', request: validRequestBody(), idempotencyKey: 'k-1' }, deps);
    full = true;
    const other = { ...validRequestBody(), email: 'grace@example.com' };

    // Act
    const placing = placeOrder({ customerId: 'c-1', request: other, idempotencyKey: 'k-1' }, deps);

    // Assess
    await expect(placing).rejects.toBeInstanceOf(PipelineAtCapacityError);
    expect(orders.orders.get(deterministicOrderId('c-1', 'k-1'))?.email).toBe('ada@example.com');
  });

  it('takes the order as usual when the pipeline has room', async () => {
    // Act
    const result = await placeOrder({ customerId: 'c-1', request: validRequestBody() }, deps);

    // Assess
    expect(result).toEqual({ orderId: expect.any(String), status: 'PENDING', replayed: false });
    expect(orders.orders.has(result.orderId)).toBe(true);
    expect(saga.executions.has(result.orderId)).toBe(true);
  });
});
