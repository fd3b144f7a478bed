/**
 * An order's records on the topics, without scanning them. Every record is keyed by order id and
 * the producer picks the partition with kafkajs's DefaultPartitioner (murmur2, as the Java client),
 * so the order lives on one known partition per topic. That partition is read from the first
 * record at or after the order's creation (ListOffsets by timestamp) to its end when the read
 * began, under a throw-away consumer group that is deleted afterwards; records of other orders on
 * the way are skipped. The read is bounded by a record count per topic and an overall time.
 */
import { randomUUID } from 'node:crypto';
import { type Admin, type EachBatchPayload, type Kafka, Partitioners, type PartitionMetadata } from 'kafkajs';
import { HEADERS } from '../../lambdas/shared/events/envelope';
import type { OrderRecord, TopicRecords } from './order-report';

export interface RecordSearch {
  readonly orderId: string;
  /** Read from the first record at or after this time. */
  readonly from: Date;
  readonly topics: readonly string[];
  /** Records (of any order) read per topic before giving up on the rest of it. */
  readonly maxRecordsPerTopic: number;
  /** Time for the whole read, after which every topic not yet at its end stops. */
  readonly timeoutMs: number;
}

/** The partition the pipeline's producer writes the order's records to. */
export function partitionOf(
  topic: string,
  orderId: string,
  partitions: readonly PartitionMetadata[],
): number {
  // The producer's own partitioner: the same function, so the same answer by construction.
  return Partitioners.DefaultPartitioner()({
    topic,
    partitionMetadata: [...partitions],
    message: { key: orderId, value: null },
  });
}

interface PartitionRead {
  readonly topic: string;
  readonly partition: number;
  readonly fromOffset: bigint;
  readonly endOffset: bigint;
  scanned: number;
  nextOffset: bigint;
  readonly records: OrderRecord[];
  stoppedEarly?: string;
  done: boolean;
}

/** The consumer group of one look-up: unique, and named so an operator recognises it. */
function lookupGroupId(orderId: string): string {
  return `order-pipeline.ops.order-lookup.${orderId}.${randomUUID().slice(0, 8)}`;
}

export async function readOrderRecords(kafka: Kafka, search: RecordSearch): Promise<TopicRecords[]> {
  const deadline = Date.now() + search.timeoutMs;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const reads = await Promise.all(search.topics.map((topic) => planRead(admin, topic, search)));
    const pending = reads.filter((read) => !read.done);
    if (pending.length > 0) await consume(kafka, admin, pending, search, deadline);
    return reads.map(topicRecordsOf);
  } finally {
    await admin.disconnect();
  }
}

async function planRead(admin: Admin, topic: string, search: RecordSearch): Promise<PartitionRead> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const partition = partitionOf(topic, search.orderId, topics[0]?.partitions ?? []);
  const [byTime, ends] = await Promise.all([
    admin.fetchTopicOffsetsByTimestamp(topic, search.from.getTime()),
    admin.fetchTopicOffsets(topic),
  ]);
  // Past the last record's time Kafka answers the end, as for an empty partition.
  const end = BigInt(ends.find((entry) => entry.partition === partition)?.high ?? '0');
  const start = BigInt(byTime.find((entry) => entry.partition === partition)?.offset ?? String(end));
  return {
    topic,
    partition,
    fromOffset: start,
    endOffset: end,
    scanned: 0,
    nextOffset: start,
    records: [],
    done: start >= end,
  };
}

async function consume(
  kafka: Kafka,
  admin: Admin,
  reads: readonly PartitionRead[],
  search: RecordSearch,
  deadline: number,
): Promise<void> {
  const groupId = lookupGroupId(search.orderId);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  const byPartition = new Map(reads.map((read) => [`${read.topic}/${read.partition}`, read]));
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: reads.map((read) => read.topic), fromBeginning: false });
    await new Promise<void>((resolve, reject) => {
      const finishIfDone = () => {
        if (reads.every((read) => read.done)) resolve();
      };
      timer = setTimeout(
        () => {
          for (const read of reads.filter((pending) => !pending.done)) {
            read.stoppedEarly = `time limit of ${search.timeoutMs / 1_000} s reached at offset ${read.nextOffset}`;
            read.done = true;
          }
          resolve();
        },
        Math.max(0, deadline - Date.now()),
      );
      const eachBatch = async ({ batch }: EachBatchPayload) => {
        const read = byPartition.get(`${batch.topic}/${batch.partition}`);
        if (read === undefined || read.done) return;
        collect(read, batch.messages, search);
        finishIfDone();
      };
      // A consumer that gives up (no rights on the group, a topic gone) ends the read at once
      // instead of at the time limit; one that kafkajs restarts carries on.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
      consumer
        .run({ autoCommit: false, eachBatch })
        .then(() => {
          // Only the order's partition of each topic is read: the topic is paused but for it, and it
          // starts where the order's records can begin.
          const topics = [...new Set(reads.map((read) => read.topic))];
          consumer.pause(topics.map((topic) => ({ topic })));
          consumer.resume(reads.map((read) => ({ topic: read.topic, partitions: [read.partition] })));
          for (const read of reads) {
            consumer.seek({ topic: read.topic, partition: read.partition, offset: String(read.fromOffset) });
          }
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}

function collect(
  read: PartitionRead,
  messages: EachBatchPayload['batch']['messages'],
  search: RecordSearch,
): void {
  for (const message of messages) {
    const offset = BigInt(message.offset);
    if (offset < read.nextOffset) continue;
    if (offset >= read.endOffset) {
      read.done = true;
      return;
    }
    read.scanned += 1;
    read.nextOffset = offset + 1n;
    if (message.key?.toString() === search.orderId) {
      read.records.push(orderRecordOf(message.offset, message.timestamp, message.value, message.headers));
    }
    if (read.nextOffset >= read.endOffset) {
      read.done = true;
      return;
    }
    if (read.scanned >= search.maxRecordsPerTopic) {
      read.stoppedEarly = `record limit of ${search.maxRecordsPerTopic} reached at offset ${read.nextOffset}`;
      read.done = true;
      return;
    }
  }
}

function orderRecordOf(
  offset: string,
  timestamp: string,
  value: Buffer | null,
  headers: EachBatchPayload['batch']['messages'][number]['headers'],
): OrderRecord {
  // Lenient on purpose: a record this code cannot decode (a newer version, a poison record) is
  // still the order's record and worth showing.
  let envelope: { eventType?: unknown; eventId?: unknown } = {};
  try {
    envelope = JSON.parse(value?.toString('utf8') ?? '') as typeof envelope;
  } catch {
    envelope = {};
  }
  const header = headers?.[HEADERS.eventType];
  const eventType = header === undefined ? envelope.eventType : String(header);
  return {
    offset,
    timestamp: new Date(Number(timestamp)).toISOString(),
    eventType: typeof eventType === 'string' ? eventType : '(no event type)',
    eventId: typeof envelope.eventId === 'string' ? envelope.eventId : '(no event id)',
  };
}

function topicRecordsOf(read: PartitionRead): TopicRecords {
  return {
    topic: read.topic,
    partition: read.partition,
    fromOffset: String(read.fromOffset),
    endOffset: String(read.endOffset),
    scanned: read.scanned,
    records: read.records,
    ...(read.stoppedEarly ? { stoppedEarly: read.stoppedEarly } : {}),
  };
}
