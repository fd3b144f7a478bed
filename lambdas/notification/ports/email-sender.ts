/** Delivers a customer e-mail: SES in AWS, a local mailbox directory in the local mode. */
import type { CustomerEmail } from '../domain/customer-emails';

/**
 * Why the mail service refused an e-mail for good. Sending it again cannot succeed until someone
 * acts (verifies the sender, takes the account out of the SES sandbox, resumes sending), so the
 * message goes to the dead-letter topic with this reason, ready to be redriven afterwards.
 */
export type EmailRejectionReason =
  /** The sender address (or its domain) is not a verified identity. */
  | 'SENDER_NOT_VERIFIED'
  /** The account is in the SES sandbox and the customer's address is not a verified identity. */
  | 'RECIPIENT_NOT_VERIFIED'
  /** The custom MAIL FROM domain of the sender is not verified. */
  | 'MAIL_FROM_NOT_VERIFIED'
  /** The mail service refused the message itself (e.g. content it will not send). */
  | 'MESSAGE_REJECTED'
  /** The request cannot be sent as it is (e.g. an address the mail service cannot parse). */
  | 'INVALID_EMAIL_REQUEST'
  /** Sending is paused for the account or its configuration set. */
  | 'SENDING_PAUSED'
  /** The account may no longer send e-mail. */
  | 'ACCOUNT_SUSPENDED';

/** The mail service refused this e-mail for good; retrying it is pointless. */
export class EmailRejectedError extends Error {
  public readonly reason: EmailRejectionReason;

  public constructor(reason: EmailRejectionReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmailRejectedError';
    this.reason = reason;
  }
}

export interface EmailSender {
  /**
   * Resolves once the e-mail was accepted for delivery. Rejects with an EmailRejectedError when the
   * mail service refused it for good, otherwise with the transient error (the record is retried).
   */
  send(email: CustomerEmail): Promise<void>;
}
