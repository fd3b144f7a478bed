/** Sends the e-mail a message asks for. Retries are made harmless by the idempotency layer (eventId). */
import { type CustomerEmail, emailFor, type NotifiedMessage } from '../domain/customer-emails';
import type { EmailSender } from '../ports/email-sender';

export async function notifyCustomer(sender: EmailSender, message: NotifiedMessage): Promise<CustomerEmail> {
  const email = emailFor(message);
  await sender.send(email);
  return email;
}
