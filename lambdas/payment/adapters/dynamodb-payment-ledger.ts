/**
 * PaymentLedger on the payments table (orderId + entry). Every entry is written with
 * attribute_not_exists, so each exists at most once per order: that is the exactly-once charge.
 * CHARGE and VOID are written in transactions that check the other one is absent, so an order is
 * either charged or voided, never both, whatever the order in which concurrent commands run.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { transactWrite } from '../../shared/aws/transactions';
import type { ChargeEntry, RefundEntry } from '../domain/ledger';
import type { PaymentLedger, RecordChargeResult, VoidOutcome } from '../ports/payment-ledger';

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

  public async recordCharge(entry: ChargeEntry): Promise<RecordChargeResult> {
    const [chargeTaken, voided] = await this.putUnlessOther(entry.orderId, CHARGE, { ...entry }, VOID);
    if (chargeTaken) return { recorded: false, existing: (await this.getCharge(entry.orderId))! };
    if (voided) return { recorded: false, voided: true };
    return { recorded: true };
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

  public async recordVoid(orderId: string, at: string): Promise<VoidOutcome> {
    const [, charged] = await this.putUnlessOther(orderId, VOID, { orderId, voidedAt: at }, CHARGE);
    // Already voided is voided: CHARGE can never have been written beside it.
    return charged ? 'CHARGED' : 'VOIDED';
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

  /**
   * Writes `entry` if neither it nor `other` exists, in one transaction. Answers which condition
   * failed: [entry already there, other there]; both false means written now.
   */
  private async putUnlessOther(
    orderId: string,
    entry: string,
    attributes: Record<string, unknown>,
    other: string,
  ): Promise<readonly [boolean, boolean]> {
    const failed = await transactWrite(this.client, {
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: { ...attributes, orderId, entry },
            ConditionExpression: 'attribute_not_exists(orderId)',
          },
        },
        {
          ConditionCheck: {
            TableName: this.tableName,
            Key: { orderId, entry: other },
            ConditionExpression: 'attribute_not_exists(orderId)',
          },
        },
      ],
    });
    return [failed?.[0] ?? false, failed?.[1] ?? false];
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
