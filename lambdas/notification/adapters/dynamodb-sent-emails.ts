/**
 * SentEmails on the idempotency table the notification consumer already uses (key `id`, TTL
 * attribute `expiration`), one item per order and template under its own key prefix, so it never
 * meets the Powertools records (`notification#<hash>`). The claim is a conditional put: it succeeds
 * when the item is absent, or was written by the same message and that message has not sent the
 * e-mail yet (no `sentAt`). `sentAt` outlives the idempotency records (hours), so a replay of a
 * topic's whole retention (a new consumer group starts at its oldest record) sends nothing twice.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
          ConditionExpression:
            'attribute_not_exists(id) OR (messageId = :messageId AND attribute_not_exists(sentAt))',
          ExpressionAttributeValues: { ':messageId': messageId },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  public async markSent({
    orderId,
    template,
    messageId,
  }: Pick<CustomerEmail, 'orderId' | 'template' | 'messageId'>): Promise<void> {
    const now = this.options.now?.() ?? new Date();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: sentEmailKey(orderId, template) },
          UpdateExpression: 'SET sentAt = :sentAt',
          // Only the claim of this message: an update must not create an item without expiry.
          ConditionExpression: 'messageId = :messageId',
          ExpressionAttributeValues: { ':sentAt': now.toISOString(), ':messageId': messageId },
        }),
      );
    } catch (error) {
      // The claim is gone (expired) or another message's: there is nothing of this message to mark.
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return;
      throw error;
    }
  }
}
