/** Shipments in DynamoDB (PK orderId); "one per order" is a conditional put. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Shipment } from '../domain/shipment';
import type { ShipmentRepository } from '../ports/shipment-repository';

/** The conditional put failed but the shipment cannot be read back: should never happen. */
export class ShipmentVanishedError extends Error {
  constructor(orderId: string, options?: { cause?: unknown }) {
    super(`The shipment of order ${orderId} exists but could not be read`, options);
    this.name = 'ShipmentVanishedError';
  }
}

export class DynamoDbShipmentRepository implements ShipmentRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async createOnce(shipment: Shipment): Promise<{ created: boolean; shipment: Shipment }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...shipment },
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      );
      return { created: true, shipment };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { orderId: shipment.orderId },
          ConsistentRead: true,
        }),
      );
      if (Item === undefined) throw new ShipmentVanishedError(shipment.orderId, { cause: error });
      return { created: false, shipment: Item as Shipment };
    }
  }

  async markPublished(orderId: string, at: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { orderId },
        UpdateExpression: 'SET publishedAt = if_not_exists(publishedAt, :at)',
        ExpressionAttributeValues: { ':at': at },
      }),
    );
  }
}
