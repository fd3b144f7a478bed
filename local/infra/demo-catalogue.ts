/**
 * The demo catalogue seeded into the inventory table: five everyday SKUs with plenty of stock and
 * SKU-LAST with a single unit, so a demo can show an order running out of stock.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';

export interface CatalogueItem {
  readonly sku: string;
  readonly name: string;
  /** Units in stock. */
  readonly available: number;
  /** Unit price in minor units (cents). */
  readonly price: number;
  readonly currency: string;
}

export const DEMO_CATALOGUE: readonly CatalogueItem[] = [
  { sku: 'SKU-1', name: 'Espresso beans 1 kg', available: 10_000, price: 2_490, currency: 'EUR' },
  { sku: 'SKU-2', name: 'Ceramic pour-over dripper', available: 10_000, price: 3_450, currency: 'EUR' },
  { sku: 'SKU-3', name: 'Paper filters (100)', available: 10_000, price: 599, currency: 'EUR' },
  { sku: 'SKU-4', name: 'Burr grinder', available: 10_000, price: 12_900, currency: 'EUR' },
  { sku: 'SKU-5', name: 'Gooseneck kettle', available: 10_000, price: 5_990, currency: 'EUR' },
  { sku: 'SKU-LAST', name: 'Limited edition cup (last one)', available: 1, price: 1_999, currency: 'EUR' },
];

/** Partition key of a stock item in the inventory table (CONTRACTS.md). */
export function stockKey(sku: string): string {
  return `SKU#${sku}`;
}

export interface SeedOptions {
  /**
   * Overwrite existing stock items (tests start from known stock). By default an item already
   * there is kept, so stock sold before a restart stays sold.
   * @default false
   */
  readonly overwrite?: boolean;
  /** @default DEMO_CATALOGUE */
  readonly items?: readonly CatalogueItem[];
}

/** Puts the catalogue's stock items; returns how many were written. */
export async function seedCatalogue(
  client: DynamoDBClient,
  tableName: string,
  options: SeedOptions = {},
): Promise<number> {
  let written = 0;
  for (const item of options.items ?? DEMO_CATALOGUE) {
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            pk: { S: stockKey(item.sku) },
            sku: { S: item.sku },
            name: { S: item.name },
            available: { N: String(item.available) },
            price: { N: String(item.price) },
            currency: { S: item.currency },
          },
          ...(options.overwrite ? {} : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
      written += 1;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw error;
      }
    }
  }
  return written;
}
