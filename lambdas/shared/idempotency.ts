/**
 * Idempotent event processing for the Kafka consumers: every consumer sees duplicates eventually
 * (producer retries, batch retries after a partial failure, replays). Built on
 * `@aws-lambda-powertools/idempotency` with the DynamoDB table IDEMPOTENCY_TABLE_NAME.
 *
 * Key = `<keyPrefix>#<hash of eventId>`. The prefix is explicit (ConsumerSpec.idempotencyKeyPrefix)
 * because the Powertools default prefix derives from the Lambda function name, which does not exist
 * in the local mode: there all consumers would share keys and skip each other's events.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { SETTING_ENV_VARS } from '../../lib/config/functions';
import { dynamoDbClient } from './aws/dynamodb';
import { positiveIntegerEnv, requireTableName } from './env';

/** Anything carrying an envelope: a DecodedKafkaRecord or a DecodedMessage. */
export interface HasEventId {
  readonly envelope: { readonly eventId: string };
}

export interface IdempotentEventProcessor<TRecord extends HasEventId, TResult> {
  (record: TRecord): Promise<TResult>;
  /**
   * Call once per invocation. The in-progress lock then expires with the invocation, so a
   * timed-out or crashed attempt does not block the retry until the record's full expiry, and a
   * delivery that finds the lock held waits for it within this invocation's time.
   */
  registerLambdaContext(context: Context): void;
}

export interface IdempotencyOptions {
  /** @default a DynamoDBPersistenceLayer on IDEMPOTENCY_TABLE_NAME */
  readonly persistenceStore?: BasePersistenceLayer;
  /**
   * How long an event id is remembered, in seconds; must exceed the mapping's retry horizon.
   * @default IDEMPOTENCY_TTL_SECONDS, or 86400 (24 hours, the longest maxRecordAge of a consumer)
   */
  readonly expiresAfterSeconds?: number;
}

/** Another delivery of the same event is being processed right now; retry this record later. */
export class EventInProgressError extends Error {
  public constructor(
    public readonly eventId: string,
    options: { cause?: unknown } = {},
  ) {
    super(`Event ${eventId} is already being processed by another invocation`, { cause: options.cause });
    this.name = 'EventInProgressError';
  }
}

const DEFAULT_EXPIRY_SECONDS = 24 * 60 * 60;
/** How often a lock held by another delivery is tried again while this invocation waits for it. */
const LOCK_POLL_MS = 1_000;
/** Time an invocation keeps for itself after waiting on a lock: the record's own work and the rest of the batch. */
const LOCK_WAIT_RESERVE_MS = 10_000;
/** Waits between attempts to remove a failed attempt's lock: about 6 s in all, a table restart's length. */
const LOCK_RELEASE_BACKOFF_MS: readonly number[] = [200, 400, 800, 1_600, 3_200];

/**
 * The attempt failed and so did Powertools' removal of its in-progress lock, typically because the
 * table was unreachable for a moment: the lock would stay until the invocation's deadline.
 */
function leftItsLockBehind(error: unknown): boolean {
  return (
    error instanceof IdempotencyPersistenceLayerError && error.message.startsWith('Failed to delete record')
  );
}

/**
 * Wraps a record processor so that each eventId is processed at most once per consumer (key prefix).
 * A duplicate returns the stored result of the first run without calling `process` again. The
 * result must be JSON-serializable (it is stored); `undefined` is fine.
 */
export function makeEventProcessorIdempotent<TRecord extends HasEventId, TResult>(
  keyPrefix: string,
  process: (record: TRecord) => Promise<TResult>,
  options: IdempotencyOptions = {},
): IdempotentEventProcessor<TRecord, TResult> {
  if (keyPrefix.trim() === '') {
    throw new RangeError('An idempotency key prefix is required (one per consumer)');
  }
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'envelope.eventId',
    // A record without an event id must never be processed "once" by accident.
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds:
      options.expiresAfterSeconds ??
      positiveIntegerEnv(SETTING_ENV_VARS.idempotencyTtlSeconds, DEFAULT_EXPIRY_SECONDS),
  });
  const persistenceStore =
    options.persistenceStore ??
    new DynamoDBPersistenceLayer({
      tableName: requireTableName('idempotency'),
      awsSdkV3Client: dynamoDbClient(),
    });
  const idempotent = makeIdempotent(process, { persistenceStore, config, keyPrefix, dataIndexArgument: 0 });
  let invocation: Context | undefined;

  const processor = async (record: TRecord): Promise<TResult> => {
    let waitUntil: number | undefined;
    for (;;) {
      try {
        return await idempotent(record);
      } catch (error) {
        if (leftItsLockBehind(error)) {
          // Left in place, the lock holds every retry of this record (and its partition's later
          // records) until the invocation's deadline, a minute of lag after a table blip of a second.
          await releaseLock(record);
          throw error;
        }
        if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error;
        // Another delivery of the same event holds the lock: a live attempt (a retry overlapping a
        // slow first one, two mappings during a rebalance) or one whose sandbox died mid-record,
        // whose lock stays until that invocation's deadline. This invocation waits while it has
        // time: a live attempt completes (its stored result is returned) or a dead one's lock
        // expires (the event is processed here). Failing at once would spend the mapping's few
        // retries within seconds and send the record to the on-failure destination, losing the
        // event when the dead attempt had not done its work yet. Skipping would lose it too.
        waitUntil ??= invocation
          ? Date.now() + invocation.getRemainingTimeInMillis() - LOCK_WAIT_RESERVE_MS
          : Date.now();
        if (Date.now() + LOCK_POLL_MS > waitUntil) {
          // Out of time: the record fails as retryable; a later delivery finds the lock gone.
          throw new EventInProgressError(record.envelope.eventId, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      }
    }
  };
  const releaseLock = async (record: TRecord): Promise<void> => {
    for (const backoffMs of LOCK_RELEASE_BACKOFF_MS) {
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
      try {
        await persistenceStore.deleteRecord(
          record as unknown as Parameters<BasePersistenceLayer['deleteRecord']>[0],
        );
        return;
      } catch {
        // Still unreachable: try again; after the last attempt the lock expires with the invocation.
      }
    }
  };
  return Object.assign(processor, {
    registerLambdaContext: (context: Context) => {
      invocation = context;
      config.registerLambdaContext(context);
    },
  });
}
