/**
 * Builds the event an MSK event source mapping hands a function (aws-lambda `MSKEvent`): records
 * grouped under `<topic>-<partition>`, key and value base64, headers as `[{ name: number[] }]`.
 */
import type { MSKEvent, MSKRecord } from 'aws-lambda';

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

function toMskRecord(record: KafkaRecord): MSKRecord {
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
