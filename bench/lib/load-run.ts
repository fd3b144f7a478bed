/**
 * What an open-loop run against the checkout API needs, set up once: customers with tokens, the
 * outcome watcher on orders.events, a warmed-up pipeline with idle consumers, one keep-alive agent,
 * a lag reader and a seeded cart generator. `close()` releases them.
 */
import type { Agent } from 'node:http';
import type { RunningPipeline } from '../../local/pipeline';
import type { BenchContext } from './context';
import { LagReader } from './lag-monitor';
import { keepAliveAgent } from './load-generator';
import { OrderOutcomeWatcher } from './order-outcomes';
import { cartGenerator, customerTokens } from './orders';
import { warmUpPipeline } from './warm-up';

export interface LoadRun {
  readonly pipeline: RunningPipeline;
  readonly customers: string[][];
  readonly watcher: OrderOutcomeWatcher;
  readonly agent: Agent;
  readonly lagReader: LagReader;
  readonly nextCart: ReturnType<typeof cartGenerator>;
  /** Releases the agent, the lag reader and the watcher (the pipeline stays up). */
  close(): Promise<void>;
}

export async function startLoadRun(ctx: BenchContext, cartSeed: number): Promise<LoadRun> {
  const { pipeline } = await ctx.environment();
  const customers = await customerTokens(pipeline);
  const watcher = new OrderOutcomeWatcher(pipeline.endpoints.kafkaBrokers);
  await watcher.start();
  await warmUpPipeline(pipeline, ctx.log);
  await pipeline.waitForConsumersIdle().catch(() => undefined);
  const agent = keepAliveAgent();
  const lagReader = new LagReader(pipeline.endpoints.kafkaBrokers);
  return {
    pipeline,
    customers,
    watcher,
    agent,
    lagReader,
    nextCart: cartGenerator(cartSeed),
    close: async () => {
      agent.destroy();
      await lagReader.close();
      await watcher.stop();
    },
  };
}
