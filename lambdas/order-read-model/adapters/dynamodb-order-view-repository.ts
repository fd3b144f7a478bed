/**
 * The orders table as the read model's store. The whole item is written with a condition on its
 * `version` attribute; attributes the projection does not own (the checkout's requestHash) travel
 * through the view untouched, so a put loses nothing.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { OrderView } from '../domain/order-view';
import {
  ConcurrentUpdateError,
  type OrderViewRepository,
  type StoredOrderView,
} from '../ports/order-view-repository';

export class DynamoDbOrderViewRepository implements OrderViewRepository {
  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly tableName: string,
  ) {}

  async load(orderId: string): Promise<StoredOrderView | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    const { version, ...view } = Item;
    return {
      view: { history: [], status: 'PENDING', ...view } as unknown as OrderView,
      version: typeof version === 'number' ? version : undefined,
    };
  }

  async save(view: OrderView, expectedVersion: number | undefined): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...view, version: (expectedVersion ?? 0) + 1 },
          ConditionExpression:
            expectedVersion === undefined ? 'attribute_not_exists(#version)' : '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ...(expectedVersion === undefined
            ? {}
            : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConcurrentUpdateError(view.orderId, { cause: error });
      throw error;
    }
  }
}
