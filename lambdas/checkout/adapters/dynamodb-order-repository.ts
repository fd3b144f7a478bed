/** OrderRepository on the orders table (DynamoDB document client). */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Order } from '../domain/order';
import type { CreateOrderResult, OrderRepository } from '../ports/order-repository';

export class DynamoDbOrderRepository implements OrderRepository {
  public constructor(
    private readonly tableName: string,
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
  ) {}

  public async createIfAbsent(order: Order): Promise<CreateOrderResult> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: order,
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      );
      return { created: true };
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
    }
    const existing = await this.get(order.orderId);
    if (existing === undefined) {
      // Only possible if the order was deleted in between; never happens in this system.
      throw new Error(`Order ${order.orderId} exists but could not be read`);
    }
    return { created: false, existing };
  }

  public async get(orderId: string): Promise<Order | undefined> {
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return output.Item as Order | undefined;
  }
}
