/**
 * Creating and reading event envelopes. Publishers always write the latest version of a message
 * type; readers accept every version still inside the topics' retention and upcast it, so a replay
 * of old events works (DESIGN.md, "Event envelope").
 */
import { createHash, randomUUID } from 'node:crypto';
import { TOPICS, type TopicName } from '../../../lib/config/topics';
import { type EventEnvelope, envelopeSchema } from './envelope';
import {
  InvalidEnvelopeError,
  InvalidMessageError,
  MessageVersionTooNewError,
  UnknownMessageTypeError,
} from './errors';
import { latestVersion, MESSAGE_SCHEMAS, type MessageType, type Payload } from './payloads';
import * as z from './zod';

export {
  InvalidEnvelopeError,
  InvalidMessageError,
  MessageVersionTooNewError,
  PoisonRecordError,
  UnknownMessageTypeError,
} from './errors';

/** An envelope whose payload is the latest version of its message type. */
export type TypedEnvelope<T extends MessageType = MessageType> = EventEnvelope<T, Payload<T>>;

/** A decoded message; `type` narrows `data` (`if (m.type === 'OrderPlaced') m.data.channel`). */
export type DecodedMessage = {
  [T in MessageType]: {
    readonly envelope: TypedEnvelope<T>;
    readonly type: T;
    readonly data: Payload<T>;
    /** The version the record was written with, before upcasting (the envelope shows the latest). */
    readonly sourceVersion: number;
  };
}[MessageType];

export interface CreateEventInput<T extends MessageType> {
  readonly orderId: string;
  readonly correlationId: string;
  readonly data: Payload<T>;
  /** A caller-chosen id (see lifecycleEventId); a random UUID otherwise. */
  readonly eventId?: string;
}

/** Namespace of the pipeline's name-based event ids (a random UUID, fixed forever). */
const EVENT_ID_NAMESPACE = Buffer.from('6f1c2a4e8b3d4f0a9e7c5b2d1a0f3e8c', 'hex');

/**
 * The id of an event that happens at most once per order (OrderPlaced, OrderConfirmed, ...): a
 * name-based UUID (RFC 9562 version 5) of the order id and the event type. A step retried after it
 * published (a timeout, a restart) publishes the same id again, so every consumer's idempotency,
 * keyed on the eventId, treats the second copy as the duplicate it is.
 */
export function lifecycleEventId(orderId: string, type: MessageType): string {
  const hash = createHash('sha1').update(EVENT_ID_NAMESPACE).update(`${orderId}#${type}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function isMessageType(value: string): value is MessageType {
  return Object.hasOwn(MESSAGE_SCHEMAS, value);
}

/** The Kafka topic every message of `type` is published to. */
export function topicOf(type: MessageType): TopicName {
  return TOPICS[MESSAGE_SCHEMAS[type].topic].name;
}

/**
 * A new envelope at the latest version. The payload is validated here, so a publisher can never
 * put a record on a topic that its consumers would reject as poison.
 */
export function createEvent<T extends MessageType>(type: T, input: CreateEventInput<T>): TypedEnvelope<T> {
  const version = latestVersion(type);
  const schema = schemaOf(type, version);
  const parsed = schema.safeParse(input.data);
  if (!parsed.success) {
    throw new InvalidMessageError(
      `${type} v${version} payload is invalid: ${z.prettifyError(parsed.error)}`,
      {
        issues: parsed.error.issues,
        cause: parsed.error,
      },
    );
  }
  const envelope: TypedEnvelope<T> = {
    eventId: input.eventId ?? randomUUID(),
    eventType: type,
    eventVersion: version,
    orderId: input.orderId,
    timestamp: new Date().toISOString(),
    correlationId: input.correlationId,
    data: parsed.data as Payload<T>,
  };
  const checked = envelopeSchema.safeParse(envelope);
  if (!checked.success) {
    throw new InvalidEnvelopeError(`${type} envelope is invalid: ${z.prettifyError(checked.error)}`, {
      issues: checked.error.issues,
      cause: checked.error,
    });
  }
  return envelope;
}

/**
 * Validates a parsed record value: the envelope, a known type, a known version, the payload
 * against the schema of ITS version; then upcasts it to the latest version. New fields of later
 * versions are optional or defaulted (the compatibility rule), so parsing an old payload with the
 * latest schema is the upcast.
 *
 * @throws {PoisonRecordError} subclasses; such a record can never succeed, so it is not retried.
 *   A version below 1 or not an integer is an invalid envelope.
 * @throws {MessageVersionTooNewError} when the version is newer than the latest this code knows;
 *   not poison: the record is retried until the consumer is deployed with that version.
 */
export function decodeMessage(value: unknown): DecodedMessage {
  const parsedEnvelope = envelopeSchema.safeParse(value);
  if (!parsedEnvelope.success) {
    throw new InvalidEnvelopeError(`Invalid event envelope: ${z.prettifyError(parsedEnvelope.error)}`, {
      issues: parsedEnvelope.error.issues,
      cause: parsedEnvelope.error,
    });
  }
  const envelope = parsedEnvelope.data;
  const type = envelope.eventType;
  if (!isMessageType(type)) {
    throw new UnknownMessageTypeError(type);
  }
  const latest = latestVersion(type);
  if (envelope.eventVersion > latest) {
    throw new MessageVersionTooNewError(type, envelope.eventVersion, latest);
  }
  const ownVersion = schemaOf(type, envelope.eventVersion).safeParse(envelope.data);
  if (!ownVersion.success) {
    throw new InvalidMessageError(
      `${type} v${envelope.eventVersion} payload is invalid: ${z.prettifyError(ownVersion.error)}`,
      { issues: ownVersion.error.issues, cause: ownVersion.error },
    );
  }
  const upcast = schemaOf(type, latest).safeParse(ownVersion.data);
  if (!upcast.success) {
    // Only reachable if a later version broke the compatibility rule that `schemas check` enforces.
    throw new InvalidMessageError(
      `${type} v${envelope.eventVersion} cannot be upcast to v${latest}: ${z.prettifyError(upcast.error)}`,
      { issues: upcast.error.issues, cause: upcast.error },
    );
  }
  const data = upcast.data;
  return {
    envelope: { ...envelope, eventType: type, eventVersion: latest, data },
    type,
    data,
    sourceVersion: envelope.eventVersion,
  } as DecodedMessage;
}

/** Parses a record value (a JSON string or bytes) and decodes it; see {@link decodeMessage}. */
export function decodeJson(value: string | Uint8Array): DecodedMessage {
  const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidEnvelopeError('Record value is not valid JSON', { cause: error });
  }
  return decodeMessage(json);
}

function schemaOf(type: MessageType, version: number): z.ZodMiniType {
  return MESSAGE_SCHEMAS[type].versions[version - 1] as z.ZodMiniType;
}
