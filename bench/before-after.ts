/**
 * Benchmark 7, the seed's before/after table reproduced on this machine in one run: the same
 * arrival rate of checkouts against the old synchronous chain (bench/sync-chain) and against this
 * system, then both again with analytics down for the middle third of the run. Checkout p50/p99
 * and failed orders for each, and the reductions next to the published ones.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { BenchContext } from './lib/context';
import { LagReader, waitForZeroLag } from './lib/lag-monitor';
import {
  keepAliveAgent,
  MAX_IN_FLIGHT,
  type RequestOutcome,
  runOpenLoop,
  statusCounts,
} from './lib/load-generator';
import { OrderOutcomeWatcher } from './lib/order-outcomes';
import {
  cartGenerator,
  checkoutRequests,
  customerTokens,
  orderBody,
  type PlaceOrderReply,
} from './lib/orders';
import { machineInfo, type Percentiles, percentiles, round2, sleep, writeResult } from './lib/results';
import { warmUpPipeline } from './lib/warm-up';

export const PUBLISHED = {
  before: { p50Ms: 1800, p99Ms: 4200, failedPercent: 0.52 },
  after: { p50Ms: 400, p99Ms: 1100 },
  p50Reduction: -78,
  p99Reduction: -74,
  outageCheckoutImpact: 'none',
} as const;

export interface ArchitectureRun {
  readonly architecture: 'synchronous chain (seed)' | 'event-driven (this system)';
  readonly analyticsOutage: boolean;
  readonly orders: number;
  readonly checkoutLatencyMs: Percentiles;
  readonly failedOrders: number;
  readonly failedPercent: number;
  readonly failuresDuringOutage: number;
  readonly statusCounts: Record<string, number>;
  readonly notConfirmed?: number;
  readonly analyticsDrainSeconds?: number | null;
}

async function startSyncChain(): Promise<{ child: ChildProcess; checkoutUrl: string; adminUrl: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/sync-chain/server.ts'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`sync chain exited with ${code}`)));
  });
  return { child, ...(JSON.parse(line) as { checkoutUrl: string; adminUrl: string }) };
}

async function post(url: string): Promise<void> {
  await fetch(url, { method: 'POST' });
}

export async function runBeforeAfter(ctx: BenchContext): Promise<string> {
  const started = new Date();
  const machine = machineInfo();
  // A rate both architectures sustain on this machine (the local saga's ceiling is benchmark 1's
  // subject): the comparison is of checkout latency and failures, not of who saturates first.
  const rate = ctx.quick ? 5 : 10;
  const seconds = ctx.quick ? 6 : 60;
  const { pipeline } = await ctx.environment();
  await warmUpPipeline(pipeline, ctx.log);
  const customers = await customerTokens(pipeline);
  const chain = await startSyncChain();
  const watcher = new OrderOutcomeWatcher(pipeline.endpoints.kafkaBrokers);
  await watcher.start();
  const runs: ArchitectureRun[] = [];
  try {
    for (const outage of [false, true]) {
      runs.push(await runSync(ctx, chain, rate, seconds, outage));
      await pipeline.waitForConsumersIdle().catch(() => undefined);
      runs.push(await runEventDriven(ctx, pipeline, customers, watcher, rate, seconds, outage));
    }
  } finally {
    chain.child.kill('SIGTERM');
    await watcher.stop();
  }
  const [syncNormal, eventNormal, syncOutage, eventOutage] = runs as [
    ArchitectureRun,
    ArchitectureRun,
    ArchitectureRun,
    ArchitectureRun,
  ];
  const reduction = (after: number | null, before: number | null): number | null =>
    after === null || before === null ? null : round2((after / before - 1) * 100);
  return writeResult(
    'before-after',
    ctx.quick ? 'quick' : 'full',
    started,
    machine,
    {
      ratePerSecond: rate,
      secondsPerRun: seconds,
      chain:
        'payment, inventory, fulfilment, notification, analytics, loyalty over HTTP on localhost, 50-200 ms each',
      outage:
        'analytics down for the middle third: the chain service answers 503; this system pauses the analytics consumer',
      eventDrivenFailure: 'non-202 answer, OrderFailed, or not CONFIRMED within 60 s',
      cards: 'tok_approve only',
    },
    {
      runs,
      measured: {
        p50Reduction: reduction(eventNormal.checkoutLatencyMs.p50, syncNormal.checkoutLatencyMs.p50),
        p99Reduction: reduction(eventNormal.checkoutLatencyMs.p99, syncNormal.checkoutLatencyMs.p99),
        outageFailedOrders: { synchronous: syncOutage.failedOrders, eventDriven: eventOutage.failedOrders },
        outageP99Change: reduction(eventOutage.checkoutLatencyMs.p99, eventNormal.checkoutLatencyMs.p99),
      },
      published: PUBLISHED,
    },
  );
}

function outageWindow(seconds: number, outage: boolean, down: () => Promise<void>, up: () => Promise<void>) {
  if (!outage) return { done: Promise.resolve(), isDuring: () => false };
  const t0 = performance.now();
  const start = t0 + (seconds * 1000) / 3;
  const end = t0 + (seconds * 2000) / 3;
  const done = (async () => {
    await sleep(start - performance.now());
    await down();
    await sleep(end - performance.now());
    await up();
  })();
  return { done, isDuring: (at: number) => at >= start && at < end };
}

async function runSync(
  ctx: BenchContext,
  chain: { checkoutUrl: string; adminUrl: string },
  rate: number,
  seconds: number,
  outage: boolean,
): Promise<ArchitectureRun> {
  ctx.log(
    `before/after: synchronous chain, ${rate}/s for ${seconds} s${outage ? ', analytics down mid-run' : ''}`,
  );
  const nextCart = cartGenerator(11, 1);
  const agent = keepAliveAgent();
  const window = outageWindow(
    seconds,
    outage,
    () => post(`${chain.adminUrl}/down/analytics`),
    () => post(`${chain.adminUrl}/up/analytics`),
  );
  const run = await runOpenLoop({
    url: chain.checkoutUrl,
    ratePerSecond: rate,
    durationSeconds: seconds,
    agent,
    maxInFlight: MAX_IN_FLIGHT,
    build: () => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: orderBody(nextCart(), 'seed-customer'),
    }),
  });
  await window.done;
  agent.destroy();
  const ok = run.outcomes.filter((o) => o.status === 201);
  const failed = run.outcomes.filter((o) => o.status !== 201);
  return summarize('synchronous chain (seed)', outage, run.outcomes, ok, failed, window.isDuring);
}

async function runEventDriven(
  ctx: BenchContext,
  pipeline: Awaited<ReturnType<BenchContext['environment']>>['pipeline'],
  customers: string[][],
  watcher: OrderOutcomeWatcher,
  rate: number,
  seconds: number,
  outage: boolean,
): Promise<ArchitectureRun> {
  ctx.log(
    `before/after: this system, ${rate}/s for ${seconds} s${outage ? ', analytics paused mid-run' : ''}`,
  );
  const nextCart = cartGenerator(11, 1);
  const agent = keepAliveAgent();
  const window = outageWindow(
    seconds,
    outage,
    () => pipeline.pause('analytics'),
    () => pipeline.resume('analytics'),
  );
  const run = await runOpenLoop<PlaceOrderReply>({
    url: `${pipeline.apiUrl}/orders`,
    ratePerSecond: rate,
    durationSeconds: seconds,
    agent,
    maxInFlight: MAX_IN_FLIGHT,
    build: checkoutRequests(customers, nextCart),
  });
  await window.done;
  agent.destroy();
  const lagReader = new LagReader(pipeline.endpoints.kafkaBrokers);
  const drained = await waitForZeroLag(lagReader, 60_000);
  await lagReader.close();
  const accepted = run.outcomes.filter((o) => o.status === 202 && o.body?.orderId);
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline && accepted.some((o) => !watcher.outcomes.has(o.body!.orderId!))) {
    await sleep(200);
  }
  const confirmed = accepted.filter((o) => watcher.outcomes.get(o.body!.orderId!)?.status === 'CONFIRMED');
  const failed = run.outcomes.filter((o) => !confirmed.includes(o));
  const summary = summarize(
    'event-driven (this system)',
    outage,
    run.outcomes,
    accepted,
    failed,
    window.isDuring,
  );
  return {
    ...summary,
    notConfirmed: accepted.length - confirmed.length,
    analyticsDrainSeconds: outage ? (drained === undefined ? null : round2(drained / 1000)) : undefined,
  };
}

function summarize(
  architecture: ArchitectureRun['architecture'],
  outage: boolean,
  all: readonly RequestOutcome<unknown>[],
  answered: readonly { scheduledAt: number; answeredAt: number }[],
  failed: readonly { scheduledAt: number }[],
  isDuring: (at: number) => boolean,
): ArchitectureRun {
  return {
    architecture,
    analyticsOutage: outage,
    orders: all.length,
    // Latency of the checkouts that succeeded; failures are counted apart.
    checkoutLatencyMs: percentiles(answered.map((o) => o.answeredAt - o.scheduledAt)),
    failedOrders: failed.length,
    failedPercent: round2((failed.length / Math.max(1, all.length)) * 100),
    failuresDuringOutage: failed.filter((o) => isDuring(o.scheduledAt)).length,
    statusCounts: statusCounts(all),
  };
}
