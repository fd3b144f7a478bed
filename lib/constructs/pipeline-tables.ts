import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { TableName } from '../config/functions';
import type { StageConfig } from '../config/stages';

interface TableSpec {
  readonly partitionKey: dynamodb.Attribute;
  readonly sortKey?: dynamodb.Attribute;
  /** Holds business data: retained on stack deletion when the stage says so. */
  readonly businessData: boolean;
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes?: dynamodb.GlobalSecondaryIndexProps[];
}

const S = dynamodb.AttributeType.STRING;

/** Key schemas of /work/CONTRACTS.md, "DynamoDB tables". */
export const TABLE_SPECS: Readonly<Record<TableName, TableSpec>> = {
  // No index by customer: nothing in the shop reads orders that way, and every write of an order
  // would also pay for its copy in the index.
  orders: { partitionKey: { name: 'orderId', type: S }, businessData: true },
  inventory: { partitionKey: { name: 'pk', type: S }, businessData: true },
  payments: {
    partitionKey: { name: 'orderId', type: S },
    sortKey: { name: 'entry', type: S },
    businessData: true,
  },
  loyalty: {
    partitionKey: { name: 'customerId', type: S },
    sortKey: { name: 'entryId', type: S },
    businessData: true,
  },
  analytics: {
    partitionKey: { name: 'pk', type: S },
    sortKey: { name: 'sk', type: S },
    businessData: true,
    // Per-order "already counted" markers expire; the aggregates themselves carry no expiry.
    timeToLiveAttribute: 'expiresAt',
  },
  shipments: { partitionKey: { name: 'orderId', type: S }, businessData: true },
  // Records expire on their own (Powertools default attribute); losing them costs a duplicate check.
  idempotency: {
    partitionKey: { name: 'id', type: S },
    businessData: false,
    timeToLiveAttribute: 'expiration',
  },
};

export const TABLE_NAMES = Object.keys(TABLE_SPECS) as TableName[];

export interface PipelineTablesProps {
  readonly config: StageConfig;
  readonly encryptionKey: kms.IKey;
}

/**
 * The pipeline's DynamoDB tables with one set of secure defaults: on-demand, point-in-time
 * recovery, customer managed key; business tables are deletion protected and retained when the
 * stage config asks for it.
 */
export class PipelineTables extends Construct implements Record<TableName, dynamodb.ITable> {
  public readonly orders: dynamodb.Table;
  public readonly inventory: dynamodb.Table;
  public readonly payments: dynamodb.Table;
  public readonly loyalty: dynamodb.Table;
  public readonly analytics: dynamodb.Table;
  public readonly shipments: dynamodb.Table;
  public readonly idempotency: dynamodb.Table;

  constructor(scope: Construct, id: string, props: PipelineTablesProps) {
    super(scope, id);
    const create = (name: TableName): dynamodb.Table => {
      const spec = TABLE_SPECS[name];
      const retain = spec.businessData && props.config.retainData;
      // `Table`, not `TableV2`: TableV2 with a customer managed key needs a concrete region,
      // and the stacks are environment-agnostic so that synthesis needs no credentials.
      const table = new dynamodb.Table(this, name, {
        partitionKey: spec.partitionKey,
        sortKey: spec.sortKey,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: props.encryptionKey,
        timeToLiveAttribute: spec.timeToLiveAttribute,
        deletionProtection: retain,
        removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      for (const index of spec.globalSecondaryIndexes ?? []) {
        table.addGlobalSecondaryIndex(index);
      }
      return table;
    };
    this.orders = create('orders');
    this.inventory = create('inventory');
    this.payments = create('payments');
    this.loyalty = create('loyalty');
    this.analytics = create('analytics');
    this.shipments = create('shipments');
    this.idempotency = create('idempotency');
  }

  /** Every table by its logical name, e.g. to set the `*_TABLE_NAME` variables. */
  public all(): Readonly<Record<TableName, dynamodb.Table>> {
    return {
      orders: this.orders,
      inventory: this.inventory,
      payments: this.payments,
      loyalty: this.loyalty,
      analytics: this.analytics,
      shipments: this.shipments,
      idempotency: this.idempotency,
    };
  }
}
