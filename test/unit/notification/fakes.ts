/**
 * An in-memory SentEmails with the DynamoDB adapter's rule: the first claim wins, and the message
 * that holds the claim may claim again until it marks the e-mail sent.
 */
import type { CustomerEmail } from '../../../lambdas/notification/domain/customer-emails';
import type { SentEmails } from '../../../lambdas/notification/ports/sent-emails';

type EmailKey = Pick<CustomerEmail, 'orderId' | 'template' | 'messageId'>;

export class InMemorySentEmails implements SentEmails {
  /** messageId that claimed each `orderId#template`. */
  public readonly claims = new Map<string, string>();
  /** `orderId#template` of the e-mails that went out. */
  public readonly sent = new Set<string>();

  public async claim(email: EmailKey): Promise<boolean> {
    const key = `${email.orderId}#${email.template}`;
    const holder = this.claims.get(key);
    if (holder !== undefined && (holder !== email.messageId || this.sent.has(key))) return false;
    this.claims.set(key, email.messageId);
    return true;
  }

  public async markSent(email: EmailKey): Promise<void> {
    const key = `${email.orderId}#${email.template}`;
    if (this.claims.get(key) === email.messageId) this.sent.add(key);
  }
}
