/**
 * Reliability scenario: a rolling restart of a three-broker cluster (replication factor 3,
 * min.insync.replicas 2) under load, as MSK applies a patch or a version upgrade: one broker at a
 * time is stopped gracefully (SIGTERM, so it hands its partition leadership over), started again on
 * its own data, and the next one follows only once every partition has all three replicas in sync.
 * A customer never sees MSK patching: every order taken meanwhile must end as its card dictates.
 */
import { describe, expect, it } from 'vitest';
import {
  INFRASTRUCTURE_FAULT_TIMEOUT_MS,
  runInfrastructureFault,
  seconds,
  waitForReplicasInSync,
} from './infrastructure-fault';

/** How long a broker may take to stop on SIGTERM. */
const GRACEFUL_STOP_MS = 120_000;

describe('rolling restart of a three-broker cluster under load', () => {
  it(
    'restarts every broker in turn without failing an order',
    async () => {
      // Prepare / Act
      const result = await runInfrastructureFault({
        id: 'scenario-9-rolling-broker-restart',
        title: '9. Rolling restart of a three-broker cluster (RF 3, min ISR 2) under load',
        fault:
          'brokers 1, 2 and 3 each stopped with SIGTERM and started again on their data, the next only once every partition had all replicas in sync; orders placed from before the first stop until the last broker was back in sync',
        brokers: 3,
        orders: 600,
        injectAfter: 6,
        loadUntilHealed: true,
        inject: async (stack) => {
          const notes: string[] = [];
          const problems: string[] = [];
          for (const node of stack.kafka!.nodes) {
            const stopping = Date.now();
            // Controlled shutdown moves every leadership away first, which on two loaded cores can
            // outlast the default 20 s before SIGKILL; the stop must stay graceful.
            await node.process.stop(GRACEFUL_STOP_MS);
            const exitCode = await node.process.exited();
            const stopped = seconds(stopping);
            if (exitCode === null)
              problems.push(`broker ${node.nodeId} did not stop on SIGTERM and was killed`);
            await node.start();
            const back = seconds(stopping);
            await waitForReplicasInSync(stack.kafka!.bootstrapServers);
            notes.push(
              `broker ${node.nodeId}, counted from its SIGTERM: stopped (exit code ${exitCode}) after ${stopped}, serving again after ${back}, all replicas in sync after ${seconds(stopping)}`,
            );
          }
          return { notes, problems };
        },
      });
      // Assess
      expect(result.problems).toEqual([]);
    },
    INFRASTRUCTURE_FAULT_TIMEOUT_MS,
  );
});
