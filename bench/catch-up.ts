/**
 * Benchmark 2, consumer catch-up: analytics is paused, orders arrive at a fixed rate for a while,
 * analytics is resumed; backlog (records behind on orders.events), drain time and drain rate, the
 * latter as a multiple of the rate at which analytics' records arrived. Idempotency stays on (the
 * consumer runs as deployed).
 */
import type { BenchContext } from './lib/context';
import { CpuSampler } from './lib/cpu-sampler';
import { BENCH_DATA_MARKER } from './lib/environment';
import { keepAliveAgent, MAX_IN_FLIGHT, runOpenLoop } from './lib/load-generator';
import { cartGenerator, customerTokens, orderBody } from './lib/orders';
import { machineInfo, round2, sleep, writeResult } from './lib/results';
import { warmUpPipeline } from './lib/warm-up';

export async function runCatchUp(ctx: BenchContext): Promise<string> {
  const started = new Date();
  const machine = machineInfo();
  const rate = ctx.quick ? 10 : 100;
  const plannedSeconds = ctx.quick ? 10 : 300;
  const drainCapMs = ctx.quick ? 30_000 : 180_000;
  // The 5 minutes, unless the run's budget (30 min for everything) no longer holds them:
  // the benchmarks after this one (before/after, synth) need about 9 minutes.
  const budgetSeconds = (ctx.deadline - Date.now() - drainCapMs - 9 * 60_000) / 1000;
  const seconds = ctx.quick
    ? plannedSeconds
    : Math.round(Math.max(60, Math.min(plannedSeconds, budgetSeconds)));
  const { pipeline } = await ctx.environment();
  await warmUpPipeline(pipeline, ctx.log);
  await pipeline.waitForConsumersIdle().catch(() => undefined);
  const customers = await customerTokens(pipeline);
  const nextCart = cartGenerator(7);
  const agent = keepAliveAgent();

  ctx.log(`catch-up: analytics paused, ${rate} orders/s for ${seconds} s`);
  await pipeline.pause('analytics');
  const lagBefore = await pipeline.lag('analytics');
  const pausedAt = performance.now();
  const pauseSeries: { t: number; lag: number }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      pauseSeries.push({ t: Math.round(performance.now() - pausedAt), lag: await pipeline.lag('analytics') });
      await sleep(2_000);
    }
  })();
  const run = await runOpenLoop({
    url: `${pipeline.apiUrl}/orders`,
    ratePerSecond: rate,
    durationSeconds: seconds,
    agent,
    maxInFlight: MAX_IN_FLIGHT,
    build: (index) => {
      const [customerId, token] = customers[index % customers.length]!;
      return {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: orderBody(nextCart(), customerId!),
      };
    },
  });
  agent.destroy();
  // The sagas of the last orders finish before the backlog is taken: every record is in it.
  await pipeline.waitForConsumersIdle().catch(() => undefined);
  sampling = false;
  await sampler;
  const pausedSeconds = (performance.now() - pausedAt) / 1000;
  const backlog = (await pipeline.lag('analytics')) - lagBefore;
  const accepted = run.outcomes.filter((o) => o.status === 202).length;
  const statusCounts: Record<string, number> = {};
  for (const o of run.outcomes) {
    const key = o.status === 0 ? `error:${o.error ?? 'unknown'}` : String(o.status);
    statusCounts[key] = (statusCounts[key] ?? 0) + 1;
  }
  ctx.log(`catch-up: backlog ${backlog} records after ${accepted} orders; resuming analytics`);

  const cpu = new CpuSampler(BENCH_DATA_MARKER);
  const resumedAt = performance.now();
  await pipeline.resume('analytics');
  const drainSeries: { t: number; lag: number }[] = [];
  let drainMs: number | undefined;
  while (performance.now() - resumedAt < drainCapMs) {
    const lag = await pipeline.lag('analytics');
    const t = Math.round(performance.now() - resumedAt);
    drainSeries.push({ t, lag });
    if (lag <= lagBefore) {
      drainMs = t;
      break;
    }
    await sleep(250);
  }
  const cpuWindow = cpu.window();
  const drainSeconds = drainMs === undefined ? undefined : drainMs / 1000;
  // Records reached analytics' topic while orders arrived: the send window, not the settling after it.
  const arrivalRate = backlog / run.sendWindowSeconds;
  const drainRate = drainSeconds ? backlog / drainSeconds : undefined;
  ctx.log(
    `catch-up: drained ${backlog} in ${drainSeconds ?? '>cap'} s = ${drainRate ? round2(drainRate) : '-'} records/s, ` +
      `${drainRate ? round2(drainRate / arrivalRate) : '-'}x arrival (${round2(arrivalRate)}/s)`,
  );
  return writeResult(
    'catch-up',
    ctx.quick ? 'quick' : 'full',
    started,
    machine,
    {
      consumer: 'analytics (idempotency on, batch settings from the template)',
      orderRate: rate,
      orderSeconds: seconds,
      plannedOrderSeconds: plannedSeconds,
      drainCapSeconds: drainCapMs / 1000,
      generator: `open loop; at most ${MAX_IN_FLIGHT} checkouts outstanding, a send scheduled beyond that is shed`,
    },
    {
      ordersScheduled: run.scheduled,
      ordersAccepted: accepted,
      statusCounts,
      achievedOrderRate: round2(accepted / run.sendWindowSeconds),
      pausedSeconds: round2(pausedSeconds),
      backlogRecords: backlog,
      arrivalRecordsPerSecond: round2(arrivalRate),
      drainSeconds: drainSeconds === undefined ? null : round2(drainSeconds),
      drainRecordsPerSecond: drainRate === undefined ? null : round2(drainRate),
      drainRateMultipleOfArrival: drainRate === undefined ? null : round2(drainRate / arrivalRate),
      cpuWhileDraining: cpuWindow,
      pauseSeries,
      drainSeries,
    },
  );
}
