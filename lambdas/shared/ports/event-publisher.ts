/**
 * The port every use case publishes events and commands through. The topic comes from the
 * message type (`topicOf`), the record key is the envelope's orderId, so all messages of one
 * order stay in order on one partition.
 */
import type { EventEnvelope } from '../events/envelope';

export interface PublishContext {
  /**
   * The X-Ray trace header to carry on (`x-amzn-trace-id` record header).
   * @default the current Lambda trace (`_X_AMZN_TRACE_ID`), if any
   */
  readonly traceHeader?: string;
}

export interface EventPublisher {
  /** Resolves once the broker acknowledged every record (acks = all); rejects otherwise. */
  publish(events: readonly EventEnvelope[], context?: PublishContext): Promise<void>;
}

/** The broker did not acknowledge the records; the caller may retry (the producer is idempotent). */
export class EventPublishError extends Error {
  public constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'EventPublishError';
  }
}
