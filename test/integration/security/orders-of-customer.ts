/**
 * What the security tests read back to prove that a refused request wrote nothing: every order of
 * one customer, straight from the orders table (not through the API under test). The table has no
 * index by customer, so the test scans it; its tables hold a few test orders only.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Shop } from '../e2e/shop';

export async function ordersOfCustomer(shop: Shop, customerId: string): Promise<Record<string, unknown>[]> {
  const orders: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await shop.db.send(
      new ScanCommand({
        TableName: shop.pipeline.tables.orders,
        FilterExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': customerId },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    orders.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return orders;
}
