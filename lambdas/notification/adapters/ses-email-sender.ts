/**
 * E-mail through Amazon SES (v2 API) from the verified SENDER_EMAIL identity. Refusals that no
 * retry can fix become an EmailRejectedError; throttling, quotas, 5xx and network errors stay as
 * they are, so the record is retried (SES API reference, SendEmail, "Errors").
 */
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { CustomerEmail } from '../domain/customer-emails';
import { EmailRejectedError, type EmailRejectionReason, type EmailSender } from '../ports/email-sender';

export class SesEmailSender implements EmailSender {
  constructor(
    private readonly client: Pick<SESv2Client, 'send'>,
    private readonly senderEmail: string,
  ) {}

  async send(email: CustomerEmail): Promise<void> {
    try {
      await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.senderEmail,
          Destination: { ToAddresses: [email.to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: email.text, Charset: 'UTF-8' } },
              // The header and the tag tie SES events (bounces, complaints) back to the order and template.
              Headers: [{ Name: 'X-Order-Id', Value: email.orderId }],
            },
          },
          EmailTags: [{ Name: 'template', Value: email.template }],
        }),
      );
    } catch (error) {
      const reason = permanentRejectionOf(error, this.senderEmail, email.to);
      if (reason === undefined) throw error;
      // The message names the reason and the SES error, never the addresses (they are customer data).
      throw new EmailRejectedError(
        reason,
        `SES refused the ${email.template} e-mail of order ${email.orderId} for good: ${REASON_TEXT[reason]} (${(error as Error).name})`,
        { cause: error },
      );
    }
  }
}

const REASON_TEXT: Readonly<Record<EmailRejectionReason, string>> = {
  SENDER_NOT_VERIFIED: 'the sender address is not a verified SES identity',
  RECIPIENT_NOT_VERIFIED:
    'the account is in the SES sandbox and the recipient is not a verified identity; request production access',
  MAIL_FROM_NOT_VERIFIED: 'the MAIL FROM domain of the sender is not verified',
  MESSAGE_REJECTED: 'SES rejected the message',
  INVALID_EMAIL_REQUEST: 'SES cannot send the request as it is',
  SENDING_PAUSED: 'sending is paused for the account',
  ACCOUNT_SUSPENDED: 'the account may no longer send e-mail',
};

/** SES errors (by name, as the SDK deserializes them) that no retry of the same message can fix. */
const PERMANENT_ERRORS: Readonly<Record<string, EmailRejectionReason>> = {
  MailFromDomainNotVerifiedException: 'MAIL_FROM_NOT_VERIFIED',
  SendingPausedException: 'SENDING_PAUSED',
  AccountSuspendedException: 'ACCOUNT_SUSPENDED',
  BadRequestException: 'INVALID_EMAIL_REQUEST',
};

/**
 * The permanent reason of a SendEmail failure, or undefined when a retry may succeed
 * (TooManyRequestsException, LimitExceededException, 5xx, network errors). For an unverified
 * sender, and in the SES sandbox for an unverified recipient, SES answers MessageRejected "Email
 * address is not verified. The following identities failed the check in region <REGION>:
 * <identity>, <identity>"; the identities named tell the two apart.
 */
export function permanentRejectionOf(
  error: unknown,
  senderEmail: string,
  recipient: string,
): EmailRejectionReason | undefined {
  const name = error instanceof Error ? error.name : undefined;
  if (name === undefined) return undefined;
  if (name !== 'MessageRejected') return PERMANENT_ERRORS[name];
  const message = (error as Error).message;
  if (!/not verified/i.test(message)) return 'MESSAGE_REJECTED';
  const listed = /failed the check[^:]*:(.*)$/is.exec(message)?.[1] ?? '';
  const identities = new Set(
    listed
      .split(',')
      .map((identity) => identity.trim().replace(/\.$/, '').toLowerCase())
      .filter((identity) => identity.length > 0),
  );
  const sender = senderEmail.toLowerCase();
  if (identities.has(sender) || identities.has(sender.split('@')[1] ?? sender)) return 'SENDER_NOT_VERIFIED';
  return identities.has(recipient.toLowerCase()) ? 'RECIPIENT_NOT_VERIFIED' : 'MESSAGE_REJECTED';
}
