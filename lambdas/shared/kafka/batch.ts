/**
 * Processing of MSK event source mapping batches (Powertools batch has no Kafka processor).
 *
 * - Records of one key (the order id) run strictly in offset order. What the shop relies on is the
 *   order of an order's events, not of a partition's: within a partition, records of different keys
 *   run concurrently, up to KEYS_IN_FLIGHT_PER_PARTITION at a time, and partitions run concurrently.
 *   A partition then carries that many orders per record time instead of one.
 * - A handler error fails that record and every record of the SAME partition from its offset on, so
 *   Lambda retries them in order: its key's later records have not run, and other keys' records
 *   after it run again, which their idempotency absorbs. Other partitions carry on.
 * - Poison records (not JSON, unknown type, invalid version, schema mismatch) can never succeed: they go
 *   to the FailedRecordSink and count as handled, so one bad record cannot block its partition.
 *
 * The response is the Kafka partial batch response of the Lambda docs ("Configuring error handling
 * controls for Kafka event sources"), the shape Powertools' Kafka batch processor answers:
 * `{ batchItemFailures: [{ itemIdentifier: { partition: 'orders.events-3', offset: 42 } }] }`.
 * It needs `ReportBatchItemFailures` on the mapping; Lambda fails the whole batch on any other key.
 */
import type { MSKEvent, MSKRecord } from 'aws-lambda';
import type { KafkaBatchResponse, KafkaItemIdentifier } from '../../../lib/config/aws-rules';
import { KEYS_IN_FLIGHT_PER_PARTITION } from '../../../lib/config/consumers';
import { type DecodedMessage, decodeJson, PoisonRecordError } from '../events/codec';
import { countMetric, SHARED_METRICS, logger as sharedLogger } from '../observability';
import type { FailedRecordSink } from '../ports/failed-record-sink';

/** One record of an MSK batch, decoded and validated (payload upcast to the latest version). */
export type DecodedKafkaRecord = DecodedMessage & {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The record key as UTF-8 text (the orderId); undefined when the record has no key. */
  readonly key: string | undefined;
  /** Record headers as UTF-8 text; for a repeated header name the last value wins. */
  readonly headers: Readonly<Record<string, string>>;
  /** The record exactly as the event source mapping delivered it. */
  readonly raw: MSKRecord;
};

export type { KafkaBatchResponse, KafkaItemIdentifier };

/** The minimal logger surface used here; the Powertools logger satisfies it. */
export interface BatchLogger {
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

export interface ProcessKafkaBatchOptions {
  /** Where poison records go (the consumer's dead-letter topic). */
  readonly failedRecordSink: FailedRecordSink;
  /** Name of the consumer, written on failed records. @default POWERTOOLS_SERVICE_NAME */
  readonly consumer?: string;
  /** @default the shared Powertools logger */
  readonly logger?: BatchLogger;
  /** Clock for `failedAt`. @default () => new Date() */
  readonly now?: () => Date;
  /** Keys of one partition processed at once. @default KEYS_IN_FLIGHT_PER_PARTITION */
  readonly keysInFlight?: number;
}

export type KafkaRecordHandler = (record: DecodedKafkaRecord) => Promise<void>;

/** Text of a base64 field; MSK sends key and value base64-encoded. */
export function decodeBase64(value: string | undefined | null): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

/** MSK headers arrive as `[{ name: [byte, ...] }]`. */
export function decodeHeaders(headers: MSKRecord['headers'] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const header of headers ?? []) {
    for (const [name, bytes] of Object.entries(header)) {
      result[name] = Buffer.from(bytes).toString('utf8');
    }
  }
  return result;
}

/** Decodes one MSK record; throws a PoisonRecordError when it can never be processed. */
export function decodeKafkaRecord(record: MSKRecord): DecodedKafkaRecord {
  const value = decodeBase64(record.value) ?? '';
  const message = decodeJson(value);
  return {
    ...message,
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    key: decodeBase64(record.key) || undefined,
    headers: decodeHeaders(record.headers),
    raw: record,
  };
}

export function itemIdentifierOf(
  record: Pick<MSKRecord, 'topic' | 'partition' | 'offset'>,
): KafkaItemIdentifier {
  return { partition: partitionOf(record), offset: Number(record.offset) };
}

/** `<topic>-<partition>`: how Lambda names a record's partition, and how a batch is grouped. */
function partitionOf(record: Pick<MSKRecord, 'topic' | 'partition'>): string {
  return `${record.topic}-${record.partition}`;
}

export async function processKafkaBatch(
  event: MSKEvent,
  handleRecord: KafkaRecordHandler,
  options: ProcessKafkaBatchOptions,
): Promise<KafkaBatchResponse> {
  const partitions = groupByPartition(event);
  const results = await Promise.all(
    partitions.map((records) =>
      processPartition(records, handleRecord, options, options.keysInFlight ?? KEYS_IN_FLIGHT_PER_PARTITION),
    ),
  );
  return { batchItemFailures: results.flat().map((itemIdentifier) => ({ itemIdentifier })) };
}

/** A record that a batch handler did not finish, and why. */
export interface KafkaRecordFailure {
  readonly record: DecodedKafkaRecord;
  /** A PoisonRecordError diverts the record; any other error has it retried. */
  readonly error: unknown;
}

/**
 * Acts on all decoded records of a batch at once (every partition, each in offset order) and
 * answers the records it did not finish; throwing leaves all of them unfinished.
 */
export type KafkaBatchRecordsHandler = (
  records: readonly DecodedKafkaRecord[],
) => Promise<readonly KafkaRecordFailure[]>;

/**
 * processKafkaBatch for a handler that folds a batch into fewer writes than one per record. The
 * response keeps the same promise: in each partition, the lowest record that is not finished and
 * every record after it are reported failed, so Lambda retries them in order; finished records
 * among them run again, which the handler's idempotency absorbs. Poison records are diverted
 * unless a failure before them has them retried anyway (they would reach the sink twice).
 */
export async function processKafkaBatchTogether(
  event: MSKEvent,
  handleRecords: KafkaBatchRecordsHandler,
  options: ProcessKafkaBatchOptions,
): Promise<KafkaBatchResponse> {
  const partitions = groupByPartition(event);
  const decoded: DecodedKafkaRecord[] = [];
  const poison: { readonly record: MSKRecord; readonly error: PoisonRecordError }[] = [];
  const lowestFailed = new Map<string, { readonly record: MSKRecord; readonly error: unknown }>();
  const fail = (record: MSKRecord, error: unknown): void => {
    const id = partitionOf(record);
    const lowest = lowestFailed.get(id);
    if (!lowest || Number(record.offset) < Number(lowest.record.offset))
      lowestFailed.set(id, { record, error });
  };
  for (const record of partitions.flat()) {
    try {
      decoded.push(decodeKafkaRecord(record));
    } catch (error) {
      if (error instanceof PoisonRecordError) poison.push({ record, error });
      else fail(record, error);
    }
  }
  let failures: readonly KafkaRecordFailure[] = [];
  try {
    if (decoded.length > 0) failures = await handleRecords(decoded);
  } catch (error) {
    failures = decoded.map((record) => ({ record, error }));
  }
  for (const { record, error } of failures) {
    if (error instanceof PoisonRecordError) poison.push({ record: record.raw, error });
    else fail(record.raw, error);
  }
  const retried = (record: MSKRecord): boolean => {
    const lowest = lowestFailed.get(partitionOf(record));
    return lowest !== undefined && Number(record.offset) > Number(lowest.record.offset);
  };
  await Promise.all(
    poison
      .filter(({ record }) => !retried(record))
      .map(({ record, error }) =>
        divertPoisonRecord(record, error, options).catch((sinkError: unknown) => fail(record, sinkError)),
      ),
  );
  const identifiers = partitions.flatMap((records) => {
    const lowest = lowestFailed.get(partitionOf(records[0]!));
    return lowest ? retriedFrom(records, lowest, options) : [];
  });
  return { batchItemFailures: identifiers.map((itemIdentifier) => ({ itemIdentifier })) };
}

/** Records grouped per topic-partition, each group sorted by offset. */
function groupByPartition(event: MSKEvent): MSKRecord[][] {
  const groups = new Map<string, MSKRecord[]>();
  for (const records of Object.values(event.records ?? {})) {
    for (const record of records) {
      const id = partitionOf(record);
      const group = groups.get(id) ?? [];
      group.push(record);
      groups.set(id, group);
    }
  }
  return [...groups.values()].map((group) => group.sort((a, b) => Number(a.offset) - Number(b.offset)));
}

/** A partition's records split by key, each lane in offset order; records without a key share one lane. */
function lanesByKey(records: readonly MSKRecord[]): MSKRecord[][] {
  const lanes = new Map<string | undefined, MSKRecord[]>();
  for (const record of records) {
    const key = record.key ?? undefined;
    const lane = lanes.get(key) ?? [];
    lane.push(record);
    lanes.set(key, lane);
  }
  return [...lanes.values()];
}

/** Returns the identifiers of the failed records: the lowest failed offset and everything after it. */
async function processPartition(
  records: readonly MSKRecord[],
  handleRecord: KafkaRecordHandler,
  options: ProcessKafkaBatchOptions,
  keysInFlight: number,
): Promise<KafkaItemIdentifier[]> {
  const lanes = lanesByKey(records);
  let lowestFailed: { record: MSKRecord; error: unknown } | undefined;
  const runLane = async (lane: readonly MSKRecord[]): Promise<void> => {
    for (const record of lane) {
      // A record after a failure is retried anyway; running it now would only do the work twice.
      if (lowestFailed && Number(record.offset) > Number(lowestFailed.record.offset)) return;
      try {
        await processRecord(record, handleRecord, options);
      } catch (error) {
        if (!lowestFailed || Number(record.offset) < Number(lowestFailed.record.offset)) {
          lowestFailed = { record, error };
        }
        return;
      }
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < lanes.length) await runLane(lanes[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(keysInFlight, lanes.length) }, worker));
  return lowestFailed ? retriedFrom(records, lowestFailed, options) : [];
}

/**
 * The records of one partition (in offset order) that Lambda must deliver again after `failed`:
 * it and every later record, logged and counted once.
 */
function retriedFrom(
  records: readonly MSKRecord[],
  failed: { readonly record: MSKRecord; readonly error: unknown },
  options: ProcessKafkaBatchOptions,
): KafkaItemIdentifier[] {
  const { record, error } = failed;
  const retried = records.filter((candidate) => Number(candidate.offset) >= Number(record.offset));
  countMetric(SHARED_METRICS.failedRecords, retried.length);
  (options.logger ?? sharedLogger).error(
    'Kafka record failed; it and the later records of its partition will be retried',
    {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      retried: retried.length,
      error,
    },
  );
  return retried.map(itemIdentifierOf);
}

async function processRecord(
  record: MSKRecord,
  handleRecord: KafkaRecordHandler,
  options: ProcessKafkaBatchOptions,
): Promise<void> {
  let decoded: DecodedKafkaRecord;
  try {
    decoded = decodeKafkaRecord(record);
  } catch (error) {
    if (!(error instanceof PoisonRecordError)) throw error;
    await divertPoisonRecord(record, error, options);
    return;
  }
  try {
    await handleRecord(decoded);
  } catch (error) {
    // A handler may also find out that a record can never succeed (e.g. a reference to nothing).
    if (!(error instanceof PoisonRecordError)) throw error;
    await divertPoisonRecord(record, error, options);
  }
}

/** Throws if the sink fails, so the record is retried rather than lost. */
async function divertPoisonRecord(
  record: MSKRecord,
  error: PoisonRecordError,
  options: ProcessKafkaBatchOptions,
): Promise<void> {
  (options.logger ?? sharedLogger).warn('Poison Kafka record sent to the dead-letter topic', {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    reason: error.reason,
    error: error.message,
  });
  await options.failedRecordSink.send({
    consumer: options.consumer ?? process.env.POWERTOOLS_SERVICE_NAME ?? 'unknown',
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    key: decodeBase64(record.key) || undefined,
    value: record.value,
    headers: record.headers,
    timestamp: record.timestamp,
    reason: error.reason,
    error: error.message,
    failedAt: (options.now?.() ?? new Date()).toISOString(),
  });
  countMetric(SHARED_METRICS.poisonRecords);
}
