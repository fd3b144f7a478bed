/**
 * PaymentLedger on the payments table (orderId + entry). Every entry is written with
 * attribute_not_exists, so each exists at most once per order: that is the exactly-once charge.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ChargeEntry, RefundEntry } from '../domain/ledger';
import type { PaymentLedger } from '../ports/payment-ledger';

const CHARGE = 'CHARGE';
const REFUND = 'REFUND';
const VOID = 'VOID';
const ATTEMPT_PREFIX = 'ATTEMPT#';
/** Concurrent attempts of one order race for the same ATTEMPT#n; the loser counts again. */
const MAX_ATTEMPT_RACES = 5;

export class DynamoDbPaymentLedger implements PaymentLedger {
  public constructor(
    private readonly tableName: string,
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
  ) {}

  public async getCharge(orderId: string): Promise<ChargeEntry | undefined> {
    return this.entry<ChargeEntry>(orderId, CHARGE);
  }

  public async recordCharge(entry: ChargeEntry) {
    if (await this.putOnce(entry.orderId, CHARGE, { ...entry })) return { recorded: true } as const;
    return { recorded: false, existing: (await this.getCharge(entry.orderId))! } as const;
  }

  public async getRefund(orderId: string): Promise<RefundEntry | undefined> {
    return this.entry<RefundEntry>(orderId, REFUND);
  }

  public async recordRefund(entry: RefundEntry) {
    if (await this.putOnce(entry.orderId, REFUND, { ...entry })) return { recorded: true } as const;
    return { recorded: false, existing: (await this.getRefund(entry.orderId))! } as const;
  }

  public async recordAttempt(orderId: string, at: string): Promise<number> {
    for (let race = 0; ; race += 1) {
      const output = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'orderId = :orderId AND begins_with(#entry, :prefix)',
          ExpressionAttributeNames: { '#entry': 'entry' },
          ExpressionAttributeValues: { ':orderId': orderId, ':prefix': ATTEMPT_PREFIX },
          Select: 'COUNT',
          ConsistentRead: true,
        }),
      );
      const attempt = (output.Count ?? 0) + 1;
      if (await this.putOnce(orderId, `${ATTEMPT_PREFIX}${attempt}`, { orderId, attempt, at }))
        return attempt;
      if (race >= MAX_ATTEMPT_RACES) throw new Error(`Could not count a charge attempt of order ${orderId}`);
    }
  }

  public async recordVoid(orderId: string, at: string): Promise<void> {
    await this.putOnce(orderId, VOID, { orderId, voidedAt: at });
  }

  public async isVoided(orderId: string): Promise<boolean> {
    return (await this.entry(orderId, VOID)) !== undefined;
  }

  private async entry<T>(orderId: string, entry: string): Promise<T | undefined> {
    const output = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId, entry }, ConsistentRead: true }),
    );
    return output.Item as T | undefined;
  }

  /** True if written now, false if the entry already existed. */
  private async putOnce(
    orderId: string,
    entry: string,
    attributes: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...attributes, orderId, entry },
          ConditionExpression: 'attribute_not_exists(orderId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
