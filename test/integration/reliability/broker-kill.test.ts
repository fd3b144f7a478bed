/**
 * Reliability scenario 2: the only Kafka broker killed with SIGKILL under load and started again.
 * Producers (the saga publisher, the services) retry; saga steps whose commands or answers were
 * caught in the outage time out and compensate, the rest complete. Nothing acknowledged is lost:
 * every accepted order ends CONFIRMED or FAILED, every confirmation reaches fulfilment and loyalty.
 */
import { describe, expect, it } from 'vitest';
import { INFRASTRUCTURE_FAULT_TIMEOUT_MS, runInfrastructureFault, seconds } from './infrastructure-fault';
import { sleep } from './scenario';

describe('scenario 2: the Kafka broker killed under load', () => {
  it(
    'loses no acknowledged event; sagas complete or compensate',
    async () => {
      // Prepare / Act
      const result = await runInfrastructureFault({
        id: 'scenario-2-broker-sigkill',
        title: '2. Kafka broker SIGKILLed under load, restarted',
        fault: 'SIGKILL of the single broker after 6 of 16 orders; restart begun 8 s later on the same data',
        brokers: 1,
        orders: 16,
        injectAfter: 6,
        inject: async (stack) => {
          const node = stack.kafka!.nodes[0]!;
          const killed = Date.now();
          await node.kill();
          await sleep(8_000);
          await node.start();
          return { notes: [`broker killed (SIGKILL) and back after ${seconds(killed)}`] };
        },
      });
      // Assess
      expect(result.problems).toEqual([]);
    },
    INFRASTRUCTURE_FAULT_TIMEOUT_MS,
  );
});
