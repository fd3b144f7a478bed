/**
 * Which e-mails an order was already sent. Idempotency per event id is not enough: a retried saga
 * step publishes the same fact (e.g. OrderConfirmed) again under a new event id, and the customer
 * must still get one confirmation. So each kind of e-mail (template) goes out at most once per order.
 */
import type { CustomerEmail } from '../domain/customer-emails';

export interface SentEmails {
  /**
   * Claims the order's e-mail of this template for the message asking for it. True: this message
   * sends it (the first claim, or a retry of the message that claimed it whose send did not go
   * out). False: another message already claimed it, or this one already sent it (a redelivery or
   * a replay, however late), so the e-mail is not sent again.
   * Infrastructure failures reject (the record is retried).
   */
  claim(email: Pick<CustomerEmail, 'orderId' | 'template' | 'messageId'>): Promise<boolean>;
  /** Records that the claimed e-mail went out, so no later delivery of the message sends it again. */
  markSent(email: Pick<CustomerEmail, 'orderId' | 'template' | 'messageId'>): Promise<void>;
}
