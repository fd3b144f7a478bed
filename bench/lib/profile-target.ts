/**
 * The profiled child of the profile benchmark, run as
 * `node --cpu-prof --cpu-prof-dir=<dir> --import tsx bench/lib/profile-target.ts` (worker threads
 * inherit the flag and write a profile each): starts a private stack and pipeline of its own (data
 * folder and ports apart from a running `npm run bench`), warms it up, drives an open-loop rate of
 * checkouts, waits for the orders and the consumers to settle, reports the measured window, stops
 * everything and exits 0.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { CpuSampler } from './cpu-sampler';
import { startBenchEnvironment } from './environment';
import { keepAliveAgent, runOpenLoop, statusCounts } from './load-generator';
import { OrderOutcomeWatcher } from './order-outcomes';
import { cartGenerator, checkoutRequests, customerTokens, type PlaceOrderReply } from './orders';
import {
  PROFILE_TARGET_SETTINGS_ENV,
  type ProfileTargetReport,
  type ProfileTargetSettings,
} from './profile-protocol';
import { percentiles, round2, sleep } from './results';
import { warmUpPipeline } from './warm-up';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

/** Far from the benchmark stack's 24092/23000 (+40) and their controller ports (+1000). */
const PROFILE_BASE_PORTS = { kafka: 24_592, dynamodb: 23_500 } as const;

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
const log = (line: string): void => console.log(line);

async function main(): Promise<void> {
  const settings = JSON.parse(process.env[PROFILE_TARGET_SETTINGS_ENV] ?? '') as ProfileTargetSettings;
  const environment = await startBenchEnvironment(log, {
    dataMarker: settings.dataMarker,
    basePorts: PROFILE_BASE_PORTS,
  });
  const { pipeline } = environment;
  const watcher = new OrderOutcomeWatcher(pipeline.endpoints.kafkaBrokers);
  const agent = keepAliveAgent();
  try {
    const customers = await customerTokens(pipeline);
    await watcher.start();
    await warmUpPipeline(pipeline, log);
    await pipeline.waitForConsumersIdle().catch(() => undefined);
    const nextCart = cartGenerator(42);
    log(`driving ${settings.ratePerSecond} orders/s for ${settings.durationSeconds} s`);
    const loadStart = loadavg().map(round2);
    const cpu = new CpuSampler(settings.dataMarker);
    const startUs = nowUs();
    const run = await runOpenLoop<PlaceOrderReply>({
      url: `${pipeline.apiUrl}/orders`,
      ratePerSecond: settings.ratePerSecond,
      durationSeconds: settings.durationSeconds,
      agent,
      build: checkoutRequests(customers, nextCart),
    });
    const accepted = run.outcomes.filter((o) => o.status === 202 && o.body?.orderId);
    const deadline = performance.now() + settings.drainCapMs;
    while (performance.now() < deadline && accepted.some((o) => !watcher.outcomes.has(o.body!.orderId!))) {
      await sleep(100);
    }
    // The projections (read model, loyalty, analytics, notification) finish after the saga does.
    let consumersIdle = true;
    await Promise.race([
      pipeline.waitForConsumersIdle(),
      sleep(Math.max(1_000, deadline - performance.now())).then(() => {
        throw new Error('drain cap');
      }),
    ]).catch(() => {
      consumersIdle = false;
    });
    const endUs = nowUs();
    const cpuWindow = cpu.window();
    const results = accepted.map((o) => ({ o, result: watcher.outcomes.get(o.body!.orderId!) }));
    const failed: Record<string, number> = {};
    for (const { result } of results) {
      if (result?.status === 'FAILED')
        failed[result.reason ?? 'unknown'] = (failed[result.reason ?? 'unknown'] ?? 0) + 1;
    }
    const confirmed = results.filter((x) => x.result?.status === 'CONFIRMED');
    const report: ProfileTargetReport = {
      window: { startUs, endUs },
      windowSeconds: round2((endUs - startUs) / 1e6),
      sendWindowSeconds: round2(run.sendWindowSeconds),
      ordersPlaced: run.scheduled,
      accepted: accepted.length,
      statusCounts: statusCounts(run.outcomes),
      confirmed: confirmed.length,
      failed,
      unresolved: results.filter((x) => !x.result).length,
      consumersIdle,
      checkoutLatencyMs: percentiles(accepted.map((o) => o.answeredAt - o.scheduledAt)),
      confirmLatencyMs: percentiles(confirmed.map((x) => x.result!.at - x.o.scheduledAt)),
      cpu: cpuWindow,
      loadavgAtWindowStart: loadStart,
      loadavgAtWindowEnd: loadavg().map(round2),
    };
    writeFileSync(settings.reportFile, `${JSON.stringify(report, null, 2)}\n`);
    log(
      `window ${report.windowSeconds} s: ${report.accepted}/${report.ordersPlaced} accepted, ` +
        `${report.confirmed} confirmed, consumers idle ${consumersIdle}`,
    );
  } finally {
    agent.destroy();
    await watcher.stop();
    // Stopping the pipeline terminates the workers, which writes their profiles.
    await environment.stop();
  }
}

main().then(
  () => {
    // The main thread's profile is written at exit; a handle left open must not hold the exit up.
    setTimeout(() => process.exit(0), 10_000).unref();
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
