/** PriceCatalogue on the inventory table: stock items `SKU#<sku>` carry the price in minor units. */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Currency } from '../../shared/events/payloads';
import type { CataloguePrice, PriceCatalogue } from '../ports/price-catalogue';

/** BatchGetItem keys per request (DynamoDB limit). */
const BATCH_LIMIT = 100;
/** Rounds for unprocessed keys under throttling, before giving up. */
const MAX_ROUNDS = 5;

export class DynamoDbPriceCatalogue implements PriceCatalogue {
  public constructor(
    private readonly tableName: string,
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
  ) {}

  public async pricesOf(skus: readonly string[]): Promise<ReadonlyMap<string, CataloguePrice>> {
    const prices = new Map<string, CataloguePrice>();
    for (let start = 0; start < skus.length; start += BATCH_LIMIT) {
      let keys: Record<string, unknown>[] = skus
        .slice(start, start + BATCH_LIMIT)
        .map((sku) => ({ pk: `SKU#${sku}` }));
      for (let round = 0; keys.length > 0; round += 1) {
        if (round === MAX_ROUNDS) throw new Error(`Prices of ${keys.length} SKU(s) could not be read`);
        const output = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: { Keys: keys, ProjectionExpression: 'sku, price, currency' },
            },
          }),
        );
        for (const item of output.Responses?.[this.tableName] ?? []) {
          const { sku, price, currency } = item as { sku: string; price: number; currency: Currency };
          prices.set(sku, { sku, price: Number(price), currency });
        }
        keys = (output.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return prices;
  }
}
