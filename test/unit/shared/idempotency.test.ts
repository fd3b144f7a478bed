import { createHash } from 'node:crypto';
import { IdempotencyRecordStatus } from '@aws-lambda-powertools/idempotency';
import { IdempotencyRecord } from '@aws-lambda-powertools/idempotency/persistence';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dynamoDbClient } from '../../../lambdas/shared/aws/clients';
import { MissingConfigurationError } from '../../../lambdas/shared/env';
import { decodeMessage } from '../../../lambdas/shared/events/codec';
import { EventInProgressError, makeEventProcessorIdempotent } from '../../../lambdas/shared/idempotency';
import { InMemoryPersistenceLayer } from '../../fixtures/in-memory-persistence-layer';
import { exampleEvent } from '../../fixtures/msk';

function decoded(type: 'OrderConfirmed' | 'PaymentRefunded' = 'OrderConfirmed') {
  return decodeMessage(JSON.parse(JSON.stringify(exampleEvent(type))));
}

function lambdaContext(remainingMs: number): Context {
  return { getRemainingTimeInMillis: () => remainingMs, functionName: 'loyalty' } as unknown as Context;
}

/** The lock of another delivery, held until `inProgressExpiryTimestamp` (epoch ms). */
function inProgress(key: string, inProgressExpiryTimestamp: number): IdempotencyRecord {
  return new IdempotencyRecord({
    idempotencyKey: key,
    status: IdempotencyRecordStatus.INPROGRESS,
    expiryTimestamp: Date.now() / 1000 + 3600,
    inProgressExpiryTimestamp,
  });
}

/** Powertools hashes the JMESPath selection (the JSON string of the eventId) with md5. */
function keyOf(prefix: string, eventId: string): string {
  return `${prefix}#${createHash('md5').update(JSON.stringify(eventId)).digest('base64')}`;
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('makeEventProcessorIdempotent', () => {
  it('processes an event once and answers duplicates with the stored result', async () => {
    // Prepare
    const store = new InMemoryPersistenceLayer();
    const process = vi.fn(async () => ({ pointsCredited: 44 }));
    const idempotent = makeEventProcessorIdempotent('loyalty', process, { persistenceStore: store });
    const message = decoded();

    // Act
    const first = await idempotent(message);
    const duplicate = await idempotent(decodeMessage(JSON.parse(JSON.stringify(message.envelope))));

    // Assess
    expect(process).toHaveBeenCalledOnce();
    expect(first).toEqual({ pointsCredited: 44 });
    expect(duplicate).toEqual({ pointsCredited: 44 });
  });

  it('keys records by consumer prefix and eventId, so consumers never share keys', async () => {
    // Prepare
    const store = new InMemoryPersistenceLayer();
    const loyalty = vi.fn(async () => undefined);
    const analytics = vi.fn(async () => undefined);
    const message = decoded();

    // Act
    await makeEventProcessorIdempotent('loyalty', loyalty, { persistenceStore: store })(message);
    await makeEventProcessorIdempotent('analytics', analytics, {
      persistenceStore: new InMemoryPersistenceLayer(),
    })(message);

    // Assess
    expect(loyalty).toHaveBeenCalledOnce();
    expect(analytics).toHaveBeenCalledOnce();
    expect(store.keys()).toEqual([keyOf('loyalty', message.envelope.eventId)]);
  });

  it('processes different events separately', async () => {
    // Prepare
    const store = new InMemoryPersistenceLayer();
    const process = vi.fn(async () => undefined);
    const idempotent = makeEventProcessorIdempotent('fulfilment', process, { persistenceStore: store });

    // Act
    await idempotent(decoded());
    await idempotent(decoded());

    // Assess
    expect(process).toHaveBeenCalledTimes(2);
  });

  it('forgets a failed attempt so the retry processes the event', async () => {
    // Prepare
    const store = new InMemoryPersistenceLayer();
    const process = vi.fn().mockRejectedValueOnce(new Error('throttled')).mockResolvedValueOnce('done');
    const idempotent = makeEventProcessorIdempotent('notification', process, { persistenceStore: store });
    const message = decoded();

    // Act
    const failed = await idempotent(message).catch((e: unknown) => e);
    const retried = await idempotent(message);

    // Assess
    expect(failed).toEqual(new Error('throttled'));
    expect(retried).toBe('done');
    expect(process).toHaveBeenCalledTimes(2);
  });

  it('removes the lock of a failed attempt once the table answers again, so the retry is not held for the invocation', async () => {
    // Prepare: the table is unreachable for the attempt's own lock removal and the first retry of it.
    class FlakyDeleteStore extends InMemoryPersistenceLayer {
      public failedDeletes = 0;
      protected override async _deleteRecord(record: IdempotencyRecord): Promise<void> {
        if (this.failedDeletes < 2) {
          this.failedDeletes += 1;
          throw new Error('connect ECONNREFUSED 127.0.0.1:8000');
        }
        await super._deleteRecord(record);
      }
    }
    const store = new FlakyDeleteStore();
    const process = vi.fn().mockRejectedValueOnce(new Error('table down')).mockResolvedValueOnce('done');
    const idempotent = makeEventProcessorIdempotent('loyalty', process, { persistenceStore: store });
    idempotent.registerLambdaContext(lambdaContext(60_000));
    const message = decoded();

    // Act
    const failed = await idempotent(message).catch((e: unknown) => e);
    const locksLeft = store.keys().length;
    const retried = await idempotent(message);

    // Assess
    expect((failed as Error).message).toBe('Failed to delete record from idempotency store');
    expect(locksLeft).toBe(0);
    expect(retried).toBe('done');
    expect(store.failedDeletes).toBe(2);
  });

  it('fails a record as retryable while another delivery of it is in progress', async () => {
    // Prepare
    const store = new InMemoryPersistenceLayer();
    const message = decoded();
    const key = keyOf('order-read-model', message.envelope.eventId);
    store.records.set(
      key,
      new IdempotencyRecord({
        idempotencyKey: key,
        status: IdempotencyRecordStatus.INPROGRESS,
        expiryTimestamp: Date.now() / 1000 + 3600,
        inProgressExpiryTimestamp: Date.now() + 60_000,
      }),
    );
    const process = vi.fn(async () => undefined);
    const idempotent = makeEventProcessorIdempotent('order-read-model', process, { persistenceStore: store });

    // Act
    const error = await idempotent(message).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(EventInProgressError);
    expect(error).toMatchObject({ name: 'EventInProgressError', eventId: message.envelope.eventId });
    expect(process).not.toHaveBeenCalled();
  });

  it('waits within the invocation for a live attempt and answers with its stored result', async () => {
    // Prepare
    vi.useFakeTimers();
    const store = new InMemoryPersistenceLayer();
    const message = decoded();
    const key = keyOf('notification', message.envelope.eventId);
    store.records.set(key, inProgress(key, Date.now() + 60_000));
    const process = vi.fn(async () => ({ template: 'second' }));
    const idempotent = makeEventProcessorIdempotent('notification', process, { persistenceStore: store });
    idempotent.registerLambdaContext(lambdaContext(30_000));

    // Act: the other attempt completes while this one waits
    const waiting = idempotent(message);
    await vi.advanceTimersByTimeAsync(1_500);
    store.records.set(
      key,
      new IdempotencyRecord({
        idempotencyKey: key,
        status: IdempotencyRecordStatus.COMPLETED,
        expiryTimestamp: Date.now() / 1000 + 3600,
        responseData: { template: 'first' },
      }),
    );
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess
    await expect(waiting).resolves.toEqual({ template: 'first' });
    expect(process).not.toHaveBeenCalled();
  });

  it('processes the event once the lock of a crashed attempt expires within the invocation', async () => {
    // Prepare: the attempt holding the lock died; its lock runs out 2.5 s from now
    vi.useFakeTimers();
    const store = new InMemoryPersistenceLayer();
    const message = decoded();
    const key = keyOf('loyalty', message.envelope.eventId);
    store.records.set(key, inProgress(key, Date.now() + 2_500));
    const process = vi.fn(async () => 'credited');
    const idempotent = makeEventProcessorIdempotent('loyalty', process, { persistenceStore: store });
    idempotent.registerLambdaContext(lambdaContext(30_000));

    // Act
    const waiting = idempotent(message);
    await vi.advanceTimersByTimeAsync(3_000);

    // Assess
    await expect(waiting).resolves.toBe('credited');
    expect(process).toHaveBeenCalledTimes(1);
    expect(store.records.get(key)?.getStatus()).toBe(IdempotencyRecordStatus.COMPLETED);
  });

  it('fails the record as retryable when the lock outlasts the time the invocation has to wait', async () => {
    // Prepare: 12 s left, 10 s of them kept for the batch: about 2 s to wait for a lock of 60 s
    vi.useFakeTimers();
    const store = new InMemoryPersistenceLayer();
    const message = decoded();
    const key = keyOf('analytics', message.envelope.eventId);
    store.records.set(key, inProgress(key, Date.now() + 60_000));
    const process = vi.fn(async () => 'counted');
    const idempotent = makeEventProcessorIdempotent('analytics', process, { persistenceStore: store });
    idempotent.registerLambdaContext(lambdaContext(12_000));

    // Act
    const waiting = idempotent(message).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(3_000);

    // Assess
    expect(await waiting).toBeInstanceOf(EventInProgressError);
    expect(process).not.toHaveBeenCalled();
  });

  it('takes over the lock of an attempt whose invocation has timed out', async () => {
    // Prepare
    const store = new InMemoryPersistenceLayer();
    const message = decoded();
    const key = keyOf('analytics', message.envelope.eventId);
    store.records.set(
      key,
      new IdempotencyRecord({
        idempotencyKey: key,
        status: IdempotencyRecordStatus.INPROGRESS,
        expiryTimestamp: Date.now() / 1000 + 3600,
        inProgressExpiryTimestamp: Date.now() - 1,
      }),
    );
    const process = vi.fn(async () => 'ok');
    const idempotent = makeEventProcessorIdempotent('analytics', process, { persistenceStore: store });
    idempotent.registerLambdaContext(lambdaContext(30_000));

    // Act
    const result = await idempotent(message);

    // Assess
    expect(result).toBe('ok');
    expect(store.records.get(key)?.getStatus()).toBe(IdempotencyRecordStatus.COMPLETED);
  });

  it('locks for the remaining invocation time once the Lambda context is registered', async () => {
    // Prepare
    const store = new InMemoryPersistenceLayer();
    const message = decoded();
    let lockExpiry: number | undefined;
    const idempotent = makeEventProcessorIdempotent(
      'loyalty',
      async () => {
        lockExpiry = store.records.get(keyOf('loyalty', message.envelope.eventId))?.inProgressExpiryTimestamp;
      },
      { persistenceStore: store },
    );
    const before = Date.now();

    // Act
    idempotent.registerLambdaContext(lambdaContext(5_000));
    await idempotent(message);

    // Assess
    expect(lockExpiry).toBeGreaterThanOrEqual(before + 5_000);
    expect(lockExpiry).toBeLessThan(before + 6_000);
  });

  it('expires records after IDEMPOTENCY_TTL_SECONDS', async () => {
    // Prepare
    vi.stubEnv('IDEMPOTENCY_TTL_SECONDS', '7200');
    const store = new InMemoryPersistenceLayer();
    const message = decoded();
    const idempotent = makeEventProcessorIdempotent('loyalty', async () => undefined, {
      persistenceStore: store,
    });
    const before = Date.now() / 1000;

    // Act
    await idempotent(message);

    // Assess
    const expiry = store.records.get(keyOf('loyalty', message.envelope.eventId))?.expiryTimestamp ?? 0;
    expect(expiry).toBeGreaterThanOrEqual(Math.floor(before) + 7200);
    expect(expiry).toBeLessThan(before + 7300);
  });

  it('refuses a record without an event id instead of processing it unguarded', async () => {
    // Prepare
    const process = vi.fn(async () => undefined);
    const idempotent = makeEventProcessorIdempotent('loyalty', process, {
      persistenceStore: new InMemoryPersistenceLayer(),
    });

    // Act
    const error = await idempotent({ envelope: {} } as never).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(process).not.toHaveBeenCalled();
  });

  it('requires a key prefix', () => {
    // Act
    const make = () =>
      makeEventProcessorIdempotent(' ', async () => undefined, {
        persistenceStore: new InMemoryPersistenceLayer(),
      });

    // Assess
    expect(make).toThrow(RangeError);
  });

  it('rejects an invalid IDEMPOTENCY_TTL_SECONDS', () => {
    // Prepare
    vi.stubEnv('IDEMPOTENCY_TTL_SECONDS', 'one day');

    // Act
    const make = () =>
      makeEventProcessorIdempotent('loyalty', async () => undefined, {
        persistenceStore: new InMemoryPersistenceLayer(),
      });

    // Assess
    expect(make).toThrow(MissingConfigurationError);
  });

  it('stores records in IDEMPOTENCY_TABLE_NAME through the shared DynamoDB client by default', async () => {
    // Prepare
    vi.stubEnv('IDEMPOTENCY_TABLE_NAME', 'order-pipeline-idempotency');
    const send = vi.spyOn(dynamoDbClient(), 'send').mockImplementation(async () => ({}));
    const message = decoded('PaymentRefunded');
    const idempotent = makeEventProcessorIdempotent('loyalty', async () => 'credited');

    // Act
    const result = await idempotent(message);

    // Assess
    expect(result).toBe('credited');
    const put = send.mock.calls
      .map(([command]) => command)
      .find((command) => command instanceof PutItemCommand);
    expect(put?.input).toMatchObject({
      TableName: 'order-pipeline-idempotency',
      Item: { id: { S: keyOf('loyalty', message.envelope.eventId) }, status: { S: 'INPROGRESS' } },
    });
  });

  it('needs IDEMPOTENCY_TABLE_NAME without an explicit store', () => {
    // Act
    const make = () => makeEventProcessorIdempotent('loyalty', async () => undefined);

    // Assess
    expect(make).toThrow(MissingConfigurationError);
  });
});
