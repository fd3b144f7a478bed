/**
 * Reliability scenario 4: the DynamoDB server restarted under load. While it is down, checkout answers
 * 5xx (the client retries with the same Idempotency-Key), handlers fail and their batches are
 * retried by the event source mappings, saga steps retry or time out and compensate; afterwards
 * the books balance.
 */
import { describe, expect, it } from 'vitest';
import { INFRASTRUCTURE_FAULT_TIMEOUT_MS, runInfrastructureFault, seconds } from './infrastructure-fault';

describe('scenario 4: the DynamoDB server restarted under load', () => {
  it(
    'lets handlers fail and retry, and ends correct',
    async () => {
      // Prepare / Act
      const result = await runInfrastructureFault({
        id: 'scenario-4-dynamodb-restart',
        title: '4. The DynamoDB server restarted under load',
        fault: 'The DynamoDB server stopped and started again (same data folder) after 6 of 16 orders',
        brokers: 1,
        orders: 16,
        injectAfter: 6,
        inject: async (stack) => {
          const started = Date.now();
          await stack.dynamodb.restart();
          return { notes: [`The DynamoDB server unavailable for ${seconds(started)} (stop + start)`] };
        },
      });
      // Assess
      expect(result.problems).toEqual([]);
    },
    INFRASTRUCTURE_FAULT_TIMEOUT_MS,
  );
});
