/**
 * Where records that can never be processed (poison records) go, so that their partition keeps
 * flowing. In AWS and locally it is the consumer's dead-letter topic (DEAD_LETTER_TOPIC), the same
 * topic its event source mappings send exhausted records to.
 */

export interface FailedRecord {
  /** The consumer that gave up on the record (POWERTOOLS_SERVICE_NAME or the consumer name). */
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The record key as text (the orderId), if any. */
  readonly key: string | undefined;
  /** The original record value, base64 as the event source mapping delivered it. */
  readonly value: string;
  /** The original record's headers as the event source mapping delivered them (bytes per name). */
  readonly headers?: readonly Readonly<Record<string, number[]>>[];
  /** The original record's timestamp, epoch milliseconds. */
  readonly timestamp?: number;
  /** A short stable reason code, e.g. INVALID_MESSAGE, UNKNOWN_MESSAGE_TYPE. */
  readonly reason: string;
  /** The error message (schema issues included); no stack traces. */
  readonly error: string;
  /** ISO-8601 time the record was given up. */
  readonly failedAt: string;
}

export interface FailedRecordSink {
  /** Resolves once the record is stored durably; rejects otherwise (the batch then retries it). */
  send(record: FailedRecord): Promise<void>;
}
