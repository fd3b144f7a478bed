/** Delivers a customer e-mail: SES in AWS, a local mailbox directory in the local mode. */
import type { CustomerEmail } from '../domain/customer-emails';

export interface EmailSender {
  /** Resolves once the e-mail was accepted for delivery; rejects otherwise (the record is retried). */
  send(email: CustomerEmail): Promise<void>;
}
