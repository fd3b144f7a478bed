/**
 * Reliability scenario 3: a three-broker cluster (replication factor 3, min.insync.replicas 2) loses
 * one broker (SIGKILL) under load and it stays down: with two replicas in sync, acks=all writes keep
 * succeeding, nothing acknowledged is lost and processing continues to the end.
 */
import { describe, expect, it } from 'vitest';
import { runInfrastructureFault, seconds } from './infrastructure-fault';

describe('scenario 3: one broker of three lost under load', () => {
  it('loses nothing acknowledged and keeps processing', async () => {
    // Prepare / Act
    const result = await runInfrastructureFault({
      id: 'scenario-3-one-of-three-brokers',
      title: '3. One broker of a three-broker cluster (RF 3, min ISR 2) SIGKILLed',
      fault: 'SIGKILL of broker 2 of 3 after 4 of 12 orders; it stays down for the rest of the run',
      brokers: 3,
      orders: 12,
      injectAfter: 4,
      inject: async (stack) => {
        const started = Date.now();
        await stack.kafka!.nodes[1]!.kill();
        return {
          notes: [`broker 2 killed (SIGKILL) in ${seconds(started)}; the run finished on brokers 1 and 3`],
        };
      },
    });
    // Assess
    expect(result.problems).toEqual([]);
  }, 540_000);
});
