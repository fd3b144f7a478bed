/**
 * Creates the topic catalogue (lib/config/topics.ts) on a broker: partitions, retention, replication
 * factor and min.insync.replicas as the cluster size allows. Idempotent: existing topics are kept,
 * and grown when the catalogue asks for more partitions than they have.
 */
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS, retentionMs, type TopicSpec } from '../../lib/config/topics';
import { delay } from './service-process';

export interface EnsureTopicsOptions {
  /** Replication factor; capped at the number of brokers the cluster reports. */
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  /** @default ALL_TOPICS */
  readonly topics?: readonly TopicSpec[];
  /** @default 60 */
  readonly timeoutSeconds?: number;
}

export interface EnsureTopicsResult {
  readonly created: readonly string[];
  readonly grown: readonly string[];
  readonly existing: readonly string[];
}

export async function ensureTopics(
  brokers: readonly string[],
  options: EnsureTopicsOptions,
): Promise<EnsureTopicsResult> {
  const topics = options.topics ?? ALL_TOPICS;
  const timeout = (options.timeoutSeconds ?? 60) * 1000;
  const admin = new Kafka({
    clientId: 'order-pipeline-topics',
    brokers: [...brokers],
    // Failures surface as exceptions; kafkajs's own logging would repeat expected retry noise.
    logLevel: logLevel.NOTHING,
    retry: { retries: 10 },
  }).admin();
  await admin.connect();
  try {
    const { brokers: members } = await admin.describeCluster();
    const replicationFactor = Math.min(options.replicationFactor, members.length);
    const minInsyncReplicas = Math.min(options.minInsyncReplicas, replicationFactor);
    const present = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !present.has(topic.name));
    if (missing.length > 0) {
      await admin.createTopics({
        // kafkajs's own leader wait fails when it asks a broker that has not heard of the topic yet.
        waitForLeaders: false,
        timeout,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          replicationFactor,
          configEntries: [
            { name: 'retention.ms', value: String(retentionMs(topic)) },
            { name: 'min.insync.replicas', value: String(minInsyncReplicas) },
          ],
        })),
      });
    }
    await waitForLeaders(admin, topics, Date.now() + timeout);
    const existing = topics.filter((topic) => present.has(topic.name));
    const grown: string[] = [];
    if (existing.length > 0) {
      const metadata = await admin.fetchTopicMetadata({ topics: existing.map((topic) => topic.name) });
      const toGrow = existing.filter((topic) => {
        const found = metadata.topics.find((candidate) => candidate.name === topic.name);
        return found !== undefined && found.partitions.length < topic.partitions;
      });
      if (toGrow.length > 0) {
        await admin.createPartitions({
          timeout,
          topicPartitions: toGrow.map((topic) => ({ topic: topic.name, count: topic.partitions })),
        });
        grown.push(...toGrow.map((topic) => topic.name));
      }
    }
    return {
      created: missing.map((topic) => topic.name),
      grown,
      existing: existing.map((topic) => topic.name).filter((name) => !grown.includes(name)),
    };
  } finally {
    await admin.disconnect();
  }
}

/** Polls metadata until every partition of every topic has a leader (a fresh topic, a restarted broker). */
async function waitForLeaders(admin: Admin, topics: readonly TopicSpec[], deadline: number): Promise<void> {
  const names = topics.map((topic) => topic.name);
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: names });
      const led = metadata.topics.every(
        (topic) =>
          topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0),
      );
      if (led && metadata.topics.length === names.length) {
        return;
      }
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`Topics ${names.join(', ')} have partitions without a leader after the timeout`);
    }
    await delay(250);
  }
}
