import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyedTable, failureOf, startTestServer, type TestServer } from './dynamodb-fixture';

const TABLE = 'inventory';
const LEDGER = 'ledger';

describe('DynamoDB-compatible server: items', () => {
  let local: TestServer;

  beforeAll(async () => {
    local = await startTestServer();
    await createKeyedTable(local.client, TABLE, 'pk');
    await createKeyedTable(local.client, LEDGER, 'customerId', 'entryId');
  });

  afterAll(async () => {
    await local.close();
  });

  it('stores every attribute type and returns numbers in canonical form', async () => {
    // Prepare
    const item = {
      pk: { S: 'TYPES' },
      number: { N: '001.50' },
      binary: { B: Buffer.from([0, 255, 7]) },
      yes: { BOOL: true },
      nothing: { NULL: true },
      map: { M: { nested: { L: [{ S: 'a' }, { N: '1e2' }] } } },
      strings: { SS: ['b', 'a'] },
      numbers: { NS: ['2', '10.0'] },
      binaries: { BS: [Buffer.from('x')] },
    };

    // Act
    await local.client.send(new PutItemCommand({ TableName: TABLE, Item: item }));
    const { Item } = await local.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'TYPES' } } }),
    );

    // Assess
    expect(Item).toEqual({
      ...item,
      number: { N: '1.5' },
      binary: { B: new Uint8Array([0, 255, 7]) },
      map: { M: { nested: { L: [{ S: 'a' }, { N: '100' }] } } },
      numbers: { NS: ['2', '10'] },
      binaries: { BS: [new Uint8Array(Buffer.from('x'))] },
    });
  });

  it('puts once with attribute_not_exists and reports the stored item only when asked (ALL_OLD)', async () => {
    // Prepare
    const put = (marker: string, returnOld: boolean): PutItemCommandInput => ({
      TableName: TABLE,
      Item: { pk: { S: 'ORDER#1' }, marker: { S: marker } },
      ConditionExpression: 'attribute_not_exists(pk)',
      ...(returnOld ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
    });
    await local.client.send(new PutItemCommand(put('first', false)));

    // Act
    const withOld = await failureOf(local.client.send(new PutItemCommand(put('second', true))));
    const withoutOld = await failureOf(local.client.send(new PutItemCommand(put('third', false))));

    // Assess
    expect(withOld).toBeInstanceOf(ConditionalCheckFailedException);
    expect(withOld).toMatchObject({
      message: 'The conditional request failed',
      Item: { pk: { S: 'ORDER#1' }, marker: { S: 'first' } },
    });
    expect(withoutOld).toBeInstanceOf(ConditionalCheckFailedException);
    expect((withoutOld as ConditionalCheckFailedException).Item).toBeUndefined();
  });

  it('lets the same message claim again and refuses another one (attribute_not_exists OR =)', async () => {
    // Prepare
    const claim = (messageId: string) =>
      local.documents.send(
        new PutCommand({
          TableName: TABLE,
          Item: { pk: 'EMAIL#1', messageId },
          ConditionExpression: 'attribute_not_exists(pk) OR messageId = :messageId',
          ExpressionAttributeValues: { ':messageId': messageId },
        }),
      );
    await claim('m-1');

    // Act
    const sameMessage = await failureOf(claim('m-1'));
    const otherMessage = await failureOf(claim('m-2'));

    // Assess
    expect(sameMessage).toBeUndefined();
    expect(otherMessage).toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('decrements stock only while enough is available', async () => {
    // Prepare
    await local.documents.send(new PutCommand({ TableName: TABLE, Item: { pk: 'SKU#1', available: 3 } }));
    const take = (quantity: number) =>
      local.documents.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: 'SKU#1' },
          UpdateExpression: 'SET available = available - :quantity',
          ConditionExpression: 'attribute_exists(pk) AND available >= :quantity',
          ExpressionAttributeValues: { ':quantity': quantity },
          ReturnValues: 'UPDATED_NEW',
        }),
      );

    // Act
    const taken = await take(2);
    const refused = await failureOf(take(2));
    const unknownSku = await failureOf(
      local.documents.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: 'SKU#404' },
          UpdateExpression: 'SET available = available - :quantity',
          ConditionExpression: 'attribute_exists(pk) AND available >= :quantity',
          ExpressionAttributeValues: { ':quantity': 1 },
        }),
      ),
    );
    const { Item } = await local.documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'SKU#1' } }));

    // Assess
    expect(taken.Attributes).toEqual({ available: 1 });
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect(unknownSku).toBeInstanceOf(ConditionalCheckFailedException);
    expect(Item).toEqual({ pk: 'SKU#1', available: 1 });
  });

  it('creates an item with ADD and sums decimals exactly', async () => {
    // Prepare
    const add = (points: number) =>
      local.documents.send(
        new UpdateCommand({
          TableName: LEDGER,
          Key: { customerId: 'c-1', entryId: 'BALANCE' },
          UpdateExpression: 'ADD points :points SET updatedAt = :at',
          ExpressionAttributeValues: { ':points': points, ':at': '2024-01-01T00:00:00Z' },
          ReturnValues: 'ALL_NEW',
        }),
      );

    // Act
    await add(0.1);
    await add(0.1);
    const third = await add(0.1);

    // Assess
    expect(third.Attributes).toEqual({
      customerId: 'c-1',
      entryId: 'BALANCE',
      points: 0.3,
      updatedAt: '2024-01-01T00:00:00Z',
    });
  });

  it('keeps the first value with if_not_exists and returns what each ReturnValues asks for', async () => {
    // Prepare
    const mark = (at: string, returnValues: 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW') =>
      local.documents.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: 'SHIPMENT#1' },
          UpdateExpression:
            'SET publishedAt = if_not_exists(publishedAt, :at), attempts = if_not_exists(attempts, :zero) + :one',
          ExpressionAttributeValues: { ':at': at, ':zero': 0, ':one': 1 },
          ReturnValues: returnValues,
        }),
      );

    // Act
    const first = await mark('t1', 'ALL_OLD');
    const second = await mark('t2', 'UPDATED_OLD');
    const third = await mark('t3', 'ALL_NEW');

    // Assess
    expect(first.Attributes).toBeUndefined();
    expect(second.Attributes).toEqual({ publishedAt: 't1', attempts: 1 });
    expect(third.Attributes).toEqual({ pk: 'SHIPMENT#1', publishedAt: 't1', attempts: 3 });
  });

  it('reads parts of an item with a ProjectionExpression and deletes conditionally', async () => {
    // Prepare
    await local.documents.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          pk: 'ORDER#2',
          status: 'PLACED',
          shippingAddress: { city: 'Lyon', lines: ['1 rue'] },
          total: 12,
        },
      }),
    );

    // Act
    const projected = await local.documents.send(
      new GetCommand({
        TableName: TABLE,
        Key: { pk: 'ORDER#2' },
        ProjectionExpression: 'shippingAddress.city, #total',
        ExpressionAttributeNames: { '#total': 'total' },
      }),
    );
    const refused = await failureOf(
      local.documents.send(
        new DeleteCommand({
          TableName: TABLE,
          Key: { pk: 'ORDER#2' },
          ConditionExpression: '#status = :shipped',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':shipped': 'SHIPPED' },
        }),
      ),
    );
    const deleted = await local.documents.send(
      new DeleteCommand({ TableName: TABLE, Key: { pk: 'ORDER#2' }, ReturnValues: 'ALL_OLD' }),
    );
    const absent = await local.documents.send(new GetCommand({ TableName: TABLE, Key: { pk: 'ORDER#2' } }));

    // Assess
    expect(projected.Item).toEqual({ shippingAddress: { city: 'Lyon' }, total: 12 });
    expect(refused).toBeInstanceOf(ConditionalCheckFailedException);
    expect(deleted.Attributes?.status).toBe('PLACED');
    expect(absent.Item).toBeUndefined();
  });

  it('accepts an item of exactly 400 KB and refuses one byte more', async () => {
    // Prepare: "pk" + "SIZE" + "payload" + its value.
    const payloadBytes = 400 * 1024 - ('pk'.length + 'SIZE'.length + 'payload'.length);
    const put = (bytes: number) =>
      local.documents.send(
        new PutCommand({ TableName: TABLE, Item: { pk: 'SIZE', payload: 'x'.repeat(bytes) } }),
      );

    // Act
    const atLimit = await failureOf(put(payloadBytes));
    const overLimit = await failureOf(put(payloadBytes + 1));

    // Assess
    expect(atLimit).toBeUndefined();
    expect(overLimit).toMatchObject({
      name: 'ValidationException',
      message: 'Item size has exceeded the maximum allowed size',
    });
  });

  it.each([
    ['a key of the wrong type', { TableName: TABLE, Item: { pk: { N: '1' } } }, 'Type mismatch for key pk'],
    [
      'an empty string key',
      { TableName: TABLE, Item: { pk: { S: '' } } },
      'cannot contain an empty string value',
    ],
    ['an item without its key', { TableName: TABLE, Item: { other: { S: 'x' } } }, 'Missing the key pk'],
    ['an empty set', { TableName: TABLE, Item: { pk: { S: 'x' }, tags: { SS: [] } } }, 'may not be empty'],
    [
      'a bare reserved word',
      { TableName: TABLE, Item: { pk: { S: 'x' } }, ConditionExpression: 'attribute_not_exists(name)' },
      'reserved keyword: name',
    ],
    [
      'an unused expression attribute value',
      {
        TableName: TABLE,
        Item: { pk: { S: 'x' } },
        ConditionExpression: 'attribute_not_exists(pk)',
        ExpressionAttributeValues: { ':unused': { S: 'x' } },
      },
      'unused in expressions: keys: {:unused}',
    ],
    [
      'the legacy Expected parameter',
      { TableName: TABLE, Item: { pk: { S: 'x' } }, Expected: { pk: { Exists: false } } },
      'legacy parameter Expected',
    ],
    [
      'ReturnValues a PutItem cannot give',
      { TableName: TABLE, Item: { pk: { S: 'x' } }, ReturnValues: 'ALL_NEW' },
      'returnValues',
    ],
  ] as const)('refuses %s with a ValidationException', async (_, input, message) => {
    // Act
    const put = await failureOf(local.client.send(new PutItemCommand(input as PutItemCommandInput)));

    // Assess
    expect(put).toMatchObject({ name: 'ValidationException', message: expect.stringContaining(message) });
  });

  it.each([
    [
      'an update of a key attribute',
      'SET pk = :v',
      'Cannot update attribute pk. This attribute is part of the key',
    ],
    ['two actions on overlapping paths', 'SET a = :v, a.b = :v', 'Two document paths overlap'],
    ['arithmetic on a string', 'SET a = :v + :v', 'operand type: S'],
  ])('refuses %s', async (_, expression, message) => {
    // Act
    const update = await failureOf(
      local.documents.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: 'UPDATE' },
          UpdateExpression: expression,
          ExpressionAttributeValues: { ':v': 'x' },
        }),
      ),
    );

    // Assess
    expect(update).toMatchObject({ name: 'ValidationException', message: expect.stringContaining(message) });
  });
});
