/**
 * Emulates the template's MSK event source mappings with kafkajs consumer groups: each mapping is
 * its own consumer group on its one topic (AWS refuses a shared group id or a second topic), with
 * the mapping's starting position, batches up to BatchSize and the 6 MB invocation payload gathered
 * for at most the batching window, real MSK event payloads, retries / bisect / partial responses /
 * record age (batch-runner.ts), the on-failure destination, and offsets committed only once every
 * record of a batch succeeded or was sent on. Also: pause/resume per mapping, lag per
 * group/topic/partition, counters, and an activity feed (batch invoked / finished / committed) for
 * whoever watches the mappings from outside.
 */
import {
  type Admin,
  type Consumer,
  type EachBatchPayload,
  Kafka,
  type KafkaMessage,
  logLevel,
} from 'kafkajs';
import { stopIdleRequestQueuePolling } from '../../lambdas/shared/kafka/request-queue-idle';
import {
  AwsRuleViolationError,
  effectiveRetryAttempts,
  type RuleViolation,
  sharedConsumerGroupIds,
} from '../../lib/config/aws-rules';
import { runBatch } from './batch-runner';
import type { MappingControl } from './mapping-control';
import { buildMskEvent, type KafkaRecord, splitByPayloadSize } from './msk-event';
import { deadLetterMessages, type OnFailureDestination } from './on-failure';
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
  /** The mapping's own consumer group member, once started. */
  consumer: Consumer | undefined;
  paused: boolean;
  recordsIn: number;
  batches: number;
  invocations: number;
  functionErrors: number;
  failuresSent: number;
  lastBatchAt: string | undefined;
}

/** Rough record size used to turn BatchSize into the broker's fetch.min.bytes. */
const APPROXIMATE_RECORD_BYTES = 512;
const MAX_MIN_BYTES = 1024 * 1024;
/** Heartbeats while a batch is with the function (kafkajs throttles them to its heartbeatInterval). */
const HEARTBEAT_DURING_INVOKE_MS = 3_000;
/**
 * How long the broker holds an idle fetch of a mapping without batching window. It answers as soon
 * as one record arrives (fetch.min.bytes 1), as Lambda invokes such a mapping as soon as it has
 * records; the wait only bounds how often an idle group asks the broker again.
 */
const IDLE_POLL_MS = 500;

export class EventSourceMappings implements MappingControl {
  private readonly kafka: Kafka;
  private readonly states: MappingState[];
  private admin: Admin | undefined;
  private running = false;
  private nextInvocationId = 0;

  constructor(private readonly options: EventSourceMappingsOptions) {
    // Lambda's pollers hold one connection per broker and consumer group; idle, they cost nothing.
    stopIdleRequestQueuePolling();
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'order-pipeline-local-esm',
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      retry: { retries: 8, initialRetryTime: 200 },
    });
    const enabled = options.mappings.filter((definition) => definition.enabled);
    refuseSharedGroupsAndTopics(enabled);
    this.states = enabled.map((definition) => ({
      definition,
      consumer: undefined,
      paused: false,
      recordsIn: 0,
      batches: 0,
      invocations: 0,
      functionErrors: 0,
      failuresSent: 0,
      lastBatchAt: undefined,
    }));
  }

  /** Joins every mapping's consumer group and starts polling; resolves once all consumers run. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // Lambda refuses such a mapping when it is created: nothing is polled before the check.
    await this.options.onFailure.check(this.states.map((state) => state.definition));
    this.admin = this.kafka.admin();
    await this.admin.connect();
    for (const state of this.states) await this.startMapping(state);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.states.map((state) => state.consumer?.disconnect()));
    for (const state of this.states) state.consumer = undefined;
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
      const topics = state.definition.topics.map((topic) => ({ topic }));
      if (paused) state.consumer?.pause(topics);
      else state.consumer?.resume(topics);
    }
    return matched.map((state) => state.definition.logicalId);
  }

  private async startMapping(state: MappingState): Promise<void> {
    const { definition } = state;
    const windowMs = definition.maximumBatchingWindowSeconds * 1000;
    // The broker holds a fetch until min.bytes are there or the window passed: the batching window.
    const consumer = this.kafka.consumer({
      groupId: definition.consumerGroupId,
      ...(this.options.sessionTimeoutMs === undefined
        ? {}
        : { sessionTimeout: this.options.sessionTimeoutMs }),
      minBytes: windowMs > 0 ? Math.min(MAX_MIN_BYTES, definition.batchSize * APPROXIMATE_RECORD_BYTES) : 1,
      maxWaitTimeInMs: windowMs > 0 ? windowMs : IDLE_POLL_MS,
      allowAutoTopicCreation: false,
    });
    state.consumer = consumer;
    await consumer.connect();
    await this.applyTimestampStart(definition);
    await consumer.subscribe({
      topics: [...definition.topics],
      fromBeginning: definition.startingPosition !== 'LATEST',
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 2,
      eachBatch: (payload) => this.processBatch(state, consumer, payload),
    });
    if (state.paused) consumer.pause(definition.topics.map((topic) => ({ topic })));
  }

  /** AT_TIMESTAMP: a group that never committed starts at the first offset at or after the timestamp. */
  private async applyTimestampStart(definition: EventSourceMappingDefinition): Promise<void> {
    const admin = this.admin!;
    const { consumerGroupId: groupId, startingPositionTimestamp } = definition;
    if (definition.startingPosition !== 'AT_TIMESTAMP' || startingPositionTimestamp === undefined) return;
    for (const topic of definition.topics) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      if (committed?.partitions.some((partition) => Number(partition.offset) >= 0)) continue;
      const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, startingPositionTimestamp * 1000);
      await admin.setOffsets({ groupId, topic, partitions: offsets });
    }
  }

  private async processBatch(
    state: MappingState,
    consumer: Consumer,
    payload: EachBatchPayload,
  ): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    if (state.paused) return;
    const { definition } = state;
    const records = batch.messages.map((message) => toRecord(batch.topic, batch.partition, message));
    state.recordsIn += records.length;
    const shouldContinue = () => this.running && isRunning() && !isStale() && !state.paused;
    const source = { eventSourceArn: definition.eventSourceArn, bootstrapServers: this.options.brokers };
    // A batch ends at BatchSize records or at the 6 MB a synchronous invocation may carry.
    const chunks: KafkaRecord[][] = [];
    for (let start = 0; start < records.length; start += definition.batchSize) {
      chunks.push(...splitByPayloadSize(records.slice(start, start + definition.batchSize), source));
    }
    for (const chunk of chunks) {
      if (!shouldContinue()) return;
      state.batches += 1;
      state.lastBatchAt = new Date().toISOString();
      const outcome = await runBatch(
        chunk,
        {
          maximumRetryAttempts: effectiveRetryAttempts(
            definition.maximumRetryAttempts,
            definition.onFailureTopic !== undefined,
          ),
          maximumRecordAgeSeconds: definition.maximumRecordAgeSeconds,
          bisectBatchOnFunctionError: definition.bisectBatchOnFunctionError,
          reportBatchItemFailures: definition.reportBatchItemFailures,
          hasOnFailureDestination: definition.onFailureTopic !== undefined,
        },
        {
          invoke: async (batchRecords) => {
            state.invocations += 1;
            const event = buildMskEvent(batchRecords, source);
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
            const destination = definition.onFailureTopic;
            if (destination === undefined) {
              this.options.log?.(
                `[esm ${definition.logicalId}] dropped ${batch.topic}-${batch.partition} ${offsets} (${condition}, no on-failure destination)`,
              );
              return;
            }
            this.options.log?.(
              `[esm ${definition.logicalId}] ${batch.topic}-${batch.partition} ${offsets} -> ${destination} (${condition})`,
            );
            const messages = deadLetterMessages({
              records: failed,
              condition,
              functionArn: this.options.functionArnOf(definition.functionLogicalId),
              eventSourceArn: definition.eventSourceArn,
              bootstrapServers: this.options.brokers,
              approximateInvokeCount: details.approximateInvokeCount,
              functionError: details.functionError,
            });
            await this.options.onFailure.send(destination, messages);
          },
          shouldContinue,
          heartbeat,
          backoffMs: this.options.retryBackoffMs,
          onInvalidResponse: (reason) =>
            this.options.log?.(
              `[esm ${definition.logicalId}] ${definition.functionLogicalId} answered a malformed partial batch response on ${batch.topic}-${batch.partition}, so the whole batch failed: ${reason}`,
            ),
        },
      );
      if (outcome.aborted) return;
      const last = chunk.at(-1)!.offset;
      const next = (BigInt(last) + 1n).toString();
      resolveOffset(last);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
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
 * One consumer group per mapping on one topic, as AWS allows: kafkajs would spread a shared
 * group's partitions over all its members' topics, and AWS refuses such mappings anyway.
 */
function refuseSharedGroupsAndTopics(definitions: readonly EventSourceMappingDefinition[]): void {
  const violations: RuleViolation[] = definitions
    .filter((definition) => definition.topics.length !== 1)
    .map((definition) => ({
      rule: 'kafkaOneTopic',
      message: `${definition.logicalId}: Topics must list exactly one topic, received ${JSON.stringify(definition.topics)}`,
    }));
  violations.push(
    ...sharedConsumerGroupIds(
      definitions.map((definition) => ({
        id: definition.logicalId,
        consumerGroupId: definition.consumerGroupId,
      })),
    ),
  );
  if (violations.length > 0) throw new AwsRuleViolationError('The event source mappings', violations);
}

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
