/**
 * Errors of records that can never be processed, however often they are retried: they go to the
 * failure path (the on-failure queue) instead of blocking their partition.
 */
import type * as z from './zod';

export class PoisonRecordError extends Error {
  /** A short, stable reason code; it travels with the record to the on-failure queue. */
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

export class UnsupportedMessageVersionError extends PoisonRecordError {
  public constructor(
    public readonly eventType: string,
    public readonly eventVersion: number,
    public readonly latestVersion: number,
    options: { cause?: unknown } = {},
  ) {
    super(`${eventType} version ${eventVersion} is not supported (known versions 1..${latestVersion})`, {
      reason: 'UNSUPPORTED_MESSAGE_VERSION',
      cause: options.cause,
    });
    this.name = 'UnsupportedMessageVersionError';
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
