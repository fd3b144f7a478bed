/**
 * CommandBacklogReader on the Kafka admin API: per saga command mapping, the end offsets of its
 * topic (ListOffsets) against the committed offsets of its consumer group (OffsetFetch). This is
 * what MSK reports as SumOffsetLag, read directly: the CloudWatch metric arrives once a minute,
 * far too late to stop a burst at checkout. It works because an MSK event source mapping commits
 * the offsets of what it processed to its consumer group on the cluster (AWS_RULES
 * `kafkaMappingCommitsOffsets`), as the local mode's mappings do.
 */
import type { Admin } from 'kafkajs';
import type { CommandBacklog } from '../domain/admission';
import type { CommandBacklogReader } from '../ports/command-backlog';

/** A command topic and the consumer group its service reads it in. */
export interface CommandMapping {
  readonly topic: string;
  readonly consumerGroupId: string;
}

/**
 * The longest a reading may take, connecting included; over it the reading fails (and checkout
 * admits, see decideAdmission). It is paid by one checkout per reading interval at most.
 */
export const READ_TIMEOUT_MS = 1_000;

/** The backlogs could not be read in time; `cause` has the broker's or the client's error. */
export class CommandBacklogUnavailableError extends Error {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CommandBacklogUnavailableError';
  }
}

/** What a reading needs of the kafkajs admin client. */
export type OffsetsClient = Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets'>;

export class KafkaCommandBacklogReader<Client extends OffsetsClient = OffsetsClient>
  implements CommandBacklogReader
{
  /**
   * @param admin resolves to a connected admin client; called on every reading.
   * @param discard gets a client whose reading failed, so the next reading connects afresh.
   *   @default keeps the client
   * @param timeoutMs @default READ_TIMEOUT_MS
   */
  public constructor(
    private readonly mappings: readonly CommandMapping[],
    private readonly admin: () => Promise<Client>,
    private readonly discard: (failed: Client) => Promise<void> = async () => undefined,
    private readonly timeoutMs = READ_TIMEOUT_MS,
  ) {}

  public async read(): Promise<readonly CommandBacklog[]> {
    let client: Client | undefined;
    const reading = (async () => {
      client = await this.admin();
      return backlogsOf(client, this.mappings);
    })();
    try {
      return await withinTimeout(reading, this.timeoutMs);
    } catch (error) {
      if (client) await this.discard(client).catch(() => undefined);
      throw new CommandBacklogUnavailableError(
        `Reading the saga command backlogs failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
}

/**
 * Records past each group's committed offset, summed over its topic's partitions. A partition the
 * group never committed counts from its oldest record: the mappings start at TRIM_HORIZON, so that
 * is where their service starts reading. A committed offset below the oldest retained record counts
 * from that record.
 */
async function backlogsOf(
  admin: OffsetsClient,
  mappings: readonly CommandMapping[],
): Promise<CommandBacklog[]> {
  const topics = [...new Set(mappings.map((mapping) => mapping.topic))];
  const ends = new Map(
    await Promise.all(topics.map(async (topic) => [topic, await admin.fetchTopicOffsets(topic)] as const)),
  );
  return Promise.all(
    mappings.map(async ({ topic, consumerGroupId }) => {
      const committed = await admin.fetchOffsets({ groupId: consumerGroupId, topics: [topic] });
      const committedByPartition = new Map(
        (committed.find((entry) => entry.topic === topic)?.partitions ?? []).map(
          (partition) => [partition.partition, Number(partition.offset)] as const,
        ),
      );
      let waiting = 0;
      for (const partition of ends.get(topic) ?? []) {
        const oldest = Number(partition.low);
        const at = committedByPartition.get(partition.partition);
        const from = at === undefined || at < 0 ? oldest : Math.max(at, oldest);
        waiting += Math.max(0, Number(partition.high) - from);
      }
      return { topic, consumerGroupId, waiting };
    }),
  );
}

function withinTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  // The losing side may still settle later; its outcome no longer matters.
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
