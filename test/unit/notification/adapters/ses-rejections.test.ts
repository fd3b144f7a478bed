import {
  AccountSuspendedException,
  BadRequestException,
  InternalServiceErrorException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SESv2ServiceException,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import {
  permanentRejectionOf,
  SesEmailSender,
} from '../../../../lambdas/notification/adapters/ses-email-sender';
import type { CustomerEmail } from '../../../../lambdas/notification/domain/customer-emails';
import { EmailRejectedError } from '../../../../lambdas/notification/ports/email-sender';

const SENDER = 'orders@shop.test';
const CUSTOMER = 'ada@example.com';
const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: 'req-1' } });

/** The SES refusal of a send from or to an unverified identity, as SES words it. */
const notVerified = (...identities: string[]) =>
  new MessageRejected({
    message: `Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: ${identities.join(', ')}`,
    ...metadata(400),
  });

const email: CustomerEmail = {
  messageId: '00000000-0000-4000-8000-000000000001',
  orderId: 'o-1',
  to: CUSTOMER,
  template: 'order-confirmed',
  subject: 'Your order o-1 is confirmed',
  text: 'Thank you for your order!',
};

describe('permanentRejectionOf (SES SendEmail errors)', () => {
  it.each([
    ['an unverified sender', notVerified(SENDER), 'SENDER_NOT_VERIFIED'],
    ['an unverified sender domain', notVerified('shop.test'), 'SENDER_NOT_VERIFIED'],
    ['sender and sandbox recipient', notVerified(SENDER, CUSTOMER), 'SENDER_NOT_VERIFIED'],
    ['a recipient in the SES sandbox', notVerified(CUSTOMER.toUpperCase()), 'RECIPIENT_NOT_VERIFIED'],
    [
      'a rejected message',
      new MessageRejected({ message: 'Illegal address', ...metadata(400) }),
      'MESSAGE_REJECTED',
    ],
    [
      'an unverified MAIL FROM domain',
      new MailFromDomainNotVerifiedException({ message: 'MAIL FROM domain not verified', ...metadata(400) }),
      'MAIL_FROM_NOT_VERIFIED',
    ],
    [
      'paused sending',
      new SendingPausedException({ message: 'Sending paused for this account', ...metadata(400) }),
      'SENDING_PAUSED',
    ],
    [
      'a suspended account',
      new AccountSuspendedException({ message: 'Account suspended', ...metadata(400) }),
      'ACCOUNT_SUSPENDED',
    ],
    [
      'an invalid request',
      new BadRequestException({ message: 'Missing final @domain', ...metadata(400) }),
      'INVALID_EMAIL_REQUEST',
    ],
  ])('is permanent for %s', (_case, error, reason) => {
    // Act / Assess
    expect(permanentRejectionOf(error, SENDER, CUSTOMER)).toBe(reason);
  });

  it.each([
    [
      'throttling',
      new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', ...metadata(429) }),
    ],
    [
      'a sending quota',
      new LimitExceededException({ message: 'Daily message quota exceeded.', ...metadata(400) }),
    ],
    ['a 5xx', new InternalServiceErrorException({ message: 'Internal error', ...metadata(500) })],
    [
      'an unmodelled server fault',
      new SESv2ServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        message: 'Unavailable',
        ...metadata(503),
      }),
    ],
    ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a non-error', 'boom'],
  ])('leaves %s to the retries', (_case, error) => {
    // Act / Assess
    expect(permanentRejectionOf(error, SENDER, CUSTOMER)).toBeUndefined();
  });
});

describe('SesEmailSender failures', () => {
  const senderFailingWith = (error: unknown) =>
    new SesEmailSender(
      {
        send: async () => {
          throw error;
        },
      } as never,
      SENDER,
    );

  it('turns a permanent refusal into an EmailRejectedError that names the reason but no address', async () => {
    // Prepare
    const cause = notVerified(CUSTOMER);

    // Act
    const attempt = senderFailingWith(cause).send(email);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(EmailRejectedError);
    const error = (await attempt.catch((caught: unknown) => caught)) as EmailRejectedError;
    expect(error).toMatchObject({ name: 'EmailRejectedError', reason: 'RECIPIENT_NOT_VERIFIED', cause });
    expect(error.message).toContain('order-confirmed e-mail of order o-1');
    expect(error.message).toContain('(MessageRejected)');
    expect(error.message).not.toContain(CUSTOMER);
    expect(error.message).not.toContain(SENDER);
  });

  it('rethrows a transient failure unchanged', async () => {
    // Prepare
    const throttled = new TooManyRequestsException({
      message: 'Maximum sending rate exceeded.',
      ...metadata(429),
    });

    // Act / Assess
    await expect(senderFailingWith(throttled).send(email)).rejects.toBe(throttled);
  });
});
