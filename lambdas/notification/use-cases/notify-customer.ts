/**
 * Sends the e-mail a message asks for, unless the order already got that kind of e-mail (SentEmails).
 * Redeliveries of one message are made harmless by the idempotency layer (eventId) and, after its
 * records expired, by the sent marker; republished facts under new event ids by the per-order claim.
 */
import { type CustomerEmail, emailFor, type NotifiedMessage } from '../domain/customer-emails';
import type { EmailSender } from '../ports/email-sender';
import type { SentEmails } from '../ports/sent-emails';

export interface NotifyCustomerDependencies {
  readonly sender: EmailSender;
  readonly sentEmails: SentEmails;
}

export interface NotifyCustomerResult {
  readonly email: CustomerEmail;
  /** False when the order already had this e-mail from another message. */
  readonly sent: boolean;
}

export async function notifyCustomer(
  deps: NotifyCustomerDependencies,
  message: NotifiedMessage,
): Promise<NotifyCustomerResult> {
  const email = emailFor(message);
  if (!(await deps.sentEmails.claim(email))) return { email, sent: false };
  await deps.sender.send(email);
  await deps.sentEmails.markSent(email);
  return { email, sent: true };
}
