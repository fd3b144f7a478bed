/**
 * Reliability scenario: a service on the critical path stops consuming its commands for 30 s under
 * load (a stuck poller, a long GC pause, a rebalance that takes its time), first the inventory
 * service, then the payment service. Its consumer group keeps its partitions, so ReserveStock or
 * ChargeCard commands queue up unread. A command nobody has picked up yet is infrastructure delay,
 * not a business failure: every order taken before and during the stall must be confirmed once the
 * service reads again.
 */
import { describe, expect, it } from 'vitest';
import type { ConsumerName } from '../../../lib/config/consumers';
import { INFRASTRUCTURE_FAULT_TIMEOUT_MS, runInfrastructureFault, seconds } from './infrastructure-fault';
import { sleep } from './scenario';

const STALL_MS = 30_000;

const STALLED: readonly { consumer: ConsumerName; id: string; title: string; command: string }[] = [
  {
    consumer: 'inventoryService',
    id: 'scenario-10-stall-inventory-service',
    title: '10a. inventoryService stalled for 30 s under load',
    command: 'ReserveStock',
  },
  {
    consumer: 'paymentService',
    id: 'scenario-10-stall-payment-service',
    title: '10b. paymentService stalled for 30 s under load',
    command: 'ChargeCard',
  },
];

describe('a critical consumer stalled for 30 s under load', () => {
  for (const { consumer, id, title, command } of STALLED) {
    it(
      `confirms every order placed while ${consumer} stalled, once it reads again`,
      async () => {
        // Prepare / Act
        const result = await runInfrastructureFault({
          id,
          title,
          fault: `${consumer} paused for ${STALL_MS / 1000} s after 6 orders (its ${command} commands queue unread), then resumed; orders placed until it resumed`,
          brokers: 1,
          orders: 300,
          injectAfter: 6,
          loadUntilHealed: true,
          inject: async (_stack, pipeline) => {
            const paused = Date.now();
            await pipeline.pause(consumer);
            await sleep(STALL_MS);
            const backlog = await pipeline.lag(consumer);
            await pipeline.resume(consumer);
            return {
              notes: [`${consumer} paused for ${seconds(paused)}; ${backlog} records behind when it resumed`],
              problems: backlog === 0 ? [`no ${command} command queued up while ${consumer} stalled`] : [],
            };
          },
        });
        // Assess
        expect(result.problems).toEqual([]);
      },
      INFRASTRUCTURE_FAULT_TIMEOUT_MS,
    );
  }
});
