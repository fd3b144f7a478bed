/**
 * Errors of records that cannot be read. Most can never be processed, however often they are
 * retried (PoisonRecordError): they go to the failure path (the dead-letter topic) instead of
 * blocking their partition. A record of a newer version than the consumer knows is not one of
 * them (MessageVersionTooNewError): it becomes readable once the consumer is deployed.
 */
import type * as z from './zod';

export class PoisonRecordError extends Error {
  /** A short, stable reason code; it travels with the record to the dead-letter topic. */
  public readonly reason: string;

  public constructor(message: string, options: { reason: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'PoisonRecordError';
    this.reason = options.reason;
  }
}

/** The record value is not JSON, or not an object shaped like the envelope. */
export class InvalidEnvelopeError extends PoisonRecordError {
  public readonly issues: readonly z.core.$ZodIssue[];

  public constructor(
    message: string,
    options: { issues?: readonly z.core.$ZodIssue[]; cause?: unknown } = {},
  ) {
    super(message, { reason: 'INVALID_ENVELOPE', cause: options.cause });
    this.name = 'InvalidEnvelopeError';
    this.issues = options.issues ?? [];
  }
}

export class UnknownMessageTypeError extends PoisonRecordError {
  public constructor(
    public readonly eventType: string,
    options: { cause?: unknown } = {},
  ) {
    super(`Unknown message type '${eventType}'`, { reason: 'UNKNOWN_MESSAGE_TYPE', cause: options.cause });
    this.name = 'UnknownMessageTypeError';
  }
}

/**
 * The record was written with a version of its message type newer than this consumer knows: its
 * producer was deployed first. It is a valid event, so it is not a PoisonRecordError: its
 * partition stops at it and the mapping retries it in order, and it is read once this consumer is
 * deployed with the new version (within the mapping's retry attempts and maximum record age).
 */
export class MessageVersionTooNewError extends Error {
  public constructor(
    public readonly eventType: string,
    public readonly eventVersion: number,
    public readonly latestVersion: number,
    options: { cause?: unknown } = {},
  ) {
    super(
      `${eventType} version ${eventVersion} is newer than the latest this consumer knows (${latestVersion})`,
      {
        cause: options.cause,
      },
    );
    this.name = 'MessageVersionTooNewError';
  }
}

/** The payload does not match the schema of the version it claims. */
export class InvalidMessageError extends PoisonRecordError {
  public readonly issues: readonly z.core.$ZodIssue[];

  public constructor(message: string, options: { issues: readonly z.core.$ZodIssue[]; cause?: unknown }) {
    super(message, { reason: 'INVALID_MESSAGE', cause: options.cause });
    this.name = 'InvalidMessageError';
    this.issues = options.issues;
  }
}
