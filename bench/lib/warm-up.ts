/**
 * Before the first measured order: a short burst that makes the local mode start every execution
 * environment the load will use (each is a worker thread that compiles and loads its handler, a
 * cold start of a second or more on this machine). A steady-state figure should not carry them;
 * the cold-start benchmark measures them on their own. Done once per environment.
 */
import type { RunningPipeline } from '../../local/pipeline';
import { runOpenLoop } from './load-generator';
import { cartGenerator, checkoutRequests, customerTokens } from './orders';
import { sleep } from './results';

const warmed = new WeakSet<RunningPipeline>();

export async function warmUpPipeline(pipeline: RunningPipeline, log: (line: string) => void): Promise<void> {
  if (warmed.has(pipeline)) return;
  warmed.add(pipeline);
  const customers = await customerTokens(pipeline, 4);
  const nextCart = cartGenerator(99, 1);
  const started = Date.now();
  for (let round = 0; round < 2; round++) {
    await runOpenLoop({
      url: `${pipeline.apiUrl}/orders`,
      ratePerSecond: 30,
      durationSeconds: 1,
      build: checkoutRequests(customers, nextCart),
    });
    await sleep(3_000);
    await pipeline.waitForConsumersIdle().catch(() => undefined);
  }
  log(`warm-up: 60 orders in 2 bursts, idle after ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
