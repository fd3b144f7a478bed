/**
 * StockRepository on the inventory table. A reservation is one transaction: the order's
 * RESERVATION#<orderId> record (only if absent) plus a conditional decrement of every SKU
 * (`available >= quantity`), so stock never goes negative and a repeat changes nothing.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  cancellationReasons,
  jitterPause,
  MAX_TRANSACTION_ATTEMPTS,
  transactWrite,
} from '../../shared/aws/transactions';
import type { ReleaseOutcome, ReservationStatus, ReserveOutcome, StockLine } from '../domain/stock';
import type { StockRepository } from '../ports/stock-repository';

interface ReservationItem {
  readonly pk: string;
  readonly orderId: string;
  readonly status: ReservationStatus;
  readonly items: readonly StockLine[];
}

export class DynamoDbStockRepository implements StockRepository {
  public constructor(
    private readonly tableName: string,
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  public async reserve(orderId: string, items: readonly StockLine[]): Promise<ReserveOutcome> {
    const failed = await transactWrite(this.client, {
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: {
              pk: reservationKey(orderId),
              orderId,
              status: 'RESERVED',
              items,
              reservedAt: this.now().toISOString(),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...items.map((line) => ({
          Update: {
            TableName: this.tableName,
            Key: { pk: skuKey(line.sku) },
            UpdateExpression: 'SET available = available - :quantity',
            ConditionExpression: 'attribute_exists(pk) AND available >= :quantity',
            ExpressionAttributeValues: { ':quantity': line.quantity },
          },
        })),
      ],
    });
    if (failed === undefined) return { outcome: 'RESERVED', items };
    if (failed[0]) {
      const existing = await this.reservation(orderId);
      if (existing?.status === 'RESERVED') return { outcome: 'ALREADY_RESERVED', items: existing.items };
      if (existing?.status === 'RELEASED') return { outcome: 'ALREADY_RELEASED' };
    }
    const failedSkus = items.filter((_, index) => failed[index + 1]);
    if (failedSkus.length > 0) return this.whyNotReserved(failedSkus);
    throw new Error(`Reservation of order ${orderId} was refused, but no reservation of it exists`);
  }

  public async release(orderId: string): Promise<ReleaseOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      const existing = await this.reservation(orderId);
      try {
        if (existing === undefined) {
          await this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                pk: reservationKey(orderId),
                orderId,
                status: 'RELEASED',
                items: [],
                releasedAt: this.now().toISOString(),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          return { outcome: 'NOT_RESERVED' };
        }
        if (existing.status === 'RELEASED') return { outcome: 'ALREADY_RELEASED', items: existing.items };
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: { pk: reservationKey(orderId) },
                  UpdateExpression: 'SET #status = :released, releasedAt = :at',
                  ConditionExpression: '#status = :reserved',
                  ExpressionAttributeNames: { '#status': 'status' },
                  ExpressionAttributeValues: {
                    ':released': 'RELEASED',
                    ':reserved': 'RESERVED',
                    ':at': this.now().toISOString(),
                  },
                },
              },
              ...existing.items.map((line) => ({
                Update: {
                  TableName: this.tableName,
                  Key: { pk: skuKey(line.sku) },
                  UpdateExpression: 'ADD available :quantity',
                  ExpressionAttributeValues: { ':quantity': line.quantity },
                },
              })),
            ],
          }),
        );
        return { outcome: 'RELEASED', items: existing.items };
      } catch (error) {
        // Someone else reserved or released in between: read again and decide on the new state.
        const conflict =
          (error instanceof Error && error.name === 'ConditionalCheckFailedException') ||
          cancellationReasons(error) !== undefined;
        if (!conflict || attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
        await jitterPause();
      }
    }
  }

  private async reservation(orderId: string): Promise<ReservationItem | undefined> {
    const output = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: reservationKey(orderId) },
        ConsistentRead: true,
      }),
    );
    return output.Item as ReservationItem | undefined;
  }

  /** A SKU whose condition failed is unknown if it has no stock item, otherwise out of stock. */
  private async whyNotReserved(lines: readonly StockLine[]): Promise<ReserveOutcome> {
    const unknown: string[] = [];
    for (const line of lines) {
      const output = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: skuKey(line.sku) },
          ProjectionExpression: 'pk',
        }),
      );
      if (output.Item === undefined) unknown.push(line.sku);
    }
    return unknown.length > 0
      ? { outcome: 'UNKNOWN_SKU', skus: unknown }
      : { outcome: 'OUT_OF_STOCK', skus: lines.map((line) => line.sku) };
  }
}

export function skuKey(sku: string): string {
  return `SKU#${sku}`;
}

export function reservationKey(orderId: string): string {
  return `RESERVATION#${orderId}`;
}
