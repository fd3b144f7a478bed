/**
 * The record a consumer's dead-letter topic holds for each record the consumer gave up on, in the
 * shape Lambda writes to a Kafka on-failure destination (Lambda guide, "Using a Kafka topic as an
 * on-failure destination", Record format,
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html): the Kafka key
 * is the failed record's own key, the value a JSON document with the failure's metadata
 * (requestContext, responseContext, KafkaBatchInfo) and the failed record itself under `payload`,
 * as the MSK event carried it (key and value base64, headers as byte arrays).
 *
 * A poison record the handler diverts itself is written in the same shape, with `poisonRecord`
 * saying why, so the operator tool reads one format whoever wrote the record.
 * Pure: no SDK, no Kafka client.
 */
import type { MSKEvent, MSKRecord } from 'aws-lambda';

/** Why Lambda gave up on the record; `PoisonRecord` is the handler's own verdict. */
export type DeadLetterCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded' | 'PoisonRecord';

export interface DeadLetterDocument {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: DeadLetterCondition | string;
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError: string;
  };
  readonly version: string;
  /** When the record was given up, ISO-8601. */
  readonly timestamp: string;
  readonly KafkaBatchInfo: {
    readonly batchSize: number;
    readonly eventSourceArn: string;
    readonly bootstrapServers: string;
    readonly payloadSize: number;
    readonly recordInfo: { readonly offset: string; readonly timestamp: string };
  };
  /** The failed record as an MSK event holding it alone. */
  readonly payload: MSKEvent;
  /** Only on a record the handler diverted: which consumer refused it and why. */
  readonly poisonRecord?: {
    readonly consumer: string;
    readonly reason: string;
    readonly error: string;
  };
}

export interface DeadLetterInput {
  readonly record: MSKRecord;
  readonly condition: DeadLetterCondition;
  readonly requestId: string;
  readonly functionArn: string;
  readonly eventSourceArn: string;
  readonly bootstrapServers: string;
  /** Invocations made with the record (0 when it expired before any). */
  readonly approximateInvokeCount: number;
  /** Whether the last invocation ended in a function error (vs. a reported partial failure). */
  readonly functionError: boolean;
  readonly failedAt: Date;
  readonly poisonRecord?: DeadLetterDocument['poisonRecord'];
}

/** The dead-letter document of one failed record. */
export function deadLetterDocument(input: DeadLetterInput): DeadLetterDocument {
  const { record } = input;
  return {
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: input.functionError ? 'Unhandled' : '',
    },
    version: '1.0',
    timestamp: input.failedAt.toISOString(),
    KafkaBatchInfo: {
      batchSize: 1,
      eventSourceArn: input.eventSourceArn,
      bootstrapServers: input.bootstrapServers,
      payloadSize: Buffer.byteLength(record.value ?? '', 'base64'),
      recordInfo: { offset: String(record.offset), timestamp: new Date(record.timestamp).toISOString() },
    },
    payload: {
      eventSource: 'aws:kafka',
      eventSourceArn: input.eventSourceArn,
      bootstrapServers: input.bootstrapServers,
      records: { [`${record.topic}-${record.partition}`]: [record] },
    },
    ...(input.poisonRecord ? { poisonRecord: input.poisonRecord } : {}),
  };
}

/** A dead-letter topic record that is not a dead-letter document; the message says what is wrong. */
export class InvalidDeadLetterError extends Error {
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidDeadLetterError';
  }
}

/**
 * Reads a dead-letter record's value back.
 * @throws {InvalidDeadLetterError} when it is not JSON or holds no failed record.
 */
export function parseDeadLetterDocument(value: string): DeadLetterDocument {
  let document: unknown;
  try {
    document = JSON.parse(value);
  } catch (error) {
    throw new InvalidDeadLetterError(`not JSON: ${value.slice(0, 80)}`, { cause: error });
  }
  const records = (document as Partial<DeadLetterDocument> | null)?.payload?.records;
  if (typeof document !== 'object' || document === null || typeof records !== 'object' || records === null) {
    throw new InvalidDeadLetterError(`no payload.records in ${value.slice(0, 80)}`);
  }
  const failed = failedRecordsOf(document as DeadLetterDocument);
  if (failed.length === 0)
    throw new InvalidDeadLetterError(`payload.records is empty in ${value.slice(0, 80)}`);
  for (const record of failed) {
    if (
      typeof record.topic !== 'string' ||
      typeof record.partition !== 'number' ||
      record.offset === undefined
    ) {
      throw new InvalidDeadLetterError(
        `a failed record lacks topic, partition or offset: ${JSON.stringify(record)}`,
      );
    }
  }
  return document as DeadLetterDocument;
}

/** The failed records a document carries (one, as Lambda writes them). */
export function failedRecordsOf(document: DeadLetterDocument): MSKRecord[] {
  return Object.values(document.payload.records).flatMap((records) =>
    Array.isArray(records) ? records : [],
  );
}
