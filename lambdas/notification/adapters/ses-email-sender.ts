/** E-mail through Amazon SES (v2 API) from the verified SENDER_EMAIL identity. */
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { CustomerEmail } from '../domain/customer-emails';
import type { EmailSender } from '../ports/email-sender';

export class SesEmailSender implements EmailSender {
  constructor(
    private readonly client: Pick<SESv2Client, 'send'>,
    private readonly senderEmail: string,
  ) {}

  async send(email: CustomerEmail): Promise<void> {
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
  }
}
