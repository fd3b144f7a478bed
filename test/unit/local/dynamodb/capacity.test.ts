import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningDynamoDbServer, startDynamoDbServer } from '../../../../local/dynamodb/server';

interface Units {
  readonly readUnits: number;
  readonly writeUnits: number;
}
interface TableReport extends Units {
  readonly requests: Record<string, number>;
  readonly indexes: Record<string, Units>;
  readonly keys: Record<string, Units & { readonly reads: number; readonly writes: number }>;
}
interface Report {
  readonly since: string;
  readonly tables: Record<string, TableReport>;
}

const TABLE = 'Orders';
let server: RunningDynamoDbServer;
let client: DynamoDBClient;

/** An item of exactly `bytes` as DynamoDB sizes it: names plus values ("pk" + id + "data" + filler). */
function itemOf(id: string, bytes: number, extra: Record<string, { S: string }> = {}) {
  const extraBytes = Object.entries(extra).reduce(
    (sum, [name, value]) => sum + name.length + value.S.length,
    0,
  );
  const filler = bytes - 'pk'.length - id.length - 'data'.length - extraBytes;
  return { pk: { S: id }, data: { S: 'x'.repeat(filler) }, ...extra };
}

async function report(): Promise<Report> {
  const response = await fetch(`${server.endpoint}/_local/consumed-capacity`);
  return (await response.json()) as Report;
}

async function orders(): Promise<TableReport> {
  return (await report()).tables[TABLE]!;
}

beforeAll(async () => {
  server = await startDynamoDbServer({ port: 0 });
  client = new DynamoDBClient({
    endpoint: server.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

beforeEach(async () => {
  await fetch(`${server.endpoint}/_local/consumed-capacity/reset`, { method: 'POST' });
});

describe('write units', () => {
  it('charges a 2.5 KB put 3 WRU, on the table and on its partition key', async () => {
    // Act
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('put-1', 2560) }));

    // Assess
    const usage = await orders();
    expect(usage.writeUnits).toBe(3);
    expect(usage.keys['put-1']).toEqual({ readUnits: 0, writeUnits: 3, reads: 0, writes: 1 });
    expect(usage.requests).toEqual({ PutItem: 1 });
  });

  it('counts the writes that touched each item, so a counter every order writes shows as shared', async () => {
    // Act
    for (let i = 0; i < 3; i++) {
      await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('counter-1', 100) }));
    }

    // Assess
    expect((await orders()).keys['counter-1']).toEqual({ readUnits: 0, writeUnits: 3, reads: 0, writes: 3 });
  });

  it('charges the same put in a transaction twice: 6 WRU', async () => {
    // Act
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: TABLE, Item: itemOf('tx-1', 2560) } }],
      }),
    );

    // Assess
    const usage = await orders();
    expect(usage.writeUnits).toBe(6);
    expect(usage.requests).toEqual({ TransactWriteItems: 1 });
  });

  it('charges a failed condition the existing item size, 3 WRU for 2.5 KB', async () => {
    // Prepare
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('cond-1', 2560) }));
    await fetch(`${server.endpoint}/_local/consumed-capacity/reset`, { method: 'POST' });

    // Act
    const put = client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: itemOf('cond-1', 500),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );

    // Assess
    await expect(put).rejects.toThrow('The conditional request failed');
    expect((await orders()).writeUnits).toBe(3);
  });

  it('charges a failed condition on an absent item the minimum 1 WRU', async () => {
    // Act
    const remove = client.send(
      new DeleteItemCommand({
        TableName: TABLE,
        Key: { pk: { S: 'absent' } },
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );

    // Assess
    await expect(remove).rejects.toThrow('The conditional request failed');
    expect((await orders()).writeUnits).toBe(1);
  });

  it('charges a replacing put the larger of the before and after images', async () => {
    // Prepare
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('replace-1', 2560) }));

    // Act
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('replace-1', 500) }));

    // Assess
    expect((await orders()).writeUnits).toBe(3 + 3);
  });

  it('charges a delete the deleted item size', async () => {
    // Prepare
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('delete-1', 4000) }));

    // Act
    await client.send(new DeleteItemCommand({ TableName: TABLE, Key: { pk: { S: 'delete-1' } } }));

    // Assess
    expect((await orders()).keys['delete-1']!.writeUnits).toBe(4 + 4);
  });

  it('charges each put of a BatchWriteItem as its own PutItem', async () => {
    // Act
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TABLE]: [
            { PutRequest: { Item: itemOf('batch-1', 1500) } },
            { PutRequest: { Item: itemOf('batch-2', 100) } },
          ],
        },
      }),
    );

    // Assess
    const usage = await orders();
    expect(usage.writeUnits).toBe(2 + 1);
    expect(usage.requests).toEqual({ BatchWriteItem: 1 });
  });

  it('charges a ConditionCheck as a transactional write of the checked item', async () => {
    // Prepare
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('check-1', 1500) }));
    await fetch(`${server.endpoint}/_local/consumed-capacity/reset`, { method: 'POST' });

    // Act
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: TABLE,
              Key: { pk: { S: 'check-1' } },
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
        ],
      }),
    );

    // Assess
    expect((await orders()).writeUnits).toBe(4);
  });
});

describe('global secondary index write units', () => {
  it('charges an index put its projected size, and a changed index key a delete plus a put', async () => {
    // Prepare
    const item = itemOf('gsi-1', 1500, { status: { S: 'NEW' } });

    // Act
    await client.send(new PutItemCommand({ TableName: TABLE, Item: item }));
    const afterPut = (await orders()).indexes.byStatus;
    await client.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { pk: { S: 'gsi-1' } },
        UpdateExpression: 'SET #status = :paid',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':paid': { S: 'PAI' } },
      }),
    );

    // Assess
    expect(afterPut).toEqual({ readUnits: 0, writeUnits: 2 });
    expect((await orders()).indexes.byStatus).toEqual({ readUnits: 0, writeUnits: 2 + 2 + 2 });
  });

  it('charges no index units for an item without the index key', async () => {
    // Act
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('gsi-none', 1500) }));

    // Assess
    expect((await orders()).indexes).toEqual({});
  });
});

describe('read units', () => {
  beforeAll(async () => {
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('read-9k', 9 * 1024) }));
  });

  it('charges a 9 KB strongly consistent get 3 RRU', async () => {
    // Act
    await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'read-9k' } }, ConsistentRead: true }),
    );

    // Assess
    const usage = await orders();
    expect(usage.readUnits).toBe(3);
    expect(usage.keys['read-9k']).toEqual({ readUnits: 3, writeUnits: 0, reads: 1, writes: 0 });
  });

  it('charges a 9 KB eventually consistent get 1.5 RRU', async () => {
    // Act
    await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'read-9k' } } }));

    // Assess
    expect((await orders()).readUnits).toBe(1.5);
  });

  it('charges a get that finds nothing the minimum 0.5 RRU', async () => {
    // Act
    await client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'nothing' } } }));

    // Assess
    expect((await orders()).readUnits).toBe(0.5);
  });

  it('charges a transactional get twice a strongly consistent one: 6 RRU for 9 KB', async () => {
    // Act
    await client.send(
      new TransactGetItemsCommand({
        TransactItems: [{ Get: { TableName: TABLE, Key: { pk: { S: 'read-9k' } } } }],
      }),
    );

    // Assess
    expect((await orders()).readUnits).toBe(6);
  });

  it('rounds each item of a BatchGetItem up to 4 KB: 1.5 KB and 6.5 KB cost 3 RRU', async () => {
    // Prepare
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('batch-small', 1536) }));
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('batch-large', 6656) }));

    // Act
    await client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [TABLE]: {
            Keys: [{ pk: { S: 'batch-small' } }, { pk: { S: 'batch-large' } }],
            ConsistentRead: true,
          },
        },
      }),
    );

    // Assess
    expect((await orders()).readUnits).toBe(1 + 2);
  });
});

describe('query read units', () => {
  const QUERY_TABLE = 'OrderLines';

  beforeAll(async () => {
    await client.send(
      new CreateTableCommand({
        TableName: QUERY_TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'line', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'line', KeyType: 'RANGE' },
        ],
      }),
    );
    for (const line of ['1', '2', '3']) {
      // 1.5 KB each: 4.5 KB in all.
      await client.send(
        new PutItemCommand({
          TableName: QUERY_TABLE,
          Item: { ...itemOf('order-1', 1536 - 5), line: { S: line } },
        }),
      );
    }
  });

  it('charges the total size of the items read, rounded up once: 4.5 KB strongly consistent is 2 RRU', async () => {
    // Act
    await client.send(
      new QueryCommand({
        TableName: QUERY_TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'order-1' } },
        ConsistentRead: true,
      }),
    );

    // Assess
    const usage = (await report()).tables[QUERY_TABLE]!;
    expect(usage.readUnits).toBe(2);
    expect(usage.keys['order-1']).toEqual({ readUnits: 2, writeUnits: 0, reads: 1, writes: 0 });
  });

  it('charges the items evaluated before the filter: 1 RRU eventually consistent though none match', async () => {
    // Act
    const result = await client.send(
      new QueryCommand({
        TableName: QUERY_TABLE,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'line = :none',
        ExpressionAttributeValues: { ':pk': { S: 'order-1' }, ':none': { S: 'none' } },
      }),
    );

    // Assess
    expect(result.Count).toBe(0);
    expect((await report()).tables[QUERY_TABLE]!.readUnits).toBe(1);
  });

  it('charges a Query on a global secondary index to the index, eventually consistent', async () => {
    // Prepare
    await client.send(
      new PutItemCommand({ TableName: TABLE, Item: itemOf('gsi-read', 9 * 1024, { status: { S: 'HOT' } }) }),
    );
    await fetch(`${server.endpoint}/_local/consumed-capacity/reset`, { method: 'POST' });

    // Act
    await client.send(
      new QueryCommand({
        TableName: TABLE,
        IndexName: 'byStatus',
        KeyConditionExpression: '#status = :hot',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':hot': { S: 'HOT' } },
      }),
    );

    // Assess
    const usage = await orders();
    expect(usage.indexes.byStatus).toEqual({ readUnits: 1.5, writeUnits: 0 });
    expect(usage.readUnits).toBe(0);
    expect(usage.keys).toEqual({});
  });
});

describe('the consumed-capacity endpoint', () => {
  it('zeroes everything on reset and moves since', async () => {
    // Prepare
    await client.send(new PutItemCommand({ TableName: TABLE, Item: itemOf('reset-1', 100) }));
    const before = await report();

    // Act
    const response = await fetch(`${server.endpoint}/_local/consumed-capacity/reset`, { method: 'POST' });

    // Assess
    expect(response.status).toBe(204);
    const after = await report();
    expect(before.tables[TABLE]!.writeUnits).toBe(1);
    expect(after.tables).toEqual({});
    expect(Date.parse(after.since)).toBeGreaterThanOrEqual(Date.parse(before.since));
  });
});
