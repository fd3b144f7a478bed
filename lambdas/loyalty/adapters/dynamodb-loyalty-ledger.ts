/**
 * The loyalty table (CONTRACTS.md): PK customerId, SK entryId = 'BALANCE' | 'ORDER#<orderId>#CREDIT'
 * | 'ORDER#<orderId>#DEBIT'. An entry put (attribute_not_exists), the check of the order's other
 * entry and the BALANCE update go in ONE TransactWriteItems: the balance changes exactly when the
 * entry is first written.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { OrderLedger } from '../domain/points';
import {
  LedgerConflictError,
  type LedgerCredit,
  type LedgerDebit,
  type LoyaltyLedger,
} from '../ports/loyalty-ledger';

export const BALANCE_ENTRY = 'BALANCE';

export function creditEntryId(orderId: string): string {
  return `ORDER#${orderId}#CREDIT`;
}

export function debitEntryId(orderId: string): string {
  return `ORDER#${orderId}#DEBIT`;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export class DynamoDbLoyaltyLedger implements LoyaltyLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async orderLedger(customerId: string, orderId: string): Promise<OrderLedger> {
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'customerId = :customerId AND begins_with(entryId, :prefix)',
        ExpressionAttributeValues: { ':customerId': customerId, ':prefix': `ORDER#${orderId}#` },
        ConsistentRead: true,
      }),
    );
    const credit = Items.find((item) => item.entryId === creditEntryId(orderId));
    const debit = Items.find((item) => item.entryId === debitEntryId(orderId));
    return {
      ...(credit ? { credit: { points: Number(credit.points), applied: credit.applied === true } } : {}),
      ...(debit ? { debit: { points: Number(debit.points) } } : {}),
    };
  }

  async recordCredit(credit: LedgerCredit): Promise<void> {
    const items: TransactItem[] = [
      this.putEntry(credit.customerId, creditEntryId(credit.orderId), {
        orderId: credit.orderId,
        points: credit.points,
        applied: credit.applyToBalance,
        at: credit.at,
      }),
      // The decision was taken on this state of the DEBIT entry; it must still hold.
      this.checkEntry(credit.customerId, debitEntryId(credit.orderId), !credit.applyToBalance),
    ];
    if (credit.applyToBalance && credit.points > 0)
      items.push(this.addToBalance(credit.customerId, credit.points, credit.at));
    await this.transact(credit.customerId, credit.orderId, items);
  }

  async recordDebit(debit: LedgerDebit): Promise<void> {
    const items: TransactItem[] = [
      this.putEntry(debit.customerId, debitEntryId(debit.orderId), {
        orderId: debit.orderId,
        points: debit.points,
        at: debit.at,
      }),
      this.checkEntry(debit.customerId, creditEntryId(debit.orderId), debit.creditExists),
    ];
    if (debit.points > 0) items.push(this.addToBalance(debit.customerId, -debit.points, debit.at));
    await this.transact(debit.customerId, debit.orderId, items);
  }

  async balance(customerId: string): Promise<number> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { customerId, entryId: BALANCE_ENTRY },
        ConsistentRead: true,
      }),
    );
    return Item ? Number(Item.points) : 0;
  }

  private putEntry(customerId: string, entryId: string, attributes: Record<string, unknown>): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { customerId, entryId, ...attributes },
        ConditionExpression: 'attribute_not_exists(entryId)',
      },
    };
  }

  private checkEntry(customerId: string, entryId: string, exists: boolean): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: { customerId, entryId },
        ConditionExpression: exists ? 'attribute_exists(entryId)' : 'attribute_not_exists(entryId)',
      },
    };
  }

  private addToBalance(customerId: string, points: number, at: string): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: { customerId, entryId: BALANCE_ENTRY },
        UpdateExpression: 'ADD points :points SET updatedAt = :at',
        ExpressionAttributeValues: { ':points': points, ':at': at },
      },
    };
  }

  private async transact(customerId: string, orderId: string, items: TransactItem[]): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      // A failed condition or a concurrent transaction on the same items: the caller re-reads.
      if (error instanceof TransactionCanceledException)
        throw new LedgerConflictError(customerId, orderId, { cause: error });
      throw error;
    }
  }
}
