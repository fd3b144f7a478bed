/**
 * What the security tests read back to prove that a refused request wrote nothing: every order of
 * one customer, straight from the orders table's byCustomer index (not through the API under test).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Shop } from '../e2e/shop';

export async function ordersOfCustomer(shop: Shop, customerId: string): Promise<Record<string, unknown>[]> {
  const orders: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await shop.db.send(
      new QueryCommand({
        TableName: shop.pipeline.tables.orders,
        IndexName: 'byCustomer',
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': customerId },
        ExclusiveStartKey: startKey,
      }),
    );
    orders.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return orders;
}
