import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureOf, rawRequest, sdkClient, startTestServer, type TestServer } from './dynamodb-fixture';

const ORDERS: CreateTableCommandInput = {
  TableName: 'orders',
  KeySchema: [
    { AttributeName: 'orderId', KeyType: 'HASH' },
    { AttributeName: 'entry', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'orderId', AttributeType: 'S' },
    { AttributeName: 'entry', AttributeType: 'S' },
    { AttributeName: 'customerId', AttributeType: 'S' },
    { AttributeName: 'createdAt', AttributeType: 'N' },
  ],
  BillingMode: 'PROVISIONED',
  ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 3 },
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byCustomer',
      KeySchema: [
        { AttributeName: 'customerId', KeyType: 'HASH' },
        { AttributeName: 'createdAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
      ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
    },
  ],
  LocalSecondaryIndexes: [
    {
      IndexName: 'byCreation',
      KeySchema: [
        { AttributeName: 'orderId', KeyType: 'HASH' },
        { AttributeName: 'createdAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    },
  ],
  StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
};

function onDemand(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

describe('DynamoDB-compatible server: tables', () => {
  let local: TestServer;

  beforeAll(async () => {
    local = await startTestServer();
  });

  afterAll(async () => {
    await local.close();
  });

  it('creates a table with its indexes, billing and stream, ACTIVE at once, and describes it', async () => {
    // Act
    const created = await local.client.send(new CreateTableCommand(ORDERS));
    const { Table } = await local.client.send(new DescribeTableCommand({ TableName: 'orders' }));

    // Assess
    expect(created.TableDescription?.TableStatus).toBe('ACTIVE');
    expect(Table).toMatchObject({
      TableName: 'orders',
      TableStatus: 'ACTIVE',
      TableArn: expect.stringMatching(/^arn:aws:dynamodb:[^:]+:\d{12}:table\/orders$/),
      ItemCount: 0,
      KeySchema: ORDERS.KeySchema,
      AttributeDefinitions: ORDERS.AttributeDefinitions,
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 3 },
      BillingModeSummary: { BillingMode: 'PROVISIONED' },
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byCustomer',
          IndexStatus: 'ACTIVE',
          KeySchema: ORDERS.GlobalSecondaryIndexes![0]!.KeySchema,
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        },
      ],
      LocalSecondaryIndexes: [{ IndexName: 'byCreation', Projection: { ProjectionType: 'KEYS_ONLY' } }],
    });
    expect(Table?.CreationDateTime).toBeInstanceOf(Date);
    expect(Table?.LatestStreamArn).toContain('table/orders/stream/');
  });

  it('reports on-demand billing and refuses a second table of the same name', async () => {
    // Prepare
    await local.client.send(new CreateTableCommand(onDemand('payments')));

    // Act
    const again = await failureOf(local.client.send(new CreateTableCommand(onDemand('payments'))));
    const { Table } = await local.client.send(new DescribeTableCommand({ TableName: 'payments' }));

    // Assess
    expect(again).toBeInstanceOf(ResourceInUseException);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it.each([
    [
      'an unused attribute definition',
      {
        ...onDemand('invalid-a'),
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'spare', AttributeType: 'S' },
        ],
      },
      'Some AttributeDefinitions are not used',
    ],
    [
      'a key attribute without a definition',
      { ...onDemand('invalid-b'), AttributeDefinitions: [{ AttributeName: 'other', AttributeType: 'S' }] },
      'Some index key attributes are not defined in AttributeDefinitions',
    ],
    [
      'provisioned billing without throughput',
      { ...onDemand('invalid-c'), BillingMode: 'PROVISIONED' },
      'ReadCapacityUnits and WriteCapacityUnits must both be specified',
    ],
    [
      'a table name DynamoDB does not allow',
      onDemand('no spaces allowed'),
      "at 'tableName' failed to satisfy constraint",
    ],
  ] as const)('refuses %s', async (_, input, message) => {
    // Act
    const create = await failureOf(
      local.client.send(new CreateTableCommand(input as CreateTableCommandInput)),
    );

    // Assess
    expect(create).toMatchObject({ name: 'ValidationException', message: expect.stringContaining(message) });
  });

  it('lists tables in pages, whatever region and credentials the client uses', async () => {
    // Prepare
    const elsewhere = sdkClient(local.server.endpoint, 'ap-southeast-2');
    for (const name of ['list-a', 'list-b', 'list-c'])
      await elsewhere.send(new CreateTableCommand(onDemand(name)));

    // Act
    const first = await local.client.send(
      new ListTablesCommand({ ExclusiveStartTableName: 'list', Limit: 2 }),
    );
    const second = await local.client.send(
      new ListTablesCommand({ ExclusiveStartTableName: first.LastEvaluatedTableName, Limit: 2 }),
    );
    elsewhere.destroy();

    // Assess
    expect(first).toMatchObject({ TableNames: ['list-a', 'list-b'], LastEvaluatedTableName: 'list-b' });
    expect(second.TableNames?.[0]).toBe('list-c');
  });

  it('deletes a table; later calls on it are ResourceNotFoundException', async () => {
    // Prepare
    await local.client.send(new CreateTableCommand(onDemand('doomed')));

    // Act
    const deleted = await local.client.send(new DeleteTableCommand({ TableName: 'doomed' }));
    const described = await failureOf(local.client.send(new DescribeTableCommand({ TableName: 'doomed' })));
    const read = await failureOf(
      local.client.send(new GetItemCommand({ TableName: 'doomed', Key: { pk: { S: 'a' } } })),
    );

    // Assess
    expect(deleted.TableDescription?.TableStatus).toBe('DELETING');
    expect(described).toBeInstanceOf(ResourceNotFoundException);
    expect(read).toBeInstanceOf(ResourceNotFoundException);
  });

  it('enables time to live once, reports it, and disables it', async () => {
    // Prepare
    await local.client.send(new CreateTableCommand(onDemand('idempotency')));
    const before = await local.client.send(new DescribeTimeToLiveCommand({ TableName: 'idempotency' }));
    const enable = new UpdateTimeToLiveCommand({
      TableName: 'idempotency',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });

    // Act
    const enabled = await local.client.send(enable);
    const after = await local.client.send(new DescribeTimeToLiveCommand({ TableName: 'idempotency' }));
    const twice = await failureOf(local.client.send(enable));

    // Assess
    expect(before.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
    expect(enabled.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
    expect(after.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiration' });
    expect(twice).toMatchObject({ name: 'ValidationException', message: 'TimeToLive is already enabled' });
  });

  it('answers an operation it does not implement with UnknownOperationException', async () => {
    // Act
    const update = await failureOf(
      local.client.send(new UpdateTableCommand({ TableName: 'payments', BillingMode: 'PROVISIONED' })),
    );

    // Assess
    expect(update).toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 400 } });
  });

  it('speaks AWS JSON 1.0 on the wire, errors included', async () => {
    // Act
    const listed = await rawRequest(local.server.endpoint, 'DynamoDB_20120810.ListTables', '{}');
    const badJson = await rawRequest(local.server.endpoint, 'DynamoDB_20120810.ListTables', '{"Limit": ');
    const noTarget = await rawRequest(local.server.endpoint, undefined, '{}');
    const missing = await rawRequest(
      local.server.endpoint,
      'DynamoDB_20120810.DescribeTable',
      '{"TableName":"nope"}',
    );
    const health = await fetch(local.server.endpoint);

    // Assess
    expect(listed).toMatchObject({ status: 200, contentType: 'application/x-amz-json-1.0' });
    expect(listed.body.TableNames).toEqual(expect.arrayContaining(['orders', 'payments']));
    expect(badJson).toMatchObject({
      status: 400,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#SerializationException' },
    });
    expect(noTarget.body.__type).toBe('com.amazonaws.dynamodb.v20120810#UnknownOperationException');
    expect(missing).toMatchObject({
      status: 400,
      body: {
        __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException',
        message: expect.stringContaining('nope'),
      },
    });
    expect(health.status).toBe(200);
  });
});
