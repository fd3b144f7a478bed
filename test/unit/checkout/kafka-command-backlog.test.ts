import { describe, expect, it } from 'vitest';
import {
  CommandBacklogUnavailableError,
  KafkaCommandBacklogReader,
  type OffsetsClient,
} from '../../../lambdas/checkout/adapters/kafka-command-backlog';
import { sagaCommandMappings } from '../../../lib/config/consumers';

type TopicOffsets = Awaited<ReturnType<OffsetsClient['fetchTopicOffsets']>>;
type GroupOffsets = Awaited<ReturnType<OffsetsClient['fetchOffsets']>>;

/** The admin client's answers as kafkajs gives them: offsets as strings, -1 for "never committed". */
class FakeAdmin implements OffsetsClient {
  public constructor(
    private readonly ends: Record<string, TopicOffsets>,
    private readonly committed: Record<string, GroupOffsets>,
  ) {}

  public async fetchTopicOffsets(topic: string): Promise<TopicOffsets> {
    const offsets = this.ends[topic];
    if (!offsets) throw new Error(`This server does not host this topic-partition: ${topic}`);
    return offsets;
  }

  public async fetchOffsets(options: { groupId: string; topics?: string[] }): Promise<GroupOffsets> {
    return this.committed[options.groupId] ?? [];
  }
}

const end = (partition: number, low: number, high: number) => ({
  partition,
  offset: String(high),
  high: String(high),
  low: String(low),
});

const MAPPINGS = [
  { topic: 'inventory.commands', consumerGroupId: 'order-pipeline.inventory-service' },
  { topic: 'payments.commands', consumerGroupId: 'order-pipeline.payment-service' },
];

describe('KafkaCommandBacklogReader', () => {
  it('reads the saga command mappings of the consumer catalogue', () => {
    // Act
    const mappings = sagaCommandMappings().map(({ topic, consumerGroupId }) => ({ topic, consumerGroupId }));

    // Assess
    expect(mappings).toEqual(MAPPINGS);
  });

  it("sums each group's records past its committed offset over the topic's partitions", async () => {
    // Prepare
    const admin = new FakeAdmin(
      {
        'inventory.commands': [end(0, 0, 40), end(1, 0, 12)],
        'payments.commands': [end(0, 0, 900), end(1, 0, 300)],
      },
      {
        'order-pipeline.inventory-service': [
          {
            topic: 'inventory.commands',
            partitions: [
              { partition: 0, offset: '40', metadata: null },
              { partition: 1, offset: '10', metadata: null },
            ],
          },
        ],
        'order-pipeline.payment-service': [
          {
            topic: 'payments.commands',
            partitions: [
              { partition: 0, offset: '100', metadata: null },
              { partition: 1, offset: '300', metadata: null },
            ],
          },
        ],
      },
    );
    const reader = new KafkaCommandBacklogReader(MAPPINGS, async () => admin);

    // Act
    const backlogs = await reader.read();

    // Assess
    expect(backlogs).toEqual([
      { ...MAPPINGS[0], waiting: 2 },
      { ...MAPPINGS[1], waiting: 800 },
    ]);
  });

  it('counts a partition the group never committed from its oldest record, and one below it from there', async () => {
    // Prepare
    const admin = new FakeAdmin(
      { 'payments.commands': [end(0, 50, 80), end(1, 200, 260)] },
      {
        'order-pipeline.payment-service': [
          {
            topic: 'payments.commands',
            partitions: [
              { partition: 0, offset: '-1', metadata: null },
              { partition: 1, offset: '120', metadata: null },
            ],
          },
        ],
      },
    );
    const reader = new KafkaCommandBacklogReader([MAPPINGS[1]!], async () => admin);

    // Act
    const [backlog] = await reader.read();

    // Assess
    expect(backlog?.waiting).toBe(30 + 60);
  });

  it('fails with CommandBacklogUnavailableError and drops the client when the broker refuses', async () => {
    // Prepare
    const admin = new FakeAdmin({}, {});
    const discarded: OffsetsClient[] = [];
    const reader = new KafkaCommandBacklogReader(
      MAPPINGS,
      async () => admin,
      async (failed) => {
        discarded.push(failed);
      },
    );

    // Act
    const reading = reader.read();

    // Assess
    await expect(reading).rejects.toBeInstanceOf(CommandBacklogUnavailableError);
    await expect(reading).rejects.toMatchObject({
      name: 'CommandBacklogUnavailableError',
      cause: expect.objectContaining({ message: expect.stringContaining('inventory.commands') }),
    });
    expect(discarded).toEqual([admin]);
  });

  it('gives up after its timeout while the broker does not answer', async () => {
    // Prepare
    const silent: OffsetsClient = {
      fetchTopicOffsets: () => new Promise(() => undefined),
      fetchOffsets: () => new Promise(() => undefined),
    };
    const reader = new KafkaCommandBacklogReader(MAPPINGS, async () => silent, undefined, 20);

    // Act
    const reading = reader.read();

    // Assess
    await expect(reading).rejects.toThrow(/no answer within 20 ms/);
  });

  it('gives up after its timeout while the client is still connecting, without dropping it', async () => {
    // Prepare
    let discards = 0;
    const reader = new KafkaCommandBacklogReader(
      MAPPINGS,
      () => new Promise<OffsetsClient>(() => undefined),
      async () => {
        discards += 1;
      },
      20,
    );

    // Act
    const reading = reader.read();

    // Assess
    await expect(reading).rejects.toBeInstanceOf(CommandBacklogUnavailableError);
    expect(discards).toBe(0);
  });
});
