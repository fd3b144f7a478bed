/**
 * What every fault scenario shares: placing a mixed load of orders through the local API, and
 * writing the scenario's figures to test-results/reliability/<id>.json for the report script
 * (scripts/reliability-report.ts), which renders RELIABILITY.md from them.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { type RunningPipeline, type StartPipelineOptions, startPipeline } from '../../../local/pipeline';
import { Ledger, type LedgerVerdict, type PlacedOrder } from './ledger';

export const SKUS = ['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4', 'SKU-5'] as const;

export const RESULTS_DIR = join(__dirname, '..', '..', '..', 'test-results', 'reliability');

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly fault: string;
  readonly passed: boolean;
  readonly placed: number;
  readonly accepted: number;
  /** Orders checkout refused with Retry-After under overload (admission control). */
  readonly refused: number;
  readonly endedCorrectly: number;
  /** Accepted orders that ended CONFIRMED. */
  readonly confirmed: number;
  /** Accepted orders whose card allows them and that the scenario does not deliberately fail. */
  readonly expectedConfirmed: number;
  /**
   * Set where the scenario judges its orders' outcomes by a rule of its own, stated here for the
   * report; then confirmed / expected is shown but does not fail the scenario.
   */
  readonly outcomeRule?: string;
  readonly statuses: Readonly<Record<string, number>>;
  readonly charges: number;
  readonly chargesExpected: number;
  readonly stockExact: boolean;
  readonly stockDetail: string;
  readonly points: number;
  readonly pointsExpected: number;
  /** Records delivered more than once (per consuming group), or undefined when not measured. */
  readonly duplicatesSeen?: number;
  /** Of those, the ones that caused no second effect. */
  readonly duplicatesAbsorbed?: number;
  readonly durationSeconds: number;
  readonly notes: readonly string[];
  readonly problems: readonly string[];
  readonly finishedAt: string;
  /** The machine's 1, 5 and 15 minute load averages when the scenario finished (2 cores). */
  readonly loadAverage?: readonly number[];
}

export function writeResult(
  base: Omit<
    ScenarioResult,
    keyof LedgerVerdict | 'stockDetail' | 'finishedAt' | 'loadAverage' | 'passed' | 'problems'
  > & {
    readonly problems?: readonly string[];
  },
  verdict: LedgerVerdict,
): ScenarioResult {
  // An accepted order the card allows must be confirmed: a fault may delay it, never fail it.
  const unconfirmed =
    base.outcomeRule === undefined && verdict.outcomeMismatches.length > 0
      ? [
          `${verdict.confirmed} orders CONFIRMED, ${verdict.expectedConfirmed} expected`,
          ...verdict.outcomeMismatches,
        ]
      : [];
  const problems = [...unconfirmed, ...verdict.problems, ...(base.problems ?? [])];
  const result: ScenarioResult = {
    ...base,
    placed: verdict.placed,
    accepted: verdict.accepted,
    refused: verdict.refused,
    endedCorrectly: verdict.endedCorrectly,
    confirmed: verdict.confirmed,
    expectedConfirmed: verdict.expectedConfirmed,
    statuses: verdict.statuses,
    charges: verdict.charges,
    chargesExpected: verdict.chargesExpected,
    stockExact: verdict.stockExact,
    stockDetail: Object.entries(verdict.stock)
      .map(([sku, s]) => `${sku} ${s.actual}/${s.expected}`)
      .join(', '),
    points: verdict.points,
    pointsExpected: verdict.pointsExpected,
    problems,
    passed: problems.length === 0,
    finishedAt: new Date().toISOString(),
    loadAverage: loadavg().map((load) => Math.round(load * 10) / 10),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${base.id}.json`), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

export interface OrderPlan {
  readonly customerId: string;
  readonly body: Record<string, unknown>;
  /** See PlacedOrder.expectConfirmed: decided here, from the payment token. */
  readonly expectConfirmed: boolean;
}

/**
 * The simulated card processor's tokens that end in a charge (tok_flaky after its transient
 * failures). Every other token is a business failure: declined, insufficient funds, or a provider
 * that never answers (tok_timeout, PAYMENT_TIMEOUT).
 */
export const APPROVING_TOKENS: ReadonlySet<string> = new Set(['tok_approve', 'tok_flaky']);

/**
 * `count` orders over `customers` customers of this run, each for one or two SKUs of the
 * catalogue with quantities 1-3; `token(i)` picks the payment token of order i. The demo catalogue
 * holds 10,000 of each SKU, so stock never runs out and the token alone decides the outcome.
 */
export function planOrders(
  scenario: string,
  count: number,
  token: (index: number) => string = () => 'tok_approve',
  customers = 5,
): OrderPlan[] {
  const run = randomUUID().slice(0, 8);
  return Array.from({ length: count }, (_, i) => {
    const first = SKUS[i % SKUS.length]!;
    const second = SKUS[(i * 3 + 1) % SKUS.length]!;
    const items =
      i % 3 === 0 && first !== second
        ? [
            { sku: first, quantity: 1 + (i % 3) },
            { sku: second, quantity: 1 },
          ]
        : [{ sku: first, quantity: 1 + (i % 3) }];
    const customerId = `rel-${scenario}-${run}-${i % customers}`;
    const paymentToken = token(i);
    return {
      customerId,
      expectConfirmed: APPROVING_TOKENS.has(paymentToken),
      body: {
        items,
        currency: 'EUR',
        payment: { token: paymentToken },
        email: `${customerId}@example.com`,
        shippingAddress: {
          name: 'Grace Hopper',
          line1: '1 Compiler Way',
          city: 'Berlin',
          postalCode: '10115',
          country: 'DE',
        },
      },
    };
  });
}

/**
 * Places the orders through the API, `parallel` at a time, `gapMs` between starts; a request that
 * fails at the transport level counts as not accepted (status 0), which the ledger reports. With
 * `stopWhen`, no order is started once it returns true; the result holds the orders started.
 */
export async function placeOrders(
  pipeline: RunningPipeline,
  plans: readonly OrderPlan[],
  options: {
    parallel?: number;
    gapMs?: number;
    onPlaced?: (order: PlacedOrder) => void;
    stopWhen?: () => boolean;
  } = {},
): Promise<PlacedOrder[]> {
  const parallel = options.parallel ?? 4;
  const placed: PlacedOrder[] = new Array(plans.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plans.length && !options.stopWhen?.()) {
      const index = next++;
      const plan = plans[index]!;
      placed[index] = await placeOne(pipeline, plan);
      options.onPlaced?.(placed[index]!);
      if (options.gapMs) await new Promise((resolve) => setTimeout(resolve, options.gapMs));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return placed.slice(0, next);
}

async function placeOne(pipeline: RunningPipeline, plan: OrderPlan): Promise<PlacedOrder> {
  // A shop front-end retries a 429, a 5xx or a dropped connection with the same Idempotency-Key:
  // the retry lands on the same order, so a fault while checkout runs costs no order and makes none twice.
  const idempotencyKey = randomUUID();
  const deadline = Date.now() + 60_000;
  const { customerId, expectConfirmed } = plan;
  let last: PlacedOrder = { customerId, expectConfirmed, httpStatus: 0 };
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    try {
      const res = await fetch(`${pipeline.apiUrl}/orders`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await pipeline.token(plan.customerId)}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(plan.body),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json().catch(() => ({}))) as { orderId?: string };
      last = { customerId, expectConfirmed, httpStatus: res.status, orderId: body.orderId };
      if (res.status !== 429 && res.status < 500) return last;
    } catch {
      last = { customerId, expectConfirmed, httpStatus: 0 };
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * 2 ** attempt)));
  }
  return last;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Brings every function's environments up before the measured run. On two shared cores a cold
 * worker (module load of the AWS SDK) takes seconds, and a burst of them starves the 5 s saga step
 * timeouts; Lambda keeps warm sandboxes too, so the figures are for a warm system. The warm-up
 * orders use customers of their own and are not counted.
 */
export async function warmUp(
  pipeline: RunningPipeline,
  ledger: { waitForTerminal: Ledger['waitForTerminal'] },
): Promise<void> {
  const placed = await placeOrders(pipeline, planOrders('warm-up', 4), { parallel: 4 });
  await ledger.waitForTerminal(placed, ['CONFIRMED', 'FAILED'], 60_000);
  await pipeline.waitForConsumersIdle().catch(() => undefined);
}

export interface ScenarioPipeline {
  readonly pipeline: RunningPipeline;
  readonly ledger: Ledger;
}

/**
 * The file's pipeline on the shared stack (with `options`, e.g. a consumer child process) and the
 * ledger that keeps its books: started before the file's tests, stopped after them. The returned
 * object is filled in by then.
 */
export function usePipeline(
  options: Pick<StartPipelineOptions, 'consumerProcess' | 'functionEnvironment'> = {},
): ScenarioPipeline {
  const scenario = {} as { pipeline: RunningPipeline; ledger: Ledger };
  beforeAll(async () => {
    scenario.pipeline = await startPipeline({
      profile: 'test',
      infrastructure: inject('localServices'),
      ...options,
    });
    scenario.ledger = new Ledger(scenario.pipeline.endpoints.dynamodb, scenario.pipeline.tables);
  });
  afterAll(async () => {
    scenario.ledger?.close();
    await scenario.pipeline?.stop();
  });
  return scenario;
}

/** Warms the pipeline up (see `warmUp`), then opens the books: the stock of every SKU before the first counted order. */
export async function openBooks(pipeline: RunningPipeline, ledger: Ledger): Promise<Record<string, number>> {
  await warmUp(pipeline, ledger);
  return ledger.stock(SKUS);
}
