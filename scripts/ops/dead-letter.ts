/**
 * What a consumer's dead-letter topic holds, read back for an operator. Every record there is a
 * dead-letter document (lambdas/shared/kafka/dead-letter-record.ts): written by the event source
 * mapping for records that exhausted their retries or grew too old (Lambda's Kafka on-failure
 * destination), or by the handler for a poison record. Either way it carries the failed record
 * itself, so a redrive needs nothing from the source topic, whose retention may be long past.
 * Pure functions: no SDK, no Kafka.
 */
import type { MSKRecord } from 'aws-lambda';
import {
  type DeadLetterDocument,
  failedRecordsOf,
  parseDeadLetterDocument,
} from '../../lambdas/shared/kafka/dead-letter-record';
import type { KafkaRecord } from '../../local/runtime/msk-event';

export type FailureKind = 'poison' | 'retries exhausted' | 'record too old' | 'unrecognised';

/** Consecutive offsets of one topic-partition; offsets stay strings, they are 64-bit. */
export interface RecordRange {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
}

/** One record of the dead-letter topic. */
export interface DeadLetter {
  /** `<partition>@<offset>` on the dead-letter topic: what `show` and `redrive` are given. */
  readonly id: string;
  readonly partition: number;
  readonly offset: string;
  readonly kind: FailureKind;
  /** The failed records, as they were on their source topic. */
  readonly records: readonly KafkaRecord[];
  /** Order id (the record key) and event type of the first failed record. */
  readonly orderId: string | undefined;
  readonly eventType: string | undefined;
  /** Reason code for a poison record; the mapping's condition otherwise. */
  readonly reason: string;
  readonly error: string | undefined;
  readonly failedAt: string | undefined;
  /** Whether an earlier redrive already sent it back to its source topic. */
  readonly redriven: boolean;
  /** The dead-letter record's value as read, for `show`. */
  readonly body: string;
}

const CONDITIONS: Readonly<Record<string, FailureKind>> = {
  RetryAttemptsExhausted: 'retries exhausted',
  RecordAgeExceeded: 'record too old',
  PoisonRecord: 'poison',
};

/** `3@17`: a dead letter's id. */
export function deadLetterId(partition: number, offset: string): string {
  return `${partition}@${offset}`;
}

/**
 * Reads one record of the dead-letter topic. `redriven` says whether the redrive group has already
 * passed its offset. A record that is no dead-letter document is `unrecognised` and has no records.
 */
export function parseDeadLetter(record: KafkaRecord, redriven: boolean): DeadLetter {
  const body = record.value?.toString('utf8') ?? '';
  const base = {
    id: deadLetterId(record.partition, record.offset),
    partition: record.partition,
    offset: record.offset,
    redriven,
    body,
  };
  let document: DeadLetterDocument;
  try {
    document = parseDeadLetterDocument(body);
  } catch (error) {
    return {
      ...base,
      kind: 'unrecognised',
      records: [],
      orderId: record.key?.toString('utf8'),
      eventType: undefined,
      reason: 'UNRECOGNISED',
      error: (error as Error).message,
      failedAt: undefined,
    };
  }
  const records = failedRecordsOf(document).map(kafkaRecordOf);
  const condition = document.requestContext?.condition ?? '';
  return {
    ...base,
    kind: document.poisonRecord ? 'poison' : (CONDITIONS[condition] ?? 'unrecognised'),
    records,
    orderId: records[0]?.key?.toString('utf8') || undefined,
    eventType: eventTypeOf(records[0]?.value ?? null),
    reason: document.poisonRecord?.reason ?? condition,
    error: document.poisonRecord?.error,
    failedAt: document.timestamp,
  };
}

/** A failed record of a document as a Kafka record again: key, value and headers as bytes. */
export function kafkaRecordOf(record: MSKRecord): KafkaRecord {
  const headers: Record<string, Buffer | Buffer[]> = {};
  for (const header of record.headers ?? []) {
    for (const [name, bytes] of Object.entries(header)) {
      const value = Buffer.from(bytes);
      const existing = headers[name];
      headers[name] =
        existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    }
  }
  return {
    topic: record.topic,
    partition: record.partition,
    offset: String(record.offset),
    timestamp: String(record.timestamp),
    // The MSK event carries a record without a key with no key (or an empty one).
    key: record.key ? Buffer.from(record.key, 'base64') : null,
    value: record.value === undefined ? null : Buffer.from(record.value, 'base64'),
    headers,
  };
}

/** The envelope's eventType, when the value is a JSON envelope. */
export function eventTypeOf(value: Buffer | null): string | undefined {
  if (value === null) return undefined;
  try {
    const document = JSON.parse(value.toString('utf8')) as { eventType?: unknown };
    return typeof document?.eventType === 'string' ? document.eventType : undefined;
  } catch {
    return undefined;
  }
}

/** `orders.events-3@42`: where a failed record was on its source topic. */
export function sourceCoordinates(record: Pick<KafkaRecord, 'topic' | 'partition' | 'offset'>): string {
  return `${record.topic}-${record.partition}@${record.offset}`;
}

/** One line of `list`. */
export function summaryLine(deadLetter: DeadLetter): string {
  return [
    deadLetter.id,
    deadLetter.redriven ? 'redriven' : 'pending',
    deadLetter.kind,
    deadLetter.records.map(sourceCoordinates).join(',') || '-',
    `order ${deadLetter.orderId ?? '?'} ${deadLetter.eventType ?? 'event ?'}`,
    deadLetter.reason,
    `failed at ${deadLetter.failedAt ?? '?'}`,
  ].join('  ');
}

/** A record value for reading: JSON pretty-printed, anything else as text. */
export function decodedValue(value: Buffer | null): string {
  if (value === null) return '(no value)';
  const text = value.toString('utf8');
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The full detail of `show`: the dead letter, then each failed record with its decoded value. */
export function detailLines(deadLetter: DeadLetter): string[] {
  const lines = [
    `dead letter ${deadLetter.id}${deadLetter.redriven ? ' (redriven)' : ''}`,
    `  kind       ${deadLetter.kind}`,
    `  reason     ${deadLetter.reason}`,
  ];
  if (deadLetter.error) lines.push(`  error      ${deadLetter.error}`);
  lines.push(`  failed at  ${deadLetter.failedAt ?? '?'}`);
  if (deadLetter.kind === 'unrecognised') lines.push('  body', indent(deadLetter.body, 4));
  for (const record of deadLetter.records) {
    lines.push(
      `  record ${sourceCoordinates(record)}`,
      `    key        ${record.key?.toString('utf8') ?? '(none)'}`,
      `    timestamp  ${new Date(Number(record.timestamp)).toISOString()}`,
      `    headers    ${Object.keys(record.headers).join(', ') || '(none)'}`,
      `    event type ${eventTypeOf(record.value) ?? '-'}`,
      '    value',
      indent(decodedValue(record.value), 6),
    );
  }
  return lines;
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}
