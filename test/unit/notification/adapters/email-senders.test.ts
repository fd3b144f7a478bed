import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emailSenderFromEnvironment } from '../../../../lambdas/notification/adapters/email-sender-factory';
import {
  MailboxEmailSender,
  type MailboxMessage,
  UnsafeMailboxFileNameError,
} from '../../../../lambdas/notification/adapters/mailbox-email-sender';
import { SesEmailSender } from '../../../../lambdas/notification/adapters/ses-email-sender';
import type { CustomerEmail } from '../../../../lambdas/notification/domain/customer-emails';
import { MissingConfigurationError } from '../../../../lambdas/shared/env';

const email: CustomerEmail = {
  messageId: '00000000-0000-4000-8000-000000000001',
  orderId: 'o-1',
  to: 'ada@example.com',
  template: 'order-confirmed',
  subject: 'Your order o-1 is confirmed',
  text: 'Thank you for your order!',
};

describe('MailboxEmailSender', () => {
  let directory: string;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'mailbox-'));
  });

  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('writes one JSON file per e-mail, named after the message, with what the dashboard lists', async () => {
    // Prepare
    const sender = new MailboxEmailSender(
      join(directory, 'new'),
      'shop@example.com',
      () => new Date('2026-11-24T10:00:00Z'),
    );

    // Act
    await sender.send(email);

    // Assess
    const files = await readdir(join(directory, 'new'));
    expect(files).toEqual([`${email.messageId}.json`]);
    const stored = JSON.parse(await readFile(join(directory, 'new', files[0]), 'utf8')) as MailboxMessage;
    const { text, ...rest } = email;
    expect(stored).toEqual({
      ...rest,
      body: text,
      from: 'shop@example.com',
      sentAt: '2026-11-24T10:00:00.000Z',
    });
  });

  it('overwrites rather than duplicates on a retry and leaves no temporary files', async () => {
    // Prepare
    const sender = new MailboxEmailSender(directory);

    // Act
    await sender.send(email);
    await sender.send({ ...email, subject: 'retried' });

    // Assess
    const files = await readdir(directory);
    expect(files).toEqual([`${email.messageId}.json`]);
    expect(JSON.parse(await readFile(join(directory, files[0]), 'utf8')).subject).toBe('retried');
  });

  it('refuses a message id that is not a safe file name', async () => {
    // Prepare
    const sender = new MailboxEmailSender(directory);

    // Act
    const attempt = sender.send({ ...email, messageId: '../escape' });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(UnsafeMailboxFileNameError);
  });

  it('cleans up the temporary file when the rename fails', async () => {
    // Prepare: the target name is taken by a non-empty directory, so rename fails.
    const sender = new MailboxEmailSender(directory);
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(directory, `${email.messageId}.json`));
    await writeFile(join(directory, `${email.messageId}.json`, 'x'), 'x');

    // Act
    const attempt = sender.send(email);

    // Assess
    await expect(attempt).rejects.toThrow();
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('SesEmailSender', () => {
  it('sends a simple text e-mail from the sender identity', async () => {
    // Prepare
    const sent: unknown[] = [];
    const sender = new SesEmailSender(
      { send: async (command: { input: unknown }) => void sent.push(command.input) } as never,
      'shop@example.com',
    );

    // Act
    await sender.send(email);

    // Assess
    expect(sent).toEqual([
      {
        FromEmailAddress: 'shop@example.com',
        Destination: { ToAddresses: ['ada@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: email.text, Charset: 'UTF-8' } },
            Headers: [{ Name: 'X-Order-Id', Value: 'o-1' }],
          },
        },
        EmailTags: [{ Name: 'template', Value: 'order-confirmed' }],
      },
    ]);
  });
});

describe('emailSenderFromEnvironment', () => {
  it('picks the mailbox locally and SES otherwise', () => {
    expect(
      emailSenderFromEnvironment({ EMAIL_TRANSPORT: 'mailbox', MAILBOX_DIR: '/tmp/mailbox' }),
    ).toBeInstanceOf(MailboxEmailSender);
    expect(
      emailSenderFromEnvironment({ EMAIL_TRANSPORT: 'ses', SENDER_EMAIL: 'shop@example.com' }),
    ).toBeInstanceOf(SesEmailSender);
    expect(emailSenderFromEnvironment({ SENDER_EMAIL: 'shop@example.com' })).toBeInstanceOf(SesEmailSender);
  });

  it('names the missing or wrong setting', () => {
    expect(() => emailSenderFromEnvironment({ EMAIL_TRANSPORT: 'mailbox' })).toThrow('MAILBOX_DIR');
    expect(() => emailSenderFromEnvironment({ EMAIL_TRANSPORT: 'ses' })).toThrow('SENDER_EMAIL');
    expect(() => emailSenderFromEnvironment({ EMAIL_TRANSPORT: 'pigeon' })).toThrow(
      MissingConfigurationError,
    );
  });
});
