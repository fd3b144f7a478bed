import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyedTable, failureOf, startTestServer, type TestServer } from './dynamodb-fixture';

type Row = Record<string, unknown>;

describe('DynamoDB-compatible server: Query and Scan', () => {
  let local: TestServer;

  async function allPages(
    input: QueryCommandInput,
    kind: 'query',
  ): Promise<{ pages: Row[][]; counts: number[] }>;
  async function allPages(
    input: ScanCommandInput,
    kind: 'scan',
  ): Promise<{ pages: Row[][]; counts: number[] }>;
  async function allPages(input: QueryCommandInput | ScanCommandInput, kind: 'query' | 'scan') {
    const pages: Row[][] = [];
    const counts: number[] = [];
    let startKey: Row | undefined;
    do {
      const page =
        kind === 'query'
          ? await local.documents.send(
              new QueryCommand({ ...(input as QueryCommandInput), ExclusiveStartKey: startKey }),
            )
          : await local.documents.send(
              new ScanCommand({ ...(input as ScanCommandInput), ExclusiveStartKey: startKey }),
            );
      pages.push(page.Items ?? []);
      counts.push(page.ScannedCount ?? 0);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { pages, counts };
  }

  beforeAll(async () => {
    local = await startTestServer();
    await local.client.send(
      new CreateTableCommand({
        TableName: 'events',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'N' },
          { AttributeName: 'customerId', AttributeType: 'S' },
          { AttributeName: 'createdAt', AttributeType: 'S' },
          { AttributeName: 'state', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byCustomer',
            KeySchema: [
              { AttributeName: 'customerId', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: 'byState',
            KeySchema: [{ AttributeName: 'state', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      }),
    );
    await createKeyedTable(local.client, 'loyalty', 'customerId', 'entryId');
    // Ten events of one partition, written out of order, sk 1..10.
    for (const sk of [5, 3, 9, 1, 7, 2, 10, 8, 4, 6]) {
      await local.documents.send(
        new PutCommand({ TableName: 'events', Item: { pk: 'A', sk, even: sk % 2 === 0 } }),
      );
    }
    await local.documents.send(
      new BatchWriteCommand({
        RequestItems: {
          loyalty: ['BALANCE', 'ORDER#1#CREDIT', 'ORDER#1#DEBIT', 'ORDER#10#CREDIT', 'ORDER#2#CREDIT'].map(
            (entryId) => ({ PutRequest: { Item: { customerId: 'c-1', entryId } } }),
          ),
        },
      }),
    );
  });

  afterAll(async () => {
    await local.close();
  });

  it.each([
    ['sk = :a', [4]],
    ['sk < :a', [1, 2, 3]],
    ['sk <= :a', [1, 2, 3, 4]],
    ['sk > :b', [9, 10]],
    ['sk >= :b', [8, 9, 10]],
    ['sk BETWEEN :a AND :b', [4, 5, 6, 7, 8]],
  ])('queries the sort key with %s', async (condition, expected) => {
    // Act
    const { Items } = await local.documents.send(
      new QueryCommand({
        TableName: 'events',
        KeyConditionExpression: `pk = :pk AND ${condition}`,
        ExpressionAttributeValues: {
          ':pk': 'A',
          ...(condition.includes(':a') ? { ':a': 4 } : {}),
          ...(condition.includes(':b') ? { ':b': 8 } : {}),
        },
      }),
    );

    // Assess
    expect(Items?.map((item) => item.sk)).toEqual(expected);
  });

  it('queries with begins_with on a string sort key (the loyalty ledger of one order)', async () => {
    // Act
    const { Items } = await local.documents.send(
      new QueryCommand({
        TableName: 'loyalty',
        KeyConditionExpression: 'customerId = :customerId AND begins_with(entryId, :prefix)',
        ExpressionAttributeValues: { ':customerId': 'c-1', ':prefix': 'ORDER#1#' },
      }),
    );

    // Assess
    expect(Items?.map((item) => item.entryId)).toEqual(['ORDER#1#CREDIT', 'ORDER#1#DEBIT']);
  });

  it('pages backwards with Limit and LastEvaluatedKey, every item exactly once', async () => {
    // Act
    const { pages } = await allPages(
      {
        TableName: 'events',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'A' },
        ScanIndexForward: false,
        Limit: 3,
      },
      'query',
    );

    // Assess
    expect(pages.map((page) => page.map((item) => item.sk))).toEqual([[10, 9, 8], [7, 6, 5], [4, 3, 2], [1]]);
  });

  it('filters after reading, counts with Select COUNT and projects', async () => {
    // Prepare
    const base = { TableName: 'events', KeyConditionExpression: 'pk = :pk', FilterExpression: 'even = :yes' };
    const values = { ':pk': 'A', ':yes': true };

    // Act
    const filtered = await local.documents.send(
      new QueryCommand({ ...base, ExpressionAttributeValues: values, ProjectionExpression: 'sk', Limit: 5 }),
    );
    const counted = await local.documents.send(
      new QueryCommand({ ...base, ExpressionAttributeValues: values, Select: 'COUNT' }),
    );

    // Assess
    expect(filtered).toMatchObject({ Count: 2, ScannedCount: 5, Items: [{ sk: 2 }, { sk: 4 }] });
    expect(filtered.LastEvaluatedKey).toEqual({ pk: 'A', sk: 5 });
    expect(counted.Count).toBe(5);
    expect(counted.Items).toBeUndefined();
  });

  it('keeps a global secondary index sparse and in index order, ties broken by the table key', async () => {
    // Prepare
    const order = (pk: string, createdAt: string | undefined) =>
      local.documents.send(
        new PutCommand({
          TableName: 'events',
          Item: { pk, sk: 0, customerId: createdAt ? 'c-9' : undefined, createdAt },
        }),
      );
    await order('o3', '2024-01-01');
    await order('o1', '2024-01-01');
    await order('o2', '2024-01-02');
    await order('o4', undefined);
    await order('o5', '2024-01-03');
    await local.documents.send(
      new UpdateCommand({
        TableName: 'events',
        Key: { pk: 'o5', sk: 0 },
        UpdateExpression: 'SET createdAt = :earliest',
        ExpressionAttributeValues: { ':earliest': '2023-12-31' },
      }),
    );
    await local.documents.send(new DeleteCommand({ TableName: 'events', Key: { pk: 'o2', sk: 0 } }));

    // Act
    const { pages } = await allPages(
      {
        TableName: 'events',
        IndexName: 'byCustomer',
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': 'c-9' },
        Limit: 2,
      },
      'query',
    );

    // Assess
    expect(pages.flat().map((item) => item.pk)).toEqual(['o5', 'o1', 'o3']);
  });

  it('answers a KEYS_ONLY index with keys only, and refuses what an index cannot do', async () => {
    // Prepare
    await local.documents.send(
      new PutCommand({ TableName: 'events', Item: { pk: 'k1', sk: 1, state: 'OPEN', note: 'x' } }),
    );
    const byState = { TableName: 'events', IndexName: 'byState', KeyConditionExpression: '#state = :open' };
    const open = {
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':open': 'OPEN' },
    };

    // Act
    const { Items } = await local.documents.send(new QueryCommand({ ...byState, ...open }));
    const allAttributes = await failureOf(
      local.documents.send(new QueryCommand({ ...byState, ...open, Select: 'ALL_ATTRIBUTES' })),
    );
    const consistent = await failureOf(
      local.documents.send(new QueryCommand({ ...byState, ...open, ConsistentRead: true })),
    );
    const noIndex = await failureOf(
      local.documents.send(new QueryCommand({ ...byState, ...open, IndexName: 'byNothing' })),
    );

    // Assess
    expect(Items).toEqual([{ pk: 'k1', sk: 1, state: 'OPEN' }]);
    expect(allAttributes).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('ALL_ATTRIBUTES'),
    });
    expect(consistent).toMatchObject({
      name: 'ValidationException',
      message: 'Consistent reads are not supported on global secondary indexes',
    });
    expect(noIndex).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('byNothing'),
    });
  });

  it('stops a page at 1 MB of data read', async () => {
    // Prepare: twelve items of about 100 KB in one partition.
    for (let sk = 1; sk <= 12; sk += 1) {
      await local.documents.send(
        new PutCommand({ TableName: 'events', Item: { pk: 'BIG', sk, blob: 'b'.repeat(100_000) } }),
      );
    }

    // Act
    const { pages, counts } = await allPages(
      {
        TableName: 'events',
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'BIG' },
      },
      'query',
    );

    // Assess
    expect(counts).toEqual([11, 1]);
    expect(pages.flat()).toHaveLength(12);
  });

  it('scans in pages with a filter, as the reliability ledger totals analytics', async () => {
    // Act
    const { pages } = await allPages(
      {
        TableName: 'loyalty',
        FilterExpression: 'begins_with(entryId, :order) AND contains(entryId, :credit)',
        ExpressionAttributeValues: { ':order': 'ORDER#', ':credit': 'CREDIT' },
        Limit: 2,
        ConsistentRead: true,
      },
      'scan',
    );

    // Assess
    expect(pages.length).toBeGreaterThanOrEqual(3);
    // One partition: in sort key order, by UTF-8 bytes ('#' before '0').
    expect(pages.flat().map((item) => item.entryId)).toEqual([
      'ORDER#1#CREDIT',
      'ORDER#10#CREDIT',
      'ORDER#2#CREDIT',
    ]);
  });

  it('splits a parallel scan into disjoint segments that cover the table', async () => {
    // Act
    const segments = await Promise.all(
      [0, 1, 2].map(async (segment) => {
        const { pages } = await allPages(
          { TableName: 'events', Segment: segment, TotalSegments: 3, Limit: 4 },
          'scan',
        );
        return pages.flat().map((item) => `${item.pk}/${item.sk}`);
      }),
    );
    const { pages } = await allPages({ TableName: 'events' }, 'scan');

    // Assess
    const all = pages.flat().map((item) => `${item.pk}/${item.sk}`);
    expect(segments.flat().sort()).toEqual([...all].sort());
    expect(new Set(segments.flat()).size).toBe(all.length);
    expect(segments.filter((segment) => segment.length > 0).length).toBeGreaterThan(1);
  });

  it('refuses a key condition on an attribute that is not a key', async () => {
    // Act
    const query = await failureOf(
      local.documents.send(
        new QueryCommand({
          TableName: 'events',
          KeyConditionExpression: 'pk = :pk AND even = :yes',
          ExpressionAttributeValues: { ':pk': 'A', ':yes': true },
        }),
      ),
    );

    // Assess
    expect(query).toMatchObject({
      name: 'ValidationException',
      message: 'Query key condition not supported',
    });
  });
});
