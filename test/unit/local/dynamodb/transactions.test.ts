/** TransactWriteItems limits of the DynamoDB server that analytics' batch writes rely on. */
import {
  CreateTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDynamoDbServer, startDynamoDbServer } from '../../../../local/dynamodb/server';
import { localDynamoDbClient } from '../../../../local/infra/aws-clients';

const TABLE = 'Aggregates';
let server: RunningDynamoDbServer;
let client: DynamoDBClient;

/** A Put of an item of exactly `bytes` as DynamoDB sizes it ("pk" + id + "data" + filler). */
function putOf(id: string, bytes: number): TransactWriteItem {
  const filler = bytes - 'pk'.length - id.length - 'data'.length;
  return { Put: { TableName: TABLE, Item: { pk: { S: id }, data: { S: 'x'.repeat(filler) } } } };
}

beforeAll(async () => {
  server = await startDynamoDbServer({ port: 0 });
  client = localDynamoDbClient(server.endpoint);
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

describe('TransactWriteItems on the DynamoDB server', () => {
  it('accepts items of 4 MB in all and refuses a transaction whose items pass it, writing nothing', async () => {
    // Prepare: ten items of 400 KB are 4,096,000 bytes; one more passes 4 MB (4,194,304 bytes)
    const tenFull = Array.from({ length: 10 }, (_, i) => putOf(`full-${i}`, 400 * 1024));
    const tooLarge = Array.from({ length: 11 }, (_, i) => putOf(`large-${i}`, 400 * 1024));

    // Act
    const accepted = client.send(new TransactWriteItemsCommand({ TransactItems: tenFull }));
    const refused = client.send(new TransactWriteItemsCommand({ TransactItems: tooLarge }));

    // Assess
    await expect(accepted).resolves.toBeDefined();
    await expect(refused).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('cannot be larger than 4 MB'),
    });
    const { Item } = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'large-0' } } }),
    );
    expect(Item).toBeUndefined();
  });

  it('cancels with ConditionalCheckFailed at the index of the failed condition and None for every other action', async () => {
    // Prepare
    await client.send(new TransactWriteItemsCommand({ TransactItems: [putOf('counted', 100)] }));
    const marker = (id: string): TransactWriteItem => ({
      Put: { ...putOf(id, 100).Put!, ConditionExpression: 'attribute_not_exists(pk)' },
    });

    // Act
    const attempt = client.send(
      new TransactWriteItemsCommand({
        TransactItems: [marker('new-1'), marker('counted'), marker('new-2')],
      }),
    );

    // Assess
    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'None',
      'ConditionalCheckFailed',
      'None',
    ]);
  });
});
