/**
 * Benchmark 9, overload: checkouts offered open-loop at 2x and 4x the rate the stage says its saga
 * sustains (lib/config/stages.ts, `admission.sustainableOrdersPerSecond`). Per step: how many were
 * taken (202), refused by admission control (503 PIPELINE_AT_CAPACITY) or shed by the generator,
 * the rate at which the taken ones were confirmed, whether any taken order failed for a reason
 * other than the customer's (declined, out of stock), and the saga services' largest backlog
 * against the threshold checkout refuses above.
 */
import { STAGES } from '../lib/config/stages';
import type { BenchContext } from './lib/context';
import { CpuSampler, type CpuWindow } from './lib/cpu-sampler';
import { BENCH_DATA_MARKER } from './lib/environment';
import { LagMonitor } from './lib/lag-monitor';
import {
  MAX_IN_FLIGHT,
  type OpenLoopRun,
  type RequestOutcome,
  runOpenLoop,
  SHED,
  statusCounts,
} from './lib/load-generator';
import { startLoadRun } from './lib/load-run';
import type { OrderOutcomeWatcher } from './lib/order-outcomes';
import { checkoutRequests } from './lib/orders';
import { machineInfo, type Percentiles, percentiles, round2, sleep, writeResult } from './lib/results';

/** Multiples of the sustainable rate offered, in order. */
export const OVERLOAD_MULTIPLES = [2, 4] as const;

/** The customer's reasons for a failed order; any other reason is the pipeline's. */
const BUSINESS_FAILURES = new Set(['PAYMENT_DECLINED', 'OUT_OF_STOCK', 'UNKNOWN_SKU']);

/** The saga services, whose backlogs admission control compares with its threshold. */
export const SAGA_SERVICES = ['inventoryService', 'paymentService'] as const;

interface CheckoutReply {
  readonly orderId?: string;
  readonly error?: { readonly code?: string };
}

export interface OverloadStep {
  readonly multiple: number;
  readonly targetRate: number;
  readonly durationSeconds: number;
  readonly scheduled: number;
  readonly offeredRate: number;
  /** 202 answers. */
  readonly accepted: number;
  readonly acceptedRate: number;
  /** 503 PIPELINE_AT_CAPACITY answers: admission control's refusals. */
  readonly refused: number;
  /** Not sent: the generator had MAX_IN_FLIGHT checkouts waiting for an answer already. */
  readonly shed: number;
  readonly statusCounts: Record<string, number>;
  readonly confirmed: number;
  readonly expectedConfirmed: number;
  /** Confirmed orders per second, from the first send to the last confirmation. */
  readonly confirmedRate: number;
  readonly failed: Record<string, number>;
  /** Taken orders that failed for a reason not the customer's: what admission control must prevent. */
  readonly failedByPipeline: number;
  /** Taken orders with no outcome when the settle cap ran out. */
  readonly unresolved: number;
  readonly settleSeconds: number | null;
  readonly acceptedLatencyMs: Percentiles;
  readonly refusedLatencyMs: Percentiles;
  /** Largest backlog of each saga service's command topic seen during the step. */
  readonly maxSagaBacklog: Record<string, number>;
  readonly backlogSeries: { t: number; inventoryService: number; paymentService: number }[];
  readonly cpu: CpuWindow;
}

export async function runOverload(ctx: BenchContext): Promise<string> {
  const started = new Date();
  const machine = machineInfo();
  const { admission, saga } = STAGES.dev;
  const stepSeconds = ctx.quick ? 10 : 45;
  // Every taken order ends within the pick-up budget plus its processing limits; a minute more.
  const settleCapMs = (saga.pickUpBudgetSeconds + 60) * 1000;
  const load = await startLoadRun(ctx, 7);
  const { pipeline, customers, watcher, agent, lagReader, nextCart } = load;
  const steps: OverloadStep[] = [];
  try {
    for (const multiple of OVERLOAD_MULTIPLES) {
      const rate = multiple * admission.sustainableOrdersPerSecond;
      ctx.log(`overload: ${multiple}x = ${rate} orders/s for ${stepSeconds} s`);
      const cpu = new CpuSampler(BENCH_DATA_MARKER);
      const origin = performance.now();
      const backlog = new LagMonitor(lagReader, origin);
      const tokens: string[] = [];
      const run = await runOpenLoop<CheckoutReply>({
        url: `${pipeline.apiUrl}/orders`,
        ratePerSecond: rate,
        durationSeconds: stepSeconds,
        agent,
        maxInFlight: MAX_IN_FLIGHT,
        build: checkoutRequests(customers, nextCart, (index, cart) => {
          tokens[index] = cart.token;
        }),
      });
      const accepted = run.outcomes.filter((o) => o.status === 202 && o.body?.orderId);
      const settleStarted = performance.now();
      while (
        performance.now() - settleStarted < settleCapMs &&
        accepted.some((o) => !watcher.outcomes.has(o.body!.orderId!))
      ) {
        await sleep(500);
      }
      const settled = accepted.every((o) => watcher.outcomes.has(o.body!.orderId!));
      const settleSeconds = settled ? round2((performance.now() - origin) / 1000) : null;
      await backlog.stop();
      const step = stepOf({
        multiple,
        rate,
        stepSeconds,
        run,
        accepted,
        tokens,
        watcher,
        settleSeconds,
        backlog,
        cpu: cpu.window(),
      });
      steps.push(step);
      ctx.log(
        `overload: ${multiple}x -> ${step.accepted} taken, ${step.refused} refused, ${step.shed} shed; ` +
          `confirmed ${step.confirmed}/${step.expectedConfirmed} at ${step.confirmedRate}/s, ` +
          `${step.failedByPipeline} failed by the pipeline, max backlog ${JSON.stringify(step.maxSagaBacklog)}`,
      );
      await pipeline.waitForConsumersIdle().catch(() => undefined);
    }
  } finally {
    await load.close();
  }
  return writeResult(
    'overload',
    ctx.quick ? 'quick' : 'full',
    started,
    machine,
    {
      sustainableOrdersPerSecond: admission.sustainableOrdersPerSecond,
      multiples: [...OVERLOAD_MULTIPLES],
      stepSeconds,
      maxCommandBacklog: admission.maxCommandBacklog,
      retryAfterSeconds: admission.retryAfterSeconds,
      pickUpBudgetSeconds: saga.pickUpBudgetSeconds,
      settleCapSeconds: settleCapMs / 1000,
      cart: '1-5 lines of SKU-1..SKU-5, quantity 1-3, 98 % tok_approve, 2 % tok_decline, 20 customers',
      generator: `open loop, node:http keep-alive agent, at most ${MAX_IN_FLIGHT} checkouts outstanding (a send beyond that is shed); refused checkouts are not retried`,
      stage: 'dev (the local mode), its admission threshold and pick-up budget as deployed',
    },
    { steps },
  );
}

interface StepInput {
  readonly multiple: number;
  readonly rate: number;
  readonly stepSeconds: number;
  readonly run: OpenLoopRun<CheckoutReply>;
  readonly accepted: readonly RequestOutcome<CheckoutReply>[];
  readonly tokens: readonly string[];
  readonly watcher: OrderOutcomeWatcher;
  readonly settleSeconds: number | null;
  readonly backlog: LagMonitor;
  readonly cpu: CpuWindow;
}

function stepOf(input: StepInput): OverloadStep {
  const { run, accepted, watcher } = input;
  const refused = run.outcomes.filter(
    (o) => o.status === 503 && o.body?.error?.code === 'PIPELINE_AT_CAPACITY',
  );
  const outcomes = accepted.map((o) => ({ o, result: watcher.outcomes.get(o.body!.orderId!) }));
  const confirmed = outcomes.filter((x) => x.result?.status === 'CONFIRMED');
  const failed: Record<string, number> = {};
  for (const { result } of outcomes) {
    if (result?.status !== 'FAILED') continue;
    const reason = result.reason ?? 'unknown';
    failed[reason] = (failed[reason] ?? 0) + 1;
  }
  const firstScheduled = Math.min(...run.outcomes.map((o) => o.scheduledAt));
  const lastConfirm = Math.max(firstScheduled + 1, ...confirmed.map((x) => x.result!.at));
  return {
    multiple: input.multiple,
    targetRate: input.rate,
    durationSeconds: input.stepSeconds,
    scheduled: run.scheduled,
    offeredRate: round2(run.scheduled / run.sendWindowSeconds),
    accepted: accepted.length,
    acceptedRate: round2(accepted.length / run.sendWindowSeconds),
    refused: refused.length,
    shed: run.outcomes.filter((o) => o.error === SHED).length,
    statusCounts: statusCounts(run.outcomes),
    confirmed: confirmed.length,
    expectedConfirmed: accepted.filter((o) => input.tokens[o.index] === 'tok_approve').length,
    confirmedRate: round2(confirmed.length / ((lastConfirm - firstScheduled) / 1000)),
    failed,
    failedByPipeline: Object.entries(failed)
      .filter(([reason]) => !BUSINESS_FAILURES.has(reason))
      .reduce((sum, [, count]) => sum + count, 0),
    unresolved: outcomes.filter((x) => !x.result).length,
    settleSeconds: input.settleSeconds,
    acceptedLatencyMs: percentiles(accepted.map((o) => o.answeredAt - o.scheduledAt)),
    refusedLatencyMs: percentiles(refused.map((o) => o.answeredAt - o.scheduledAt)),
    maxSagaBacklog: Object.fromEntries(SAGA_SERVICES.map((name) => [name, input.backlog.max[name] ?? 0])),
    backlogSeries: input.backlog.series.map(({ t, lags }) => ({
      t,
      inventoryService: lags.inventoryService ?? 0,
      paymentService: lags.paymentService ?? 0,
    })),
    cpu: input.cpu,
  };
}
