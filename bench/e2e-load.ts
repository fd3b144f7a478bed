/**
 * Benchmark 1, end-to-end load: an open-loop ramp of checkouts through the local API; per step the
 * achieved rates, checkout (202) and order-to-CONFIRMED latency percentiles, errors, the maximum
 * lag per consumer group, how long until every lag is back to 0, and who used the CPU.
 */

import type { BenchContext } from './lib/context';
import { CpuSampler, type CpuWindow } from './lib/cpu-sampler';
import { BENCH_DATA_MARKER } from './lib/environment';
import { LagMonitor, type LagReader, waitForZeroLag } from './lib/lag-monitor';
import { type keepAliveAgent, MAX_IN_FLIGHT, runOpenLoop, statusCounts } from './lib/load-generator';
import { startLoadRun } from './lib/load-run';
import type { OrderOutcome, OrderOutcomeWatcher } from './lib/order-outcomes';
import { type cartGenerator, checkoutRequests, type PlaceOrderReply } from './lib/orders';
import { machineInfo, type Percentiles, percentiles, round2, sleep, writeResult } from './lib/results';

export interface E2eStep {
  readonly targetRate: number;
  readonly durationSeconds: number;
  readonly scheduled: number;
  readonly offeredRate: number;
  /** 202 answers per second, over the send window. */
  readonly acceptedRate: number;
  /** Confirmed orders per second, from the first send to the last confirmation. */
  readonly confirmedRate: number;
  readonly checkoutLatencyMs: Percentiles;
  readonly confirmLatencyMs: Percentiles;
  readonly statusCounts: Record<string, number>;
  readonly confirmed: number;
  readonly expectedConfirmed: number;
  readonly failed: Record<string, number>;
  readonly unresolved: number;
  readonly maxLag: Record<string, number>;
  /** ms from the end of the step until every group's lag was 0; null: not within the cap. */
  readonly lagZeroAfterMs: number | null;
  readonly maxGeneratorLagMs: number;
  readonly cpu: CpuWindow;
  readonly lagSeries: { t: number; total: number }[];
  readonly skipped?: string;
}

/**
 * The ramp: 4.2 orders/s is the shop's peak, 417 (100x) what AWS must carry, 50 what the local mode must
 * carry on two cores; the probe steps locate the ceiling between the others.
 */
const PROBE_RATES: readonly number[] = [21];

export async function runE2eLoad(ctx: BenchContext): Promise<string> {
  const started = new Date();
  const machine = machineInfo();
  const rates = ctx.quick ? [4.2, 10, 21] : [4.2, 21, 42, 50, 100, 200, 417];
  const stepSeconds = ctx.quick ? 5 : 60;
  const drainCapMs = ctx.quick ? 20_000 : 30_000;
  const load = await startLoadRun(ctx, 42);
  const { pipeline, customers, watcher, agent, lagReader, nextCart } = load;
  const steps: E2eStep[] = [];
  let saturatedAt: number | undefined;
  try {
    for (const rate of rates) {
      if (saturatedAt !== undefined) {
        steps.push(skippedStep(rate, stepSeconds, `not run: the ramp saturated at ${saturatedAt}/s`));
        continue;
      }
      ctx.log(`e2e: ${rate} orders/s for ${stepSeconds} s`);
      const step = await runStep({
        ctx,
        rate,
        stepSeconds,
        drainCapMs,
        url: `${pipeline.apiUrl}/orders`,
        customers,
        nextCart,
        agent,
        watcher,
        pipeline,
        lagReader,
      });
      steps.push(step);
      ctx.log(
        `e2e: ${rate}/s -> accepted ${step.acceptedRate}/s, checkout p99 ${step.checkoutLatencyMs.p99} ms, ` +
          `confirm p99 ${step.confirmLatencyMs.p99} ms, confirmed ${step.confirmed}/${step.expectedConfirmed}, ` +
          `lag 0 after ${step.lagZeroAfterMs ?? '>cap'} ms, cpu ${JSON.stringify(step.cpu.byProcess)}`,
      );
      // Saturated: checkouts no longer answered at the offered rate, or most orders never confirmed.
      // A higher step would only pile up timed-out requests and spoil the benchmarks after this one.
      // A probe step (between the ramp's steps, to locate the ceiling) never ends the ramp.
      const saturated = step.acceptedRate < 0.8 * rate || step.confirmed < 0.5 * step.expectedConfirmed;
      if (saturated && !PROBE_RATES.includes(rate)) saturatedAt = rate;
      else await pipeline.waitForConsumersIdle().catch(() => undefined);
    }
  } finally {
    await load.close();
  }
  return writeResult(
    'e2e-load',
    ctx.quick ? 'quick' : 'full',
    started,
    machine,
    {
      rates,
      stepSeconds,
      drainCapSeconds: drainCapMs / 1000,
      cart: '1-5 lines of SKU-1..SKU-5, quantity 1-3, 98 % tok_approve, 2 % tok_decline, 20 customers',
      warmUp: '60 orders in 2 bursts before the first step, not measured',
      generator: `open loop, node:http keep-alive agent, latency from the scheduled send time; at most ${MAX_IN_FLIGHT} checkouts outstanding, a send scheduled beyond that is shed (error:shed)`,
      confirmation: 'OrderConfirmed/OrderFailed seen on orders.events by a separate consumer group',
      apiThrottle: 'prod stage (500/s, burst 1000) applied to the local API',
      probeRates: `${PROBE_RATES.join(', ')}: between the target's steps, to locate the ceiling; never ends the ramp`,
      abortRule:
        'a saturated step (202 answers < 80 % of the offered rate, or < 50 % of orders confirmed) ends the ramp',
    },
    { steps },
  );
}

interface StepInput {
  readonly ctx: BenchContext;
  readonly rate: number;
  readonly stepSeconds: number;
  readonly drainCapMs: number;
  readonly url: string;
  readonly customers: string[][];
  readonly nextCart: ReturnType<typeof cartGenerator>;
  readonly agent: ReturnType<typeof keepAliveAgent>;
  readonly watcher: OrderOutcomeWatcher;
  readonly pipeline: Awaited<ReturnType<BenchContext['environment']>>['pipeline'];
  readonly lagReader: LagReader;
}

async function runStep(input: StepInput): Promise<E2eStep> {
  const { rate, stepSeconds, watcher, lagReader } = input;
  const cpu = new CpuSampler(BENCH_DATA_MARKER);
  const origin = performance.now();
  const lagMonitor = new LagMonitor(lagReader, origin);
  const tokens: string[] = [];
  const run = await runOpenLoop<PlaceOrderReply>({
    url: input.url,
    ratePerSecond: rate,
    durationSeconds: stepSeconds,
    agent: input.agent,
    maxInFlight: MAX_IN_FLIGHT,
    build: checkoutRequests(input.customers, input.nextCart, (index, cart) => {
      tokens[index] = cart.token;
    }),
  });
  const lagZeroAfterMs = await waitForZeroLag(lagReader, input.drainCapMs);
  // Orders still in their saga after the lag is 0 (a step timing out) get the rest of the cap.
  const accepted = run.outcomes.filter((o) => o.status === 202 && o.body?.orderId);
  const deadline =
    performance.now() + Math.max(2_000, input.drainCapMs - (lagZeroAfterMs ?? input.drainCapMs));
  while (performance.now() < deadline && accepted.some((o) => !watcher.outcomes.has(o.body!.orderId!))) {
    await sleep(200);
  }
  await lagMonitor.stop();
  const cpuWindow = cpu.window();

  const outcomes = accepted.map((o) => ({ o, result: watcher.outcomes.get(o.body!.orderId!) }));
  const confirmed = outcomes.filter(
    (x): x is { o: (typeof accepted)[number]; result: OrderOutcome } => x.result?.status === 'CONFIRMED',
  );
  const failed: Record<string, number> = {};
  for (const { result } of outcomes) {
    if (result?.status === 'FAILED')
      failed[result.reason ?? 'unknown'] = (failed[result.reason ?? 'unknown'] ?? 0) + 1;
  }
  const firstScheduled = Math.min(...run.outcomes.map((o) => o.scheduledAt));
  const lastConfirm = Math.max(firstScheduled + 1, ...confirmed.map((x) => x.result.at));
  return {
    targetRate: rate,
    durationSeconds: stepSeconds,
    scheduled: run.scheduled,
    offeredRate: round2(run.scheduled / run.sendWindowSeconds),
    acceptedRate: round2(accepted.length / run.sendWindowSeconds),
    confirmedRate: round2(confirmed.length / ((lastConfirm - firstScheduled) / 1000)),
    checkoutLatencyMs: percentiles(accepted.map((o) => o.answeredAt - o.scheduledAt)),
    confirmLatencyMs: percentiles(confirmed.map((x) => x.result.at - x.o.scheduledAt)),
    statusCounts: statusCounts(run.outcomes),
    confirmed: confirmed.length,
    expectedConfirmed: accepted.filter((o) => tokens[o.index] === 'tok_approve').length,
    failed,
    unresolved: outcomes.filter((x) => !x.result).length,
    maxLag: lagMonitor.max,
    lagZeroAfterMs: lagZeroAfterMs ?? null,
    maxGeneratorLagMs: run.maxSendLagMs,
    cpu: cpuWindow,
    lagSeries: lagMonitor.series.map((point) => ({
      t: point.t,
      total: Object.values(point.lags).reduce((sum, lag) => sum + Math.max(0, lag), 0),
    })),
  };
}

function skippedStep(rate: number, seconds: number, reason: string): E2eStep {
  const empty = percentiles([]);
  return {
    targetRate: rate,
    durationSeconds: seconds,
    scheduled: 0,
    offeredRate: 0,
    acceptedRate: 0,
    confirmedRate: 0,
    checkoutLatencyMs: empty,
    confirmLatencyMs: empty,
    statusCounts: {},
    confirmed: 0,
    expectedConfirmed: 0,
    failed: {},
    unresolved: 0,
    maxLag: {},
    lagZeroAfterMs: null,
    maxGeneratorLagMs: 0,
    cpu: { seconds: 0, machineBusyPercent: 0, byProcess: {}, benchThreads: {} },
    lagSeries: [],
    skipped: reason,
  };
}
