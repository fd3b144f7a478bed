/**
 * SentEmails on the idempotency table the notification consumer already uses (key `id`, TTL
 * attribute `expiration`), one item per order and template under its own key prefix, so it never
 * meets the Powertools records (`notification#<hash>`). The claim is a conditional put: it succeeds
 * when the item is absent or was written by the same message.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CustomerEmail } from '../domain/customer-emails';
import type { SentEmails } from '../ports/sent-emails';

/** Longer than orders.events keeps records (7 days), so no replay of a retention's worth re-sends. */
const DEFAULT_EXPIRY_SECONDS = 30 * 24 * 60 * 60;

export function sentEmailKey(orderId: string, template: string): string {
  return `notification-email#${orderId}#${template}`;
}

export interface DynamoDbSentEmailsOptions {
  /** @default 30 days */
  readonly expiresAfterSeconds?: number;
  readonly now?: () => Date;
}

export class DynamoDbSentEmails implements SentEmails {
  public constructor(
    private readonly tableName: string,
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly options: DynamoDbSentEmailsOptions = {},
  ) {}

  public async claim({
    orderId,
    template,
    messageId,
  }: Pick<CustomerEmail, 'orderId' | 'template' | 'messageId'>): Promise<boolean> {
    const now = this.options.now?.() ?? new Date();
    const expiresAfter = this.options.expiresAfterSeconds ?? DEFAULT_EXPIRY_SECONDS;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            id: sentEmailKey(orderId, template),
            orderId,
            template,
            messageId,
            claimedAt: now.toISOString(),
            expiration: Math.floor(now.getTime() / 1000) + expiresAfter,
          },
          ConditionExpression: 'attribute_not_exists(id) OR messageId = :messageId',
          ExpressionAttributeValues: { ':messageId': messageId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
