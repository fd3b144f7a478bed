import type { PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionOf } from '../../../scripts/ops/order-records';

function partitions(count: number, leaderless: readonly number[] = []): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 1,
    replicas: [1],
    isr: [1],
  }));
}

describe('partitionOf', () => {
  it("puts a key where the Java client's murmur2 partitioner puts it", () => {
    // Prepare: keys and hashes of Kafka's own murmur2 test (UtilsTest); partition = positive hash mod count
    const javaHashes: Record<string, number> = {
      '21': -973932308,
      foobar: -790332482,
      'a-little-bit-long-string': -985981536,
      'a-little-bit-longer-string': -1486304829,
      abc: 479470107,
    };

    // Act
    const placed = Object.keys(javaHashes).map((key) => [
      partitionOf('orders.events', key, partitions(32)),
      partitionOf('payments.events', key, partitions(16)),
    ]);

    // Assess
    expect(placed).toEqual(
      Object.values(javaHashes).map((hash) => [(hash & 0x7fffffff) % 32, (hash & 0x7fffffff) % 16]),
    );
  });

  it('keeps a key on its partition while that partition has no leader, as the producer does', () => {
    // Prepare
    const orderId = 'ebb42f17-93eb-4dcc-8496-304520760905';
    const usual = partitionOf('orders.events', orderId, partitions(32));

    // Act
    const duringFailover = partitionOf('orders.events', orderId, partitions(32, [usual]));

    // Assess
    expect(duringFailover).toBe(usual);
  });
});
