import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyedTable, failureOf, startTestServer, type TestServer } from './dynamodb-fixture';

const TABLE = 'idempotency';

describe('DynamoDB-compatible server: Powertools idempotency (DynamoDBPersistenceLayer)', () => {
  let local: TestServer;
  const commands: string[] = [];

  beforeAll(async () => {
    local = await startTestServer();
    local.client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'commandRecorder' },
    );
    await createKeyedTable(local.client, TABLE, 'id');
    await local.client.send(
      new UpdateTimeToLiveCommand({
        TableName: TABLE,
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      }),
    );
  });

  afterAll(async () => {
    await local.close();
  });

  function idempotent<T>(keyPrefix: string, process: (event: { eventId: string }) => Promise<T>) {
    return makeIdempotent(process, {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName: TABLE, awsSdkV3Client: local.client }),
      config: new IdempotencyConfig({ eventKeyJmesPath: 'eventId', expiresAfterSeconds: 3600 }),
      keyPrefix,
    });
  }

  it('runs once per payload and answers a repeat with the stored result', async () => {
    // Prepare
    let runs = 0;
    const send = idempotent('notification', async (event) => {
      runs += 1;
      return { sent: event.eventId, run: runs };
    });

    // Act
    const first = await send({ eventId: 'e-1' });
    commands.length = 0;
    const repeat = await send({ eventId: 'e-1' });
    const other = await send({ eventId: 'e-2' });

    // Assess
    expect(first).toEqual({ sent: 'e-1', run: 1 });
    expect(repeat).toEqual(first);
    expect(other).toEqual({ sent: 'e-2', run: 2 });
    expect(runs).toBe(2);
    // The repeat was answered from the conditional put's ALL_OLD item, without a GetItem.
    expect(commands.slice(0, 1)).toEqual(['PutItemCommand']);
    expect(commands).not.toContain('GetItemCommand');
  });

  it('refuses a concurrent call with the same payload while the first is in progress', async () => {
    // Prepare
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const charge = idempotent('payment', async (event) => {
      await gate;
      return { charged: event.eventId };
    });

    // Act
    const first = charge({ eventId: 'e-3' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const concurrent = await failureOf(charge({ eventId: 'e-3' }));
    release();

    // Assess
    expect(concurrent).toBeInstanceOf(IdempotencyAlreadyInProgressError);
    expect(await first).toEqual({ charged: 'e-3' });
    expect(await charge({ eventId: 'e-3' })).toEqual({ charged: 'e-3' });
  });
});
