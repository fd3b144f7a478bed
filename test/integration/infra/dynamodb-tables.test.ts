import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { localDynamoDbClient } from '../../../local/infra/aws-clients';
import { createTablesFromTemplate } from '../../../local/infra/cfn-tables';
import { DEMO_CATALOGUE, seedCatalogue, stockKey } from '../../../local/infra/demo-catalogue';
import type { CfnTemplate } from '../../../local/runtime/cfn-template';

const FIXTURE = join(__dirname, '../../fixtures/templates/data-stack.template.json');

describe('tables from a CloudFormation template on the DynamoDB server', () => {
  const { dynamodbEndpoint } = inject('localServices');
  const template = JSON.parse(readFileSync(FIXTURE, 'utf8')) as CfnTemplate;
  // A stack name per run keeps these tables apart from the harness's and from earlier runs.
  const stackName = `infra-test-${randomUUID().slice(0, 8)}`;
  let client: DynamoDBClient;
  let tables: Record<string, string>;

  beforeAll(async () => {
    client = localDynamoDbClient(dynamodbEndpoint);
    tables = await createTablesFromTemplate(client, template, { stackName });
  });

  afterAll(async () => {
    for (const [logicalId, name] of Object.entries(tables)) {
      // The explicitly named table is shared by every run; the others belong to this one.
      if (logicalId !== 'PaymentsLedger0C1D2E3F') {
        await client.send(new DeleteTableCommand({ TableName: name }));
      }
    }
    client.destroy();
  });

  it('names tables by TableName or, without one, <stack>-<logicalId>', () => {
    // Assess
    expect(tables).toEqual({
      TablesordersB7B63F0C: `${stackName}-TablesordersB7B63F0C`,
      TablesinventoryA1B2C3D4: `${stackName}-TablesinventoryA1B2C3D4`,
      TablesidempotencyE5F6A7B8: `${stackName}-TablesidempotencyE5F6A7B8`,
      PaymentsLedger0C1D2E3F: 'order-pipeline-fixture-payments',
    });
  });

  it('creates the keys and the global secondary index of a GlobalTable, on demand', async () => {
    // Act
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tables.TablesordersB7B63F0C }));

    // Assess
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'orderId', KeyType: 'HASH' }]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const index = Table?.GlobalSecondaryIndexes?.find((candidate) => candidate.IndexName === 'byCustomer');
    expect(index?.KeySchema).toEqual([
      { AttributeName: 'customerId', KeyType: 'HASH' },
      { AttributeName: 'createdAt', KeyType: 'RANGE' },
    ]);
    expect(index?.Projection?.ProjectionType).toBe('ALL');
    expect(Table?.StreamSpecification?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
  });

  it('creates a provisioned Table with its sort key and capacity', async () => {
    // Act
    const { Table } = await client.send(
      new DescribeTableCommand({ TableName: tables.PaymentsLedger0C1D2E3F }),
    );

    // Assess
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'orderId', KeyType: 'HASH' },
      { AttributeName: 'entry', KeyType: 'RANGE' },
    ]);
    expect(Table?.ProvisionedThroughput?.WriteCapacityUnits).toBe(3);
  });

  it('enables time to live on the attribute the template names', async () => {
    // Act
    const { TimeToLiveDescription } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: tables.TablesidempotencyE5F6A7B8 }),
    );

    // Assess
    expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiration' });
  });

  it('keeps existing tables when run again (restart of the local mode)', async () => {
    // Act
    const again = await createTablesFromTemplate(client, template, { stackName });

    // Assess
    expect(again).toEqual(tables);
  });

  it('seeds the demo catalogue once and keeps sold stock unless asked to overwrite', async () => {
    // Prepare
    const table = tables.TablesinventoryA1B2C3D4!;
    await seedCatalogue(client, table);

    // Act
    const secondSeed = await seedCatalogue(client, table);
    const item = await client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: stockKey('SKU-LAST') } } }),
    );

    // Assess
    expect(secondSeed).toBe(0);
    expect(item.Item).toEqual({
      pk: { S: 'SKU#SKU-LAST' },
      sku: { S: 'SKU-LAST' },
      name: { S: DEMO_CATALOGUE.at(-1)!.name },
      available: { N: '1' },
      price: { N: String(DEMO_CATALOGUE.at(-1)!.price) },
      currency: { S: 'EUR' },
    });
  });
});

describe('the harness-provisioned inventory table', () => {
  it('holds SKU-1..SKU-5 with stock and a price, and SKU-LAST', async () => {
    // Prepare
    const { dynamodbEndpoint, environment } = inject('localServices');
    const client = localDynamoDbClient(dynamodbEndpoint);
    const table = environment.INVENTORY_TABLE_NAME;
    expect(table, 'INVENTORY_TABLE_NAME from the template').toBeDefined();

    // Act
    const items = await Promise.all(
      ['SKU-1', 'SKU-2', 'SKU-3', 'SKU-4', 'SKU-5', 'SKU-LAST'].map(async (sku) => {
        const { Item } = await client.send(
          new GetItemCommand({ TableName: table, Key: { pk: { S: stockKey(sku) } } }),
        );
        return Item;
      }),
    );
    client.destroy();

    // Assess
    for (const item of items) {
      expect(item?.sku?.S).toMatch(/^SKU-/);
      expect(Number(item?.price?.N)).toBeGreaterThan(0);
      expect(item?.currency?.S).toBe('EUR');
    }
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(dynamodbEndpoint);
  });
});
