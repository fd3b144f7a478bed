/**
 * The local mode's "mail server": one JSON file per e-mail in MAILBOX_DIR, which the local
 * dashboard lists. The file is named after the message that asked for the e-mail, so a retry
 * overwrites it instead of delivering twice; it is written to a temporary file and renamed, so a
 * reader never sees half an e-mail.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CustomerEmail } from '../domain/customer-emails';
import type { EmailSender } from '../ports/email-sender';

/** The JSON stored per e-mail; `to`, `subject` and `sentAt` are what the dashboard shows. */
export interface MailboxMessage {
  readonly messageId: string;
  readonly orderId: string;
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  /** The plain-text body. */
  readonly body: string;
  readonly template: string;
  readonly sentAt: string;
}

/** Message ids are UUIDs; anything else must not become part of a path. */
const SAFE_FILE_STEM = /^[A-Za-z0-9-]{1,128}$/;

export class UnsafeMailboxFileNameError extends Error {
  constructor(messageId: string, options?: { cause?: unknown }) {
    super(`Message id '${messageId}' cannot be used as a mailbox file name`, options);
    this.name = 'UnsafeMailboxFileNameError';
  }
}

export class MailboxEmailSender implements EmailSender {
  constructor(
    private readonly directory: string,
    private readonly from = 'shop@localhost',
    private readonly now: () => Date = () => new Date(),
  ) {}

  async send(email: CustomerEmail): Promise<void> {
    if (!SAFE_FILE_STEM.test(email.messageId)) throw new UnsafeMailboxFileNameError(email.messageId);
    const message: MailboxMessage = {
      messageId: email.messageId,
      orderId: email.orderId,
      from: this.from,
      to: email.to,
      subject: email.subject,
      body: email.text,
      template: email.template,
      sentAt: this.now().toISOString(),
    };
    await mkdir(this.directory, { recursive: true });
    const target = join(this.directory, `${email.messageId}.json`);
    // Same directory as the target, so the rename stays on one file system and is atomic.
    const temporary = join(this.directory, `.${email.messageId}.${randomUUID()}.tmp`);
    try {
      await writeFile(temporary, `${JSON.stringify(message, null, 2)}\n`, 'utf8');
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
