/**
 * The handler of a side-effect consumer (notification, analytics, loyalty, fulfilment, order read
 * model): an MSK batch run through processKafkaBatch, with the consumer's catalogue entry, the
 * message types it acts on and, where its effect leaves DynamoDB, Powertools idempotency. The
 * consumer supplies only what it does with one accepted message.
 *
 * Records of any other type are skipped before the idempotency layer, so they cost no idempotency
 * record. Poison records are diverted and counted by the batch processor, once, whichever consumer
 * met them.
 *
 * batchConsumerHandler is the same for a consumer that folds a whole batch into its writes
 * (processKafkaBatchTogether); it has no idempotency layer, so the consumer is idempotent by design.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import { CONSUMERS, type ConsumerName, type ConsumerSpec } from '../../../lib/config/consumers';
import type { TypedEnvelope } from '../events/codec';
import type { MessageType } from '../events/payloads';
import { type IdempotencyOptions, makeEventProcessorIdempotent } from '../idempotency';
import { logger } from '../observability';
import type { FailedRecordSink } from '../ports/failed-record-sink';
import {
  type DecodedKafkaRecord,
  type KafkaBatchResponse,
  type KafkaRecordFailure,
  processKafkaBatch,
  processKafkaBatchTogether,
} from './batch';

/** An envelope of one of the types `T`; `eventType` narrows `data`. */
export type AcceptedEnvelope<T extends MessageType> = { [K in T]: TypedEnvelope<K> }[T];

/** A decoded record of one of the types `T`: `envelope`, `type` and `data` narrowed to them. */
export type AcceptedRecord<T extends MessageType> = Extract<DecodedKafkaRecord, { readonly type: T }>;

/** What every consumer handler is given, whatever its use case needs besides. */
export interface ConsumerDependencies {
  /** Where poison records go: the consumer's on-failure destination. */
  readonly failedRecordSink: FailedRecordSink;
}

export type KafkaConsumerHandler = (event: MSKEvent, context: Context) => Promise<KafkaBatchResponse>;

export interface ConsumerHandlerOptions<T extends MessageType> extends ConsumerDependencies {
  /** The consumer's catalogue entry: the name on its failed records, its idempotency key prefix. */
  readonly consumer: ConsumerName;
  /** The message types the consumer acts on; records of any other type are skipped. */
  readonly accepts: readonly T[];
  /**
   * Acts on one accepted message; `record` carries its Kafka side (headers, topic, offset). With
   * `idempotency`, the result is stored and returned to a duplicate, so it must be JSON.
   */
  readonly handle: (envelope: AcceptedEnvelope<T>, record: AcceptedRecord<T>) => Promise<unknown>;
  /**
   * Runs `handle` at most once per eventId, keyed under the consumer's idempotencyKeyPrefix, for
   * an effect that cannot itself be made conditional (an e-mail, a card charge).
   * @default none: the consumer is idempotent by design (a conditional write of its own)
   */
  readonly idempotency?: IdempotencyOptions;
}

/** The catalogue entry of a consumer. */
function consumerSpecOf(name: ConsumerName): ConsumerSpec {
  const spec = CONSUMERS.find((consumer) => consumer.name === name);
  if (!spec) throw new RangeError(`No consumer named ${name} in the consumer catalogue`);
  return spec;
}

/**
 * The MSK handler of one consumer; build it once per container, as its idempotency layer is.
 * @throws {RangeError} when `idempotency` is asked for a consumer without an idempotencyKeyPrefix.
 */
export function consumerHandler<T extends MessageType>(
  options: ConsumerHandlerOptions<T>,
): KafkaConsumerHandler {
  const spec = consumerSpecOf(options.consumer);
  if (options.idempotency && !spec.idempotencyKeyPrefix) {
    // Without a prefix of its own a consumer would share keys with others and skip their events.
    throw new RangeError(`Consumer ${spec.name} has no idempotencyKeyPrefix in the consumer catalogue`);
  }
  const isAccepted = acceptedBy(options.accepts);
  const handleRecord = (record: AcceptedRecord<T>) =>
    options.handle(record.envelope as AcceptedEnvelope<T>, record);
  const once = options.idempotency
    ? makeEventProcessorIdempotent(spec.idempotencyKeyPrefix ?? '', handleRecord, options.idempotency)
    : undefined;
  const batchOptions = { failedRecordSink: options.failedRecordSink, consumer: spec.name, logger };
  return (event, context) => {
    once?.registerLambdaContext(context);
    return processKafkaBatch(
      event,
      async (record) => {
        if (!isAccepted(record)) return;
        await (once ?? handleRecord)(record);
      },
      batchOptions,
    );
  };
}

/** Whether a record is of one of the types `T`. */
function acceptedBy<T extends MessageType>(
  types: readonly T[],
): (record: DecodedKafkaRecord) => record is AcceptedRecord<T> {
  const accepted: ReadonlySet<MessageType> = new Set(types);
  return (record): record is AcceptedRecord<T> => accepted.has(record.type);
}

export interface BatchConsumerHandlerOptions<T extends MessageType> extends ConsumerDependencies {
  /** The consumer's catalogue entry: the name on its failed records. */
  readonly consumer: ConsumerName;
  /** The message types the consumer acts on; records of any other type are skipped. */
  readonly accepts: readonly T[];
  /**
   * Acts on all accepted records of a batch at once, in offset order per partition, and answers
   * those it did not finish (see processKafkaBatchTogether). There is no idempotency layer: the
   * consumer must be idempotent by design, as a finished record may be delivered again.
   */
  readonly handleBatch: (records: readonly AcceptedRecord<T>[]) => Promise<readonly KafkaRecordFailure[]>;
}

/** The MSK handler of a consumer that folds a whole batch into its writes, e.g. summed counters. */
export function batchConsumerHandler<T extends MessageType>(
  options: BatchConsumerHandlerOptions<T>,
): KafkaConsumerHandler {
  const spec = consumerSpecOf(options.consumer);
  const isAccepted = acceptedBy(options.accepts);
  const batchOptions = { failedRecordSink: options.failedRecordSink, consumer: spec.name, logger };
  return (event) =>
    processKafkaBatchTogether(
      event,
      async (records) => {
        const accepted = records.filter(isAccepted);
        return accepted.length > 0 ? options.handleBatch(accepted) : [];
      },
      batchOptions,
    );
}
