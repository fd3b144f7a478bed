/** The shipping address from the orders table (written by the checkout before the saga starts). */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { ShippingAddress } from '../domain/shipment';
import type { ShippingAddressLookup } from '../ports/shipping-address-lookup';

export class DynamoDbShippingAddressLookup implements ShippingAddressLookup {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly ordersTableName: string,
  ) {}

  async addressOf(orderId: string): Promise<ShippingAddress | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.ordersTableName,
        Key: { orderId },
        ProjectionExpression: 'shippingAddress',
        ConsistentRead: true,
      }),
    );
    return Item?.shippingAddress as ShippingAddress | undefined;
  }
}
