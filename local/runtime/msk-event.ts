/**
 * Builds the event an MSK event source mapping hands a function (aws-lambda `MSKEvent`): records
 * grouped under `<topic>-<partition>`, key and value base64, headers as `[{ name: number[] }]`.
 */
import type { MSKEvent, MSKRecord } from 'aws-lambda';
import { LAMBDA_SYNC_REQUEST_MAX_BYTES } from '../../lib/config/aws-rules';

/** A record as the emulator keeps it between poll and invoke. */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  /** Offsets stay strings: they are 64-bit. */
  readonly offset: string;
  /** Epoch milliseconds, as a string (kafkajs gives it so). */
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export interface EventSource {
  readonly eventSourceArn: string;
  readonly bootstrapServers: readonly string[];
}

export function partitionKey(record: Pick<KafkaRecord, 'topic' | 'partition'>): string {
  return `${record.topic}-${record.partition}`;
}

export function buildMskEvent(records: readonly KafkaRecord[], source: EventSource): MSKEvent {
  const grouped: Record<string, MSKRecord[]> = {};
  for (const record of records) {
    const key = partitionKey(record);
    grouped[key] = [...(grouped[key] ?? []), toMskRecord(record)];
  }
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: source.eventSourceArn,
    bootstrapServers: source.bootstrapServers.join(','),
    records: grouped,
  };
}

/**
 * Splits records, in order, into runs whose MSK event fits the invocation payload limit, as Lambda
 * cuts a batch at 6 MB whatever its BatchSize. A single record larger than that stays alone (its
 * invocation then fails as Lambda's would).
 */
export function splitByPayloadSize(
  records: readonly KafkaRecord[],
  source: EventSource,
  maxBytes: number = LAMBDA_SYNC_REQUEST_MAX_BYTES,
): KafkaRecord[][] {
  const emptyEventBytes = Buffer.byteLength(JSON.stringify(buildMskEvent([], source)));
  const runs: KafkaRecord[][] = [];
  let run: KafkaRecord[] = [];
  let runBytes = emptyEventBytes;
  let keys = new Set<string>();
  // What one more record adds to the event's JSON: itself and a comma, or a new `"key":[...]` entry.
  const growth = (key: string, recordBytes: number) =>
    keys.has(key)
      ? recordBytes + 1
      : Buffer.byteLength(JSON.stringify(key)) + 3 + recordBytes + (keys.size > 0 ? 1 : 0);
  for (const record of records) {
    const key = partitionKey(record);
    const recordBytes = Buffer.byteLength(JSON.stringify(toMskRecord(record)));
    if (run.length > 0 && runBytes + growth(key, recordBytes) > maxBytes) {
      runs.push(run);
      run = [];
      runBytes = emptyEventBytes;
      keys = new Set();
    }
    runBytes += growth(key, recordBytes);
    keys.add(key);
    run.push(record);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

export function toMskRecord(record: KafkaRecord): MSKRecord {
  const headers: MSKRecord['headers'] = [];
  for (const [name, value] of Object.entries(record.headers)) {
    if (value === undefined) continue;
    // A repeated header arrives as an array; MSK lists each occurrence separately.
    for (const item of Array.isArray(value) ? value : [value]) {
      headers.push({ [name]: [...Buffer.from(item)] });
    }
  }
  // A record without a key or value has no such field in the MSK payload.
  const mskRecord: Omit<MSKRecord, 'key' | 'value'> & Partial<Pick<MSKRecord, 'key' | 'value'>> = {
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    timestamp: Number(record.timestamp),
    timestampType: 'CREATE_TIME',
    headers,
  };
  if (record.key !== null) mskRecord.key = record.key.toString('base64');
  if (record.value !== null) mskRecord.value = record.value.toString('base64');
  return mskRecord as MSKRecord;
}
