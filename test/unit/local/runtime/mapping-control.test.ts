import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  type MappingStats,
  type PartitionLag,
  readConsumerLag,
  UnknownMappingError,
} from '../../../../local/runtime/event-source-mapping';
import { combineMappings, type MappingControl } from '../../../../local/runtime/mapping-control';
import { mappingDefinition } from '../../../fixtures/local/mapping-definition';

class FakeControl implements MappingControl {
  readonly paused = new Set<string>();
  constructor(
    private readonly names: readonly string[],
    private readonly lag: PartitionLag[],
  ) {}
  stats(): MappingStats[] {
    return this.names.map((logicalId) => ({
      logicalId,
      functionLogicalId: `${logicalId}Function`,
      consumerGroupId: logicalId,
      topics: ['orders.events'],
      paused: this.paused.has(logicalId),
      recordsIn: 1,
      batches: 1,
      invocations: 1,
      functionErrors: 0,
      failuresSent: 0,
      lastBatchAt: undefined,
    }));
  }
  async getLag(): Promise<PartitionLag[]> {
    return this.lag;
  }
  pause(name: string): string[] {
    if (!this.names.includes(name)) throw new UnknownMappingError(`no ${name}`);
    this.paused.add(name);
    return [name];
  }
  resume(name: string): string[] {
    if (!this.names.includes(name)) throw new UnknownMappingError(`no ${name}`);
    this.paused.delete(name);
    return [name];
  }
}

const lagOf = (consumerGroupId: string, lag: number): PartitionLag => ({
  consumerGroupId,
  mappingLogicalId: consumerGroupId,
  topic: 'orders.events',
  partition: 0,
  committedOffset: 0,
  endOffset: lag,
  lag,
});

describe('combineMappings', () => {
  it('lists the stats and lag of every part', async () => {
    // Prepare
    const combined = combineMappings([
      new FakeControl(['inventory'], [lagOf('inventory', 1)]),
      new FakeControl(['loyalty', 'analytics'], [lagOf('loyalty', 4)]),
    ]);

    // Act
    const stats = combined.stats();
    const lag = await combined.getLag();

    // Assess
    expect(stats.map((s) => s.logicalId)).toEqual(['inventory', 'loyalty', 'analytics']);
    expect(lag.map((l) => [l.consumerGroupId, l.lag])).toEqual([
      ['inventory', 1],
      ['loyalty', 4],
    ]);
  });

  it('pauses and resumes in the part that knows the name, and rejects a name no part knows', () => {
    // Prepare
    const inProcess = new FakeControl(['inventory'], []);
    const child = new FakeControl(['loyalty'], []);
    const combined = combineMappings([inProcess, child]);

    // Act
    const paused = combined.pause('loyalty');

    // Assess
    expect(paused).toEqual(['loyalty']);
    expect([...child.paused]).toEqual(['loyalty']);
    expect([...inProcess.paused]).toEqual([]);
    expect(combined.resume('loyalty')).toEqual(['loyalty']);
    expect([...child.paused]).toEqual([]);
    expect(() => combined.pause('shipping')).toThrow(UnknownMappingError);
  });
});

describe('readConsumerLag', () => {
  it('compares committed and end offsets per partition, and counts an uncommitted TRIM_HORIZON group from the start', async () => {
    // Prepare
    const admin = {
      fetchOffsets: async ({ groupId }: { groupId: string }) => [
        {
          topic: 'orders.events',
          partitions:
            groupId === 'loyalty'
              ? [
                  { partition: 0, offset: '5' },
                  { partition: 1, offset: '-1' },
                ]
              : [{ partition: 0, offset: '-1' }],
        },
      ],
      fetchTopicOffsets: async () => [
        { partition: 0, high: '8', low: '0', offset: '8' },
        { partition: 1, high: '3', low: '1', offset: '3' },
      ],
    } as unknown as Admin;

    // Act
    const lags = await readConsumerLag(admin, [
      mappingDefinition({ logicalId: 'LoyaltyMapping', consumerGroupId: 'loyalty' }),
      mappingDefinition({
        logicalId: 'LatestMapping',
        consumerGroupId: 'latest',
        startingPosition: 'LATEST',
      }),
      mappingDefinition({ logicalId: 'DisabledMapping', consumerGroupId: 'disabled', enabled: false }),
    ]);

    // Assess
    expect(lags.map((l) => [l.mappingLogicalId, l.partition, l.committedOffset, l.lag])).toEqual([
      ['LoyaltyMapping', 0, 5, 3],
      ['LoyaltyMapping', 1, -1, 2],
      ['LatestMapping', 0, -1, 0],
    ]);
  });
});
