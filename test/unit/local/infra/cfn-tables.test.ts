import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableDefinitionsFromTemplate, tableEnvironment } from '../../../../local/infra/cfn-tables';
import { TemplateResourceError } from '../../../../local/infra/errors';
import type { CfnTemplate } from '../../../../local/runtime/cfn-template';

const fixture = JSON.parse(
  readFileSync(join(__dirname, '../../../fixtures/templates/data-stack.template.json'), 'utf8'),
) as CfnTemplate;

describe('tableDefinitionsFromTemplate', () => {
  it('reads keys, GSI, stream and on-demand billing of a GlobalTable', () => {
    // Act
    const orders = tableDefinitionsFromTemplate(fixture, { stackName: 'Stack' }).find(
      (definition) => definition.logicalId === 'TablesordersB7B63F0C',
    );

    // Assess
    expect(orders?.cdkPath).toBe('OrderPipeline-fixture-Data/Tables/orders/Resource');
    expect(orders?.createTable).toEqual({
      TableName: 'Stack-TablesordersB7B63F0C',
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'orderId', AttributeType: 'S' },
        { AttributeName: 'customerId', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
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
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('takes the TTL attribute and resolves a joined TableName with a parameter default', () => {
    // Act
    const definitions = tableDefinitionsFromTemplate(fixture);

    // Assess
    const byId = Object.fromEntries(definitions.map((definition) => [definition.logicalId, definition]));
    expect(byId.TablesidempotencyE5F6A7B8?.timeToLiveAttribute).toBe('expiration');
    expect(byId.TablesidempotencyE5F6A7B8?.createTable.TableName).toBe('TablesidempotencyE5F6A7B8');
    expect(byId.PaymentsLedger0C1D2E3F?.createTable).toMatchObject({
      TableName: 'order-pipeline-fixture-payments',
      BillingMode: 'PROVISIONED',
      ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 3 },
    });
  });

  it('refuses a table name it cannot resolve, showing the value', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        Named: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            TableName: { 'Fn::GetAtt': ['Other', 'Name'] },
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          },
        },
      },
    };

    // Act
    const reading = () => tableDefinitionsFromTemplate(template);

    // Assess
    expect(reading).toThrow(TemplateResourceError);
    expect(reading).toThrow(/'Named' has a name the local mode cannot resolve: \{"Fn::GetAtt"/);
  });
});

describe('tableEnvironment', () => {
  it('maps each table to its variable by the construct id in the CDK path', () => {
    // Prepare
    const definitions = tableDefinitionsFromTemplate(fixture, { stackName: 'Stack' });

    // Act
    const env = tableEnvironment(definitions, {
      orders: 'ORDERS_TABLE_NAME',
      inventory: 'INVENTORY_TABLE_NAME',
      idempotency: 'IDEMPOTENCY_TABLE_NAME',
      payments: 'PAYMENTS_TABLE_NAME',
      loyalty: 'LOYALTY_TABLE_NAME',
    });

    // Assess
    expect(env).toEqual({
      ORDERS_TABLE_NAME: 'Stack-TablesordersB7B63F0C',
      INVENTORY_TABLE_NAME: 'Stack-TablesinventoryA1B2C3D4',
      IDEMPOTENCY_TABLE_NAME: 'Stack-TablesidempotencyE5F6A7B8',
      // No construct id 'payments' in the fixture: the logical id decides.
      PAYMENTS_TABLE_NAME: 'order-pipeline-fixture-payments',
    });
  });
});
