/**
 * What lands on a consumer's failure queue, read back for an operator. Two documents arrive there:
 * - a poison record the handler gave up on (FailedRecord, lambdas/shared/ports/failed-record-sink.ts),
 *   which carries the record itself;
 * - the event source mapping's invocation record for a batch that exhausted its retries or grew too
 *   old (AWS docs: "Capturing discarded batches for an Amazon MSK event source"), which carries only
 *   the records' coordinates: their content has to be read back from the topic.
 * Pure functions: no SDK, no Kafka.
 */

import type { FailedRecord } from '../../lambdas/shared/ports/failed-record-sink';
import { ALL_TOPICS, retentionMs } from '../../lib/config/topics';
import type { KafkaRecord } from '../../local/runtime/msk-event';

export type FailureKind = 'poison' | 'retries exhausted' | 'record too old' | 'unrecognised';

/** Consecutive offsets of one topic-partition; offsets stay strings, they are 64-bit. */
export interface RecordRange {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  /** When the first record was written, where the message says (the mapping's invocation record). */
  readonly firstRecordAt?: string;
}

export interface FailureMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly kind: FailureKind;
  /** The records the message stands for. */
  readonly ranges: readonly RecordRange[];
  /** The record itself, for a poison record; coordinates-only messages have none. */
  readonly record: KafkaRecord | undefined;
  /** Order id (the record key) and event type, when the message carries the record. */
  readonly orderId: string | undefined;
  readonly eventType: string | undefined;
  /** Reason code and error for a poison record; the mapping's condition for an invocation record. */
  readonly reason: string;
  readonly error: string | undefined;
  readonly failedAt: string | undefined;
  /** The mapping's eventSourceArn and brokers, for an invocation record. */
  readonly eventSourceArn: string | undefined;
  readonly bootstrapServers: readonly string[];
  /** The message body as received, for `show`. */
  readonly body: string;
}

/** The SQS message fields read here (ReceiveMessage's Message). */
export interface QueueMessage {
  readonly MessageId?: string;
  readonly ReceiptHandle?: string;
  readonly Body?: string;
}

const CONDITIONS: Readonly<Record<string, FailureKind>> = {
  RetryAttemptsExhausted: 'retries exhausted',
  RecordAgeExceeded: 'record too old',
};

export function parseFailureMessage(message: QueueMessage): FailureMessage {
  const body = message.Body ?? '';
  const base = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body,
  };
  const document = parseJsonObject(body);
  if (document !== undefined && isFailedRecord(document)) {
    const record = carriedRecord(document);
    return {
      ...base,
      kind: 'poison',
      ranges: [
        {
          topic: document.topic,
          partition: document.partition,
          firstOffset: record.offset,
          lastOffset: record.offset,
        },
      ],
      record,
      orderId: document.key,
      eventType: eventTypeOf(record.value),
      reason: document.reason,
      error: document.error,
      failedAt: document.failedAt,
      eventSourceArn: undefined,
      bootstrapServers: [],
    };
  }
  const batch = document === undefined ? undefined : invocationRecordOf(document);
  if (batch !== undefined) return { ...base, ...batch };
  return {
    ...base,
    kind: 'unrecognised',
    ranges: [],
    record: undefined,
    orderId: undefined,
    eventType: undefined,
    reason: 'not a failed record nor an invocation record',
    error: undefined,
    failedAt: undefined,
    eventSourceArn: undefined,
    bootstrapServers: [],
  };
}

type InvocationRecordFields = Omit<FailureMessage, 'messageId' | 'receiptHandle' | 'body'>;

function invocationRecordOf(document: Record<string, unknown>): InvocationRecordFields | undefined {
  const context = asObject(document.requestContext);
  const response = asObject(document.responseContext);
  const batch = asObject(document.KafkaBatchInfo);
  const recordsInfo = asObject(batch?.recordsInfo);
  if (context === undefined || batch === undefined || recordsInfo === undefined) return undefined;
  const ranges: RecordRange[] = [];
  for (const [key, info] of Object.entries(recordsInfo)) {
    const coordinates = parsePartitionKey(key);
    const offsets = asObject(info);
    if (coordinates === undefined || offsets === undefined) return undefined;
    ranges.push({
      ...coordinates,
      firstOffset: String(offsets.firstRecordOffset),
      lastOffset: String(offsets.lastRecordOffset ?? offsets.firstRecordOffset),
      ...(typeof offsets.firstRecordTimestamp === 'string'
        ? { firstRecordAt: offsets.firstRecordTimestamp }
        : {}),
    });
  }
  const condition = String(context.condition ?? 'unknown condition');
  const invocations = Number(context.approximateInvokeCount ?? 0);
  const functionError = typeof response?.functionError === 'string' ? response.functionError : '';
  return {
    kind: CONDITIONS[condition] ?? 'retries exhausted',
    ranges,
    record: undefined,
    orderId: undefined,
    eventType: undefined,
    reason: `${condition} after ${invocations} invocation${invocations === 1 ? '' : 's'}${
      functionError ? ` (function error ${functionError})` : ''
    }`,
    error: undefined,
    failedAt: typeof document.timestamp === 'string' ? document.timestamp : undefined,
    eventSourceArn: typeof batch.eventSourceArn === 'string' ? batch.eventSourceArn : undefined,
    bootstrapServers:
      typeof batch.bootstrapServers === 'string' && batch.bootstrapServers !== ''
        ? batch.bootstrapServers.split(',')
        : [],
  };
}

/** `orders.events-3` -> orders.events, 3: the partition follows the last dash (topics may hold dashes). */
export function parsePartitionKey(key: string): { topic: string; partition: number } | undefined {
  const match = /^(.+)-(\d+)$/.exec(key);
  if (!match) return undefined;
  return { topic: match[1]!, partition: Number(match[2]) };
}

function isFailedRecord(
  document: Record<string, unknown>,
): document is Record<string, unknown> & FailedRecord {
  return (
    typeof document.topic === 'string' &&
    typeof document.partition === 'number' &&
    (typeof document.offset === 'number' || typeof document.offset === 'string') &&
    typeof document.reason === 'string' &&
    (document.value === undefined || typeof document.value === 'string')
  );
}

/**
 * The record as the handler received it. A failed record keeps neither the record's timestamp nor
 * its headers; the time it was given up stands in for the timestamp.
 */
function carriedRecord(document: FailedRecord): KafkaRecord {
  return {
    topic: document.topic,
    partition: document.partition,
    offset: String(document.offset),
    timestamp: String(Date.parse(document.failedAt) || 0),
    key: document.key === undefined ? null : Buffer.from(document.key, 'utf8'),
    value: document.value === undefined ? null : Buffer.from(document.value, 'base64'),
    headers: {},
  };
}

/** The envelope's eventType, when the value is a JSON envelope. */
export function eventTypeOf(value: Buffer | null): string | undefined {
  const document = value === null ? undefined : parseJsonObject(value.toString('utf8'));
  return typeof document?.eventType === 'string' ? document.eventType : undefined;
}

/** `orders.events-3@42`, or `orders.events-3@40..42` for a range. */
export function formatRange(range: RecordRange): string {
  const offsets =
    range.firstOffset === range.lastOffset ? range.firstOffset : `${range.firstOffset}..${range.lastOffset}`;
  return `${range.topic}-${range.partition}@${offsets}`;
}

/** One line of `list`. */
export function summaryLine(message: FailureMessage): string {
  const coordinates = message.ranges.map(formatRange).join(',') || '-';
  const order = message.orderId ? `order ${message.orderId}` : 'order ?';
  const event = message.eventType ?? (message.record ? 'no event type' : 'event ?');
  return [
    message.messageId,
    message.kind,
    coordinates,
    `${order} ${event}`,
    message.reason,
    `failed at ${message.failedAt ?? '?'}`,
    ...redriveDeadline(message),
  ].join('  ');
}

/**
 * The time a coordinates-only message's first record leaves its topic: past it the message no
 * longer leads to the record, so the operator redrives before it.
 */
export function redriveDeadline(message: FailureMessage): string[] {
  if (message.record !== undefined) return [];
  const deadlines = message.ranges.flatMap((range) => {
    const spec = ALL_TOPICS.find((topic) => topic.name === range.topic);
    const written = range.firstRecordAt === undefined ? Number.NaN : Date.parse(range.firstRecordAt);
    return spec === undefined || Number.isNaN(written) ? [] : [written + retentionMs(spec)];
  });
  if (deadlines.length === 0) return [];
  return [`redrive before ${new Date(Math.min(...deadlines)).toISOString()} (topic retention)`];
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

/** Why a range can no longer be read from its topic. */
export interface MissingRecords {
  readonly range: RecordRange;
  /** The partition's earliest offset now (its log start). */
  readonly earliestOffset: string;
  /** The offset the next record will get. */
  readonly nextOffset: string;
}

/** The sentence `show` and `redrive` print for records the topic no longer holds. */
export function missingRecordsLine(missing: MissingRecords): string {
  const { range } = missing;
  if (BigInt(range.firstOffset) >= BigInt(missing.nextOffset)) {
    return `${formatRange(range)} is not on the topic: partition ${range.partition} has offsets up to ${
      BigInt(missing.nextOffset) - 1n
    } only`;
  }
  const spec = ALL_TOPICS.find((topic) => topic.name === range.topic);
  const retention =
    spec === undefined
      ? 'the topic retention'
      : `its retention of ${formatHours(spec.retentionHours)} (lib/config/topics.ts)`;
  return `${formatRange(range)} is no longer on the topic: ${range.topic} keeps records for ${retention}, and partition ${range.partition} now starts at offset ${missing.earliestOffset}`;
}

function formatHours(hours: number): string {
  return hours % 24 === 0 ? `${hours / 24} days` : `${hours} hours`;
}

/** The full detail of `show`: the message, then each record with its decoded value. */
export function detailLines(
  message: FailureMessage,
  records: readonly KafkaRecord[],
  missing: readonly MissingRecords[],
): string[] {
  const lines = [
    `message ${message.messageId}`,
    `  kind       ${message.kind}`,
    `  records    ${message.ranges.map(formatRange).join(', ') || '-'}`,
    `  reason     ${message.reason}`,
  ];
  if (message.error) lines.push(`  error      ${message.error}`);
  lines.push(`  failed at  ${message.failedAt ?? '?'}`);
  if (message.kind === 'unrecognised') lines.push('  body', indent(message.body, 4));
  for (const record of records) {
    const key = record.key?.toString('utf8');
    lines.push(
      `  record ${record.topic}-${record.partition}@${record.offset}`,
      `    key        ${key ?? '(none)'}`,
      `    timestamp  ${new Date(Number(record.timestamp)).toISOString()}${
        message.record === record ? ' (the time it was given up; a failed record keeps no timestamp)' : ''
      }`,
      `    event type ${eventTypeOf(record.value) ?? '-'}`,
      '    value',
      indent(decodedValue(record.value), 6),
    );
  }
  for (const gone of missing) lines.push(`  ${missingRecordsLine(gone)}`);
  return lines;
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => `${pad}${line}`)
    .join('\n');
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
