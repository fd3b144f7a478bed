import { randomUUID } from 'node:crypto';
import {
  IdempotentParameterMismatchException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyedTable, failureOf, sdkClient, startTestServer, type TestServer } from './dynamodb-fixture';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const STOCK = 'stock';
const PAYMENTS = 'payments';

describe('DynamoDB-compatible server: batches and transactions', () => {
  let local: TestServer;

  const stockOf = async (pk: string) =>
    (await local.documents.send(new GetCommand({ TableName: STOCK, Key: { pk } }))).Item;

  beforeAll(async () => {
    local = await startTestServer();
    await createKeyedTable(local.client, STOCK, 'pk');
    await createKeyedTable(local.client, PAYMENTS, 'pk', 'entry');
  });

  afterAll(async () => {
    await local.close();
  });

  it('writes and reads batches across tables, with nothing left unprocessed', async () => {
    // Prepare
    await local.documents.send(new PutCommand({ TableName: STOCK, Item: { pk: 'SKU#old' } }));

    // Act
    const written = await local.documents.send(
      new BatchWriteCommand({
        RequestItems: {
          [STOCK]: [
            { PutRequest: { Item: { pk: 'SKU#a', sku: 'a', price: 100, currency: 'EUR' } } },
            { PutRequest: { Item: { pk: 'SKU#b', sku: 'b', price: 250, currency: 'EUR' } } },
            { DeleteRequest: { Key: { pk: 'SKU#old' } } },
          ],
          [PAYMENTS]: [{ PutRequest: { Item: { pk: 'o-1', entry: 'CHARGE', amount: 350 } } }],
        },
      }),
    );
    const read = await local.documents.send(
      new BatchGetCommand({
        RequestItems: {
          [STOCK]: {
            Keys: [{ pk: 'SKU#a' }, { pk: 'SKU#b' }, { pk: 'SKU#old' }],
            ProjectionExpression: 'sku, price, currency',
          },
          [PAYMENTS]: { Keys: [{ pk: 'o-1', entry: 'CHARGE' }] },
        },
      }),
    );

    // Assess
    expect(written.UnprocessedItems).toEqual({});
    expect(read.UnprocessedKeys).toEqual({});
    expect(read.Responses?.[STOCK]).toEqual(
      expect.arrayContaining([
        { sku: 'a', price: 100, currency: 'EUR' },
        { sku: 'b', price: 250, currency: 'EUR' },
      ]),
    );
    expect(read.Responses?.[STOCK]).toHaveLength(2);
    expect(read.Responses?.[PAYMENTS]).toEqual([{ pk: 'o-1', entry: 'CHARGE', amount: 350 }]);
  });

  it.each([
    [
      '26 writes',
      { [STOCK]: Array.from({ length: 26 }, (_, i) => ({ PutRequest: { Item: { pk: `n${i}` } } })) },
      'less than or equal to 25',
    ],
    [
      'two writes of one key',
      { [STOCK]: [{ PutRequest: { Item: { pk: 'dup' } } }, { DeleteRequest: { Key: { pk: 'dup' } } }] },
      'Provided list of item keys contains duplicates',
    ],
  ])('refuses a batch of %s', async (_, requestItems, message) => {
    // Act
    const batch = await failureOf(
      local.documents.send(new BatchWriteCommand({ RequestItems: requestItems })),
    );

    // Assess
    expect(batch).toMatchObject({ name: 'ValidationException', message: expect.stringContaining(message) });
  });

  it('refuses a BatchGetItem of more than 100 keys', async () => {
    // Act
    const batch = await failureOf(
      local.documents.send(
        new BatchGetCommand({
          RequestItems: { [STOCK]: { Keys: Array.from({ length: 101 }, (_, i) => ({ pk: `k${i}` })) } },
        }),
      ),
    );

    // Assess
    expect(batch).toMatchObject({ name: 'ValidationException' });
  });

  it('applies Put, Update, Delete and ConditionCheck together', async () => {
    // Prepare
    await local.documents.send(new PutCommand({ TableName: STOCK, Item: { pk: 'SKU#t1', available: 5 } }));
    await local.documents.send(new PutCommand({ TableName: STOCK, Item: { pk: 'SKU#gone' } }));

    // Act
    await local.documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: STOCK,
              Item: { pk: 'RESERVATION#1', status: 'RESERVED' },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: STOCK,
              Key: { pk: 'SKU#t1' },
              UpdateExpression: 'SET available = available - :q',
              ConditionExpression: 'available >= :q',
              ExpressionAttributeValues: { ':q': 2 },
            },
          },
          { Delete: { TableName: STOCK, Key: { pk: 'SKU#gone' } } },
          {
            ConditionCheck: {
              TableName: PAYMENTS,
              Key: { pk: 'o-1', entry: 'VOID' },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );

    // Assess
    expect(await stockOf('RESERVATION#1')).toEqual({ pk: 'RESERVATION#1', status: 'RESERVED' });
    expect((await stockOf('SKU#t1'))?.available).toBe(3);
    expect(await stockOf('SKU#gone')).toBeUndefined();
  });

  it('cancels the whole transaction with one reason per action, the stored item when asked', async () => {
    // Prepare
    await local.documents.send(new PutCommand({ TableName: STOCK, Item: { pk: 'SKU#t2', available: 1 } }));

    // Act
    const cancelled = await failureOf(
      local.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: STOCK,
                Item: { pk: { S: 'RESERVATION#2' } },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: STOCK,
                Key: { pk: { S: 'SKU#t2' } },
                UpdateExpression: 'SET available = available - :q',
                ConditionExpression: 'available >= :q',
                ExpressionAttributeValues: { ':q': { N: '2' } },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      ),
    );

    // Assess
    expect(cancelled).toBeInstanceOf(TransactionCanceledException);
    expect((cancelled as Error).message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
    );
    expect((cancelled as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        Item: { pk: { S: 'SKU#t2' }, available: { N: '1' } },
      },
    ]);
    expect(await stockOf('RESERVATION#2')).toBeUndefined();
  });

  it('reports an update that fails on the stored item as a ValidationError reason', async () => {
    // Prepare
    await local.documents.send(
      new PutCommand({ TableName: STOCK, Item: { pk: 'SKU#text', available: 'many' } }),
    );

    // Act
    const cancelled = await failureOf(
      local.documents.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: STOCK, Item: { pk: 'RESERVATION#3' } } },
            {
              Update: {
                TableName: STOCK,
                Key: { pk: 'SKU#text' },
                UpdateExpression: 'SET available = available - :q',
                ExpressionAttributeValues: { ':q': 1 },
              },
            },
          ],
        }),
      ),
    );

    // Assess
    expect((cancelled as TransactionCanceledException).CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'ValidationError', Message: 'An operand in the update expression has an incorrect data type' },
    ]);
    expect(await stockOf('RESERVATION#3')).toBeUndefined();
  });

  it.each([
    [
      '101 actions',
      Array.from({ length: 101 }, (_, i) => ({ Put: { TableName: STOCK, Item: { pk: `t${i}` } } })),
      'less than or equal to 100',
    ],
    [
      'two actions on one item',
      [
        { Put: { TableName: STOCK, Item: { pk: 'same' } } },
        {
          ConditionCheck: {
            TableName: STOCK,
            Key: { pk: 'same' },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
      'Transaction request cannot include multiple operations on one item',
    ],
  ])('refuses a transaction of %s', async (_, items, message) => {
    // Act
    const transaction = await failureOf(
      local.documents.send(new TransactWriteCommand({ TransactItems: items as TransactItem[] })),
    );

    // Assess
    expect(transaction).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining(message),
    });
  });

  it('accepts 100 actions in one transaction', async () => {
    // Act
    await local.documents.send(
      new TransactWriteCommand({
        TransactItems: Array.from({ length: 100 }, (_, i) => ({
          Put: { TableName: STOCK, Item: { pk: `hundred-${i}` } },
        })),
      }),
    );

    // Assess
    expect(await stockOf('hundred-99')).toEqual({ pk: 'hundred-99' });
  });

  it('applies a ClientRequestToken once within its lifetime and refuses it for another transaction', async () => {
    // Prepare
    const token = randomUUID();
    const increment = (amount: number) =>
      new TransactWriteCommand({
        ClientRequestToken: token,
        TransactItems: [
          {
            Update: {
              TableName: STOCK,
              Key: { pk: 'COUNTER' },
              UpdateExpression: 'ADD hits :n',
              ExpressionAttributeValues: { ':n': amount },
            },
          },
        ],
      });

    // Act
    await local.documents.send(increment(1));
    await local.documents.send(increment(1));
    const mismatch = await failureOf(local.documents.send(increment(2)));

    // Assess
    expect((await stockOf('COUNTER'))?.hits).toBe(1);
    expect(mismatch).toBeInstanceOf(IdempotentParameterMismatchException);
  });

  it('reads a consistent set of items with TransactGetItems, in request order', async () => {
    // Act
    const { Responses } = await local.documents.send(
      new TransactGetCommand({
        TransactItems: [
          { Get: { TableName: STOCK, Key: { pk: 'SKU#t1' }, ProjectionExpression: 'available' } },
          { Get: { TableName: STOCK, Key: { pk: 'nothing-here' } } },
          { Get: { TableName: PAYMENTS, Key: { pk: 'o-1', entry: 'CHARGE' } } },
        ],
      }),
    );

    // Assess
    expect(Responses).toEqual([
      { Item: { available: 3 } },
      {},
      { Item: { pk: 'o-1', entry: 'CHARGE', amount: 350 } },
    ]);
  });

  it('keeps stock exact under 8 concurrent clients moving it between items with conditions', async () => {
    // Prepare
    const skus = ['w1', 'w2', 'w3', 'w4', 'w5'];
    const initial = 20;
    for (const pk of skus)
      await local.documents.send(new PutCommand({ TableName: STOCK, Item: { pk, available: initial } }));
    const clients = Array.from({ length: 8 }, () =>
      DynamoDBDocumentClient.from(sdkClient(local.server.endpoint)),
    );
    let cancelled = 0;

    // Act: every move is recorded in the same transaction, so records and stock must agree exactly.
    await Promise.all(
      clients.map(async (client, clientIndex) => {
        for (let move = 0; move < 40; move += 1) {
          const from = skus[(clientIndex + move) % skus.length]!;
          const to = skus[(clientIndex * 3 + move * 7 + 1) % skus.length]!;
          if (from === to) continue;
          const quantity = 1 + ((clientIndex + move) % 7);
          const error = await failureOf(
            client.send(
              new TransactWriteCommand({
                TransactItems: [
                  {
                    Update: {
                      TableName: STOCK,
                      Key: { pk: from },
                      UpdateExpression: 'SET available = available - :q',
                      ConditionExpression: 'available >= :q',
                      ExpressionAttributeValues: { ':q': quantity },
                    },
                  },
                  {
                    Update: {
                      TableName: STOCK,
                      Key: { pk: to },
                      UpdateExpression: 'ADD available :q',
                      ExpressionAttributeValues: { ':q': quantity },
                    },
                  },
                  {
                    Put: {
                      TableName: PAYMENTS,
                      Item: { pk: 'MOVE', entry: randomUUID(), from, to, quantity },
                      ConditionExpression: 'attribute_not_exists(pk)',
                    },
                  },
                ],
              }),
            ),
          );
          if (error instanceof TransactionCanceledException) cancelled += 1;
          else if (error !== undefined) throw error;
        }
      }),
    );
    for (const client of clients) client.destroy();

    // Assess
    const { Items: stock = [] } = await local.documents.send(
      new ScanCommand({
        TableName: STOCK,
        FilterExpression: 'begins_with(pk, :w)',
        ExpressionAttributeValues: { ':w': 'w' },
      }),
    );
    const { Items: moves = [] } = await local.documents.send(
      new ScanCommand({
        TableName: PAYMENTS,
        FilterExpression: 'pk = :move',
        ExpressionAttributeValues: { ':move': 'MOVE' },
      }),
    );
    const expected = new Map(skus.map((sku) => [sku, initial]));
    for (const { from, to, quantity } of moves) {
      expected.set(from, expected.get(from)! - quantity);
      expected.set(to, expected.get(to)! + quantity);
    }
    expect(stock.reduce((sum, item) => sum + item.available, 0)).toBe(skus.length * initial);
    expect(Object.fromEntries(stock.map((item) => [item.pk, item.available]))).toEqual(
      Object.fromEntries(expected),
    );
    expect(stock.every((item) => item.available >= 0)).toBe(true);
    expect(moves.length).toBeGreaterThan(0);
    expect(cancelled).toBeGreaterThan(0);
  });
});
