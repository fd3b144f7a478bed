/**
 * Benchmark 2, consumer catch-up: analytics is paused, orders arrive at a fixed rate for a while,
 * analytics is resumed; backlog (records behind on orders.events), drain time and drain rate, the
 * latter as a multiple of the rate at which analytics' records arrived. The consumer runs as
 * deployed: its handler, mapping settings and DynamoDB tables.
 *
 * The orders' events are produced straight to orders.events (OrderPlaced and OrderConfirmed per
 * order, with the pipeline's producer settings), not placed through checkout: the local saga tops
 * out far below 100 orders/s on two cores (benchmark 1), and a backlog that arrives slower than
 * planned would measure the saga, not the consumer's catch-up. The other consumers of
 * orders.events stay paused, so the drain is analytics' alone; the runner stops the stack after
 * this benchmark, which discards their share of the benchmark's records.
 */

import { createProducer } from '../lambdas/shared/kafka/producer';
import { CONSUMERS } from '../lib/config/consumers';
import { TOPICS } from '../lib/config/topics';
import type { BenchContext } from './lib/context';
import { CpuSampler } from './lib/cpu-sampler';
import { BENCH_DATA_MARKER } from './lib/environment';
import { orderEventSource } from './lib/order-events';
import { machineInfo, round2, sleep, writeResult } from './lib/results';
import { warmUpPipeline } from './lib/warm-up';

const CONSUMER = 'analytics';
/** Seconds the benchmarks after this one (before/after, profile, synth) need of the run's budget. */
const RESERVED_AFTER_SECONDS = 10 * 60;

interface LagPoint {
  readonly t: number;
  readonly lag: number;
}

export async function runCatchUp(ctx: BenchContext): Promise<string> {
  const started = new Date();
  const machine = machineInfo();
  const rate = ctx.quick ? 10 : 100;
  const plannedSeconds = ctx.quick ? 10 : 300;
  const drainCapSeconds = ctx.quick ? 30 : 180;
  // 5 minutes of arrivals, a backlog a lunchtime outage leaves, unless the run's budget (30 min for
  // everything) no longer holds them.
  const budgetSeconds = (ctx.deadline - Date.now()) / 1000 - drainCapSeconds - RESERVED_AFTER_SECONDS;
  const seconds = ctx.quick
    ? plannedSeconds
    : Math.round(Math.max(60, Math.min(plannedSeconds, budgetSeconds)));
  const { info, pipeline } = await ctx.environment();
  await warmUpPipeline(pipeline, ctx.log);
  await pipeline.waitForConsumersIdle().catch(() => undefined);

  const others = CONSUMERS.filter(
    (consumer) => consumer.name !== CONSUMER && consumer.topics.includes(TOPICS.orderEvents.name),
  ).map((consumer) => consumer.name);
  for (const name of [...others, CONSUMER]) await pipeline.pause(name);
  const lagBefore = await pipeline.lag(CONSUMER);
  ctx.log(`catch-up: ${CONSUMER} paused (and ${others.join(', ')}), ${rate} orders/s for ${seconds} s`);

  const origin = performance.now();
  const pauseSeries: LagPoint[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      pauseSeries.push({
        t: Math.round(performance.now() - origin),
        lag: (await pipeline.lag(CONSUMER)) - lagBefore,
      });
      await sleep(2_000);
    }
  })();
  const arrival = await produceOrders(info.kafkaBrokers, rate, seconds);
  sampling = false;
  await sampler;
  const backlog = (await pipeline.lag(CONSUMER)) - lagBefore;
  const arrivalRate = backlog / arrival.seconds;
  ctx.log(
    `catch-up: ${arrival.orders} orders in ${round2(arrival.seconds)} s, backlog ${backlog} records ` +
      `(${round2(arrivalRate)}/s); resuming ${CONSUMER}`,
  );

  const cpu = new CpuSampler(BENCH_DATA_MARKER);
  const resumedAt = performance.now();
  await pipeline.resume(CONSUMER);
  const drainSeries: LagPoint[] = [];
  let remaining = backlog;
  let drainMs: number | undefined;
  while (performance.now() - resumedAt < drainCapSeconds * 1000) {
    remaining = (await pipeline.lag(CONSUMER)) - lagBefore;
    const t = Math.round(performance.now() - resumedAt);
    drainSeries.push({ t, lag: remaining });
    if (remaining <= 0) {
      drainMs = t;
      break;
    }
    await sleep(250);
  }
  const cpuWindow = cpu.window();
  const elapsedSeconds = (drainMs ?? performance.now() - resumedAt) / 1000;
  const drained = backlog - Math.max(0, remaining);
  // Not drained within the cap: the rate over the records it did drain, and the time it would take.
  const drainRate = drained / elapsedSeconds;
  const multiple = drainRate / arrivalRate;
  ctx.log(
    `catch-up: ${drainMs === undefined ? `${drained} of ${backlog} drained in the ${drainCapSeconds} s cap` : `drained ${backlog} in ${round2(elapsedSeconds)} s`}` +
      ` = ${round2(drainRate)} records/s, ${round2(multiple)}x arrival`,
  );
  return writeResult(
    'catch-up',
    ctx.quick ? 'quick' : 'full',
    started,
    machine,
    {
      consumer: `${CONSUMER} (its handler as deployed, batch settings from the template)`,
      orderRate: rate,
      orderSeconds: seconds,
      plannedOrderSeconds: plannedSeconds,
      drainCapSeconds,
      arrival:
        'OrderPlaced + OrderConfirmed per order produced to orders.events by the clock (open loop), keyed by order id, with the pipeline producer (idempotent, acks all); checkout and saga not involved',
      isolation: `${others.join(', ')} paused throughout, so the drain is ${CONSUMER}'s alone`,
    },
    {
      ordersProduced: arrival.orders,
      recordsProduced: arrival.records,
      achievedOrderRate: round2(arrival.orders / arrival.seconds),
      maxSendBehindScheduleMs: round2(arrival.maxBehindMs),
      backlogRecords: backlog,
      arrivalRecordsPerSecond: round2(arrivalRate),
      drained: drainMs !== undefined,
      drainSeconds: drainMs === undefined ? null : round2(elapsedSeconds),
      recordsDrained: drained,
      drainRecordsPerSecond: round2(drainRate),
      projectedDrainSeconds: drainRate > 0 ? round2(backlog / drainRate) : null,
      drainRateMultipleOfArrival: round2(multiple),
      cpuWhileDraining: cpuWindow,
      pauseSeries,
      drainSeries,
    },
  );
}

interface Arrival {
  readonly orders: number;
  readonly records: number;
  /** From the first send to the end of the last one. */
  readonly seconds: number;
  /** Largest delay of an order's send behind its scheduled time (the generator's own health). */
  readonly maxBehindMs: number;
}

/**
 * Order i's events are due at start + i / rate; whatever is due is sent in one request, so a slow
 * send is caught up by the next one instead of slowing the arrivals down.
 */
async function produceOrders(brokers: readonly string[], rate: number, seconds: number): Promise<Arrival> {
  const producer = await createProducer({ brokers, ssl: false }, 'bench-catch-up');
  await producer.connect();
  const eventsOf = orderEventSource(7);
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  let sent = 0;
  let records = 0;
  let maxBehindMs = 0;
  const t0 = performance.now();
  try {
    while (sent < total) {
      const due = Math.min(total, Math.floor((performance.now() - t0) / intervalMs) + 1);
      if (due > sent) {
        const messages = [];
        for (let i = sent; i < due; i++) messages.push(...eventsOf(i));
        await producer.send({ topic: TOPICS.orderEvents.name, acks: -1, messages });
        maxBehindMs = Math.max(maxBehindMs, performance.now() - (t0 + sent * intervalMs));
        records += messages.length;
        sent = due;
      }
      await sleep(t0 + sent * intervalMs - performance.now());
    }
  } finally {
    await producer.disconnect();
  }
  return { orders: sent, records, seconds: (performance.now() - t0) / 1000, maxBehindMs };
}
