/** An in-memory SentEmails with the DynamoDB adapter's rule: first claim or same message wins. */
import type { CustomerEmail } from '../../../lambdas/notification/domain/customer-emails';
import type { SentEmails } from '../../../lambdas/notification/ports/sent-emails';

export class InMemorySentEmails implements SentEmails {
  /** messageId that claimed each `orderId#template`. */
  public readonly claims = new Map<string, string>();

  public async claim(email: Pick<CustomerEmail, 'orderId' | 'template' | 'messageId'>): Promise<boolean> {
    const key = `${email.orderId}#${email.template}`;
    const holder = this.claims.get(key);
    if (holder !== undefined && holder !== email.messageId) return false;
    this.claims.set(key, email.messageId);
    return true;
  }
}
