/**
 * The event envelope every record on every topic carries (DESIGN.md, "Event envelope").
 * Trace context travels in Kafka headers, not here.
 */
import * as z from './zod';

export const envelopeSchema = z.strictObject({
  eventId: z.uuid(),
  eventType: z.string().check(z.minLength(1)),
  eventVersion: z.number().check(z.int(), z.positive()),
  orderId: z.string().check(z.minLength(1), z.maxLength(128)),
  timestamp: z.iso.datetime({ offset: true }),
  correlationId: z.string().check(z.minLength(1), z.maxLength(128)),
  data: z.unknown(),
});

export interface EventEnvelope<TType extends string = string, TData = unknown> {
  readonly eventId: string;
  readonly eventType: TType;
  readonly eventVersion: number;
  readonly orderId: string;
  readonly timestamp: string;
  readonly correlationId: string;
  readonly data: TData;
}

/** Kafka header names; trace context and correlation id are carried on by every publisher. */
export const HEADERS = {
  traceId: 'x-amzn-trace-id',
  correlationId: 'correlation-id',
  eventType: 'event-type',
  eventVersion: 'event-version',
} as const;
