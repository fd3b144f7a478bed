/**
 * Emulates the template's MSK event source mappings with kafkajs consumer groups: the mapping's
 * group id and starting position, batches up to BatchSize gathered for at most the batching window,
 * real MSK event payloads, retries / bisect / partial responses / record age (batch-runner.ts), the
 * on-failure destination, and offsets committed only once every record of a batch succeeded or was
 * sent on. Mappings that share a consumer group id share one kafkajs consumer (kafkajs assigns a
 * group's partitions across all its members' topics, so one member per group keeps assignments
 * right). Also: pause/resume per mapping, lag per group/topic/partition, counters, and an activity
 * feed (batch invoked / finished / committed) for whoever watches the mappings from outside.
 */
import {
  type Admin,
  type Consumer,
  type EachBatchPayload,
  Kafka,
  type KafkaMessage,
  logLevel,
} from 'kafkajs';
import { runBatch } from './batch-runner';
import type { MappingControl } from './mapping-control';
import type { KafkaRecord } from './msk-event';
import { buildMskEvent } from './msk-event';
import { type OnFailureDestination, onFailureRecord } from './on-failure';
import type { EventSourceMappingDefinition } from './template';

export interface EventSourceMappingsOptions {
  readonly mappings: readonly EventSourceMappingDefinition[];
  /** Invokes a function by logical id (FunctionPool.invoke fits); rejects on a function error. */
  readonly invoke: (functionLogicalId: string, event: unknown) => Promise<unknown>;
  /** The function ARN written into on-failure records. */
  readonly functionArnOf: (functionLogicalId: string) => string;
  readonly brokers: readonly string[];
  readonly onFailure: OnFailureDestination;
  /** Partitions of one group processed at once (each partition stays in order). @default 2 */
  readonly partitionsConcurrently?: number;
  /** @default 'order-pipeline-local-esm' */
  readonly clientId?: string;
  /** Backoff before retry n. @default 100 ms doubling, at most 2 s */
  readonly retryBackoffMs?: (retry: number) => number;
  /**
   * How long the broker keeps a silent member in its group. A consumer that died without leaving
   * holds its partitions this long before the group rebalances. @default kafkajs's 30 s
   */
  readonly sessionTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /** Called for every invocation started and finished and every offset committed. @default nothing */
  readonly onActivity?: (activity: MappingActivity) => void;
}

/** Where a record of a batch is: enough to find it in Kafka again. */
export interface RecordCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The record key as UTF-8 (the order id in this pipeline); null when the record has none. */
  readonly key: string | null;
  /** Header values as UTF-8 (a repeated header: its last value). */
  readonly headers: Readonly<Record<string, string>>;
}

interface ActivityOf {
  readonly mappingLogicalId: string;
  readonly functionLogicalId: string;
  readonly consumerGroupId: string;
}

/**
 * What a mapping just did, in order per partition: an invocation started with these records, it
 * finished (ok: the function answered, even with a partial batch failure; false: a function
 * error), the group committed up to `offset` (the next offset to read).
 */
export type MappingActivity =
  | (ActivityOf & {
      readonly type: 'invocation-started';
      readonly invocationId: number;
      readonly records: readonly RecordCoordinates[];
    })
  | (ActivityOf & {
      readonly type: 'invocation-finished';
      readonly invocationId: number;
      readonly ok: boolean;
    })
  | (ActivityOf & {
      readonly type: 'committed';
      readonly topic: string;
      readonly partition: number;
      readonly offset: string;
    });

export interface MappingStats {
  readonly logicalId: string;
  readonly functionLogicalId: string;
  readonly consumerGroupId: string;
  readonly topics: readonly string[];
  readonly paused: boolean;
  readonly recordsIn: number;
  readonly batches: number;
  readonly invocations: number;
  readonly functionErrors: number;
  readonly failuresSent: number;
  readonly lastBatchAt: string | undefined;
}

export interface PartitionLag {
  readonly consumerGroupId: string;
  readonly mappingLogicalId: string;
  readonly topic: string;
  readonly partition: number;
  /** -1 when the group has committed nothing on the partition yet. */
  readonly committedOffset: number;
  readonly endOffset: number;
  readonly lag: number;
}

/** No mapping answers to the name given to pause/resume. */
export class UnknownMappingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnknownMappingError';
  }
}

interface MappingState {
  readonly definition: EventSourceMappingDefinition;
  paused: boolean;
  recordsIn: number;
  batches: number;
  invocations: number;
  functionErrors: number;
  failuresSent: number;
  lastBatchAt: string | undefined;
}

interface GroupState {
  readonly groupId: string;
  readonly consumer: Consumer;
  readonly mappingsByTopic: Map<string, MappingState>;
}

/** Rough record size used to turn BatchSize into the broker's fetch.min.bytes. */
const APPROXIMATE_RECORD_BYTES = 512;
const MAX_MIN_BYTES = 1024 * 1024;
/** Heartbeats while a batch is with the function (kafkajs throttles them to its heartbeatInterval). */
const HEARTBEAT_DURING_INVOKE_MS = 3_000;
/** How often an idle consumer polls when the mapping has no batching window. */
const IDLE_POLL_MS = 100;

export class EventSourceMappings implements MappingControl {
  private readonly kafka: Kafka;
  private readonly states: MappingState[];
  private readonly groups: GroupState[] = [];
  private admin: Admin | undefined;
  private running = false;
  private nextInvocationId = 0;

  constructor(private readonly options: EventSourceMappingsOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'order-pipeline-local-esm',
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      retry: { retries: 8, initialRetryTime: 200 },
    });
    this.states = options.mappings
      .filter((definition) => definition.enabled)
      .map((definition) => ({
        definition,
        paused: false,
        recordsIn: 0,
        batches: 0,
        invocations: 0,
        functionErrors: 0,
        failuresSent: 0,
        lastBatchAt: undefined,
      }));
  }

  /** Joins every consumer group and starts polling; resolves once all consumers run. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const byGroup = new Map<string, MappingState[]>();
    for (const state of this.states) {
      const group = byGroup.get(state.definition.consumerGroupId) ?? [];
      group.push(state);
      byGroup.set(state.definition.consumerGroupId, group);
    }
    for (const [groupId, states] of byGroup) await this.startGroup(groupId, states);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.groups.map((group) => group.consumer.disconnect()));
    this.groups.length = 0;
    await this.admin?.disconnect();
    this.admin = undefined;
  }

  /**
   * Pauses the mappings that answer to `name`: a mapping logical id, a function logical id or a
   * consumer group id. Records wait in Kafka and the lag grows, as when a consumer is down.
   */
  pause(name: string): string[] {
    return this.setPaused(name, true);
  }

  resume(name: string): string[] {
    return this.setPaused(name, false);
  }

  stats(): MappingStats[] {
    return this.states.map((state) => ({
      logicalId: state.definition.logicalId,
      functionLogicalId: state.definition.functionLogicalId,
      consumerGroupId: state.definition.consumerGroupId,
      topics: state.definition.topics,
      paused: state.paused,
      recordsIn: state.recordsIn,
      batches: state.batches,
      invocations: state.invocations,
      functionErrors: state.functionErrors,
      failuresSent: state.failuresSent,
      lastBatchAt: state.lastBatchAt,
    }));
  }

  /** Committed offset vs. end offset per group, topic and partition (what AWS reports as OffsetLag). */
  async getLag(): Promise<PartitionLag[]> {
    if (!this.admin) return [];
    return readConsumerLag(
      this.admin,
      this.states.map((state) => state.definition),
    );
  }

  private setPaused(name: string, paused: boolean): string[] {
    const matched = this.states.filter(({ definition }) =>
      [definition.logicalId, definition.functionLogicalId, definition.consumerGroupId].includes(name),
    );
    if (matched.length === 0) {
      throw new UnknownMappingError(
        `No event source mapping '${name}'; known: ${this.states.map((s) => s.definition.logicalId).join(', ')}`,
      );
    }
    for (const state of matched) {
      state.paused = paused;
      const group = this.groups.find(
        (candidate) => candidate.mappingsByTopic.get(state.definition.topics[0]!) === state,
      );
      const topics = state.definition.topics.map((topic) => ({ topic }));
      if (paused) group?.consumer.pause(topics);
      else group?.consumer.resume(topics);
    }
    return matched.map((state) => state.definition.logicalId);
  }

  private async startGroup(groupId: string, states: MappingState[]): Promise<void> {
    const windowMs = Math.max(...states.map((state) => state.definition.maximumBatchingWindowSeconds * 1000));
    const batchSize = Math.max(...states.map((state) => state.definition.batchSize));
    // The broker holds a fetch until min.bytes are there or the window passed: the batching window.
    const consumer = this.kafka.consumer({
      groupId,
      ...(this.options.sessionTimeoutMs === undefined
        ? {}
        : { sessionTimeout: this.options.sessionTimeoutMs }),
      minBytes: windowMs > 0 ? Math.min(MAX_MIN_BYTES, batchSize * APPROXIMATE_RECORD_BYTES) : 1,
      maxWaitTimeInMs: windowMs > 0 ? windowMs : IDLE_POLL_MS,
      allowAutoTopicCreation: false,
    });
    const mappingsByTopic = new Map<string, MappingState>();
    for (const state of states)
      for (const topic of state.definition.topics) mappingsByTopic.set(topic, state);
    const group: GroupState = { groupId, consumer, mappingsByTopic };
    this.groups.push(group);
    await consumer.connect();
    await this.applyTimestampStart(groupId, states);
    for (const state of states) {
      await consumer.subscribe({
        topics: [...state.definition.topics],
        fromBeginning: state.definition.startingPosition !== 'LATEST',
      });
    }
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 2,
      eachBatch: (payload) => this.processBatch(group, payload),
    });
    for (const state of states)
      if (state.paused) consumer.pause(state.definition.topics.map((topic) => ({ topic })));
  }

  /** AT_TIMESTAMP: a group that never committed starts at the first offset at or after the timestamp. */
  private async applyTimestampStart(groupId: string, states: MappingState[]): Promise<void> {
    const admin = this.admin!;
    for (const { definition } of states) {
      if (
        definition.startingPosition !== 'AT_TIMESTAMP' ||
        definition.startingPositionTimestamp === undefined
      )
        continue;
      for (const topic of definition.topics) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        if (committed?.partitions.some((partition) => Number(partition.offset) >= 0)) continue;
        const offsets = await admin.fetchTopicOffsetsByTimestamp(
          topic,
          definition.startingPositionTimestamp * 1000,
        );
        await admin.setOffsets({ groupId, topic, partitions: offsets });
      }
    }
  }

  private async processBatch(group: GroupState, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const state = group.mappingsByTopic.get(batch.topic);
    if (!state || state.paused) return;
    const { definition } = state;
    const records = batch.messages.map((message) => toRecord(batch.topic, batch.partition, message));
    state.recordsIn += records.length;
    const shouldContinue = () => this.running && isRunning() && !isStale() && !state.paused;
    for (let start = 0; start < records.length; start += definition.batchSize) {
      if (!shouldContinue()) return;
      const chunk = records.slice(start, start + definition.batchSize);
      state.batches += 1;
      state.lastBatchAt = new Date().toISOString();
      const outcome = await runBatch(
        chunk,
        {
          maximumRetryAttempts: definition.maximumRetryAttempts,
          maximumRecordAgeSeconds: definition.maximumRecordAgeSeconds,
          bisectBatchOnFunctionError: definition.bisectBatchOnFunctionError,
          reportBatchItemFailures: definition.reportBatchItemFailures,
          hasOnFailureDestination: definition.onFailureQueueUrl !== undefined,
        },
        {
          invoke: async (batchRecords) => {
            state.invocations += 1;
            const event = buildMskEvent(batchRecords, {
              eventSourceArn: definition.eventSourceArn,
              bootstrapServers: this.options.brokers,
            });
            const invocationId = ++this.nextInvocationId;
            this.report(definition, {
              type: 'invocation-started',
              invocationId,
              records: batchRecords.map(coordinatesOf),
            });
            let ok = false;
            // A slow or queued invocation must not cost the group its membership (session timeout).
            const keepAlive = setInterval(() => {
              heartbeat().catch(() => undefined);
            }, HEARTBEAT_DURING_INVOKE_MS);
            try {
              const result = await this.options.invoke(definition.functionLogicalId, event);
              ok = true;
              return result;
            } catch (error) {
              state.functionErrors += 1;
              this.options.log?.(
                `[esm ${definition.logicalId}] ${definition.functionLogicalId} failed on ${batch.topic}-${batch.partition}: ${(error as Error).name}: ${(error as Error).message}`,
              );
              throw error;
            } finally {
              clearInterval(keepAlive);
              this.report(definition, { type: 'invocation-finished', invocationId, ok });
            }
          },
          sendToOnFailure: async (failed, condition, details) => {
            state.failuresSent += failed.length;
            const offsets = `${failed[0]!.offset}..${failed.at(-1)!.offset}`;
            if (definition.onFailureQueueUrl === undefined) {
              this.options.log?.(
                `[esm ${definition.logicalId}] dropped ${batch.topic}-${batch.partition} ${offsets} (${condition}, no on-failure destination)`,
              );
              return;
            }
            this.options.log?.(
              `[esm ${definition.logicalId}] ${batch.topic}-${batch.partition} ${offsets} -> on-failure (${condition})`,
            );
            const document = onFailureRecord({
              records: failed,
              condition,
              functionArn: this.options.functionArnOf(definition.functionLogicalId),
              eventSourceArn: definition.eventSourceArn,
              bootstrapServers: this.options.brokers,
              approximateInvokeCount: details.approximateInvokeCount,
              functionError: details.functionError,
            });
            await this.options.onFailure.send(definition.onFailureQueueUrl, JSON.stringify(document));
          },
          shouldContinue,
          heartbeat,
          backoffMs: this.options.retryBackoffMs,
        },
      );
      if (outcome.aborted) return;
      const last = chunk.at(-1)!.offset;
      const next = (BigInt(last) + 1n).toString();
      resolveOffset(last);
      await group.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
      this.report(definition, {
        type: 'committed',
        topic: batch.topic,
        partition: batch.partition,
        offset: next,
      });
      await heartbeat();
    }
  }

  private report(
    definition: EventSourceMappingDefinition,
    activity: DistributiveOmit<MappingActivity, keyof ActivityOf>,
  ): void {
    this.options.onActivity?.({
      ...activity,
      mappingLogicalId: definition.logicalId,
      functionLogicalId: definition.functionLogicalId,
      consumerGroupId: definition.consumerGroupId,
    } as MappingActivity);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Lag of the given mappings' groups, read with any admin client: the groups' members need not run
 * in this process (or at all: a stopped consumer's lag keeps growing, as in AWS).
 */
export async function readConsumerLag(
  admin: Admin,
  definitions: readonly EventSourceMappingDefinition[],
): Promise<PartitionLag[]> {
  const lags: PartitionLag[] = [];
  const endOffsets = new Map<string, Map<number, { high: number; low: number }>>();
  for (const definition of definitions) {
    if (!definition.enabled) continue;
    const { consumerGroupId, topics, startingPosition, logicalId } = definition;
    const committed = await admin.fetchOffsets({ groupId: consumerGroupId, topics: [...topics] });
    for (const topicOffsets of committed) {
      let ends = endOffsets.get(topicOffsets.topic);
      if (!ends) {
        ends = new Map(
          (await admin.fetchTopicOffsets(topicOffsets.topic)).map((partition) => [
            partition.partition,
            { high: Number(partition.high), low: Number(partition.low) },
          ]),
        );
        endOffsets.set(topicOffsets.topic, ends);
      }
      for (const { partition, offset } of topicOffsets.partitions) {
        const end = ends.get(partition) ?? { high: 0, low: 0 };
        const committedOffset = Number(offset);
        // Nothing committed yet: TRIM_HORIZON owes everything retained, LATEST owes nothing.
        const from =
          committedOffset >= 0 ? committedOffset : startingPosition === 'LATEST' ? end.high : end.low;
        lags.push({
          consumerGroupId,
          mappingLogicalId: logicalId,
          topic: topicOffsets.topic,
          partition,
          committedOffset,
          endOffset: end.high,
          lag: Math.max(0, end.high - from),
        });
      }
    }
  }
  return lags;
}

function coordinatesOf(record: KafkaRecord): RecordCoordinates {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers)) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) headers[name] = Buffer.from(last).toString('utf8');
  }
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key === null ? null : record.key.toString('utf8'),
    headers,
  };
}

function toRecord(topic: string, partition: number, message: KafkaMessage): KafkaRecord {
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: message.key,
    value: message.value,
    headers: message.headers ?? {},
  };
}
