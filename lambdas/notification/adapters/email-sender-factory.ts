/** Picks the EmailSender from EMAIL_TRANSPORT: `ses` (AWS, the default) or `mailbox` (local mode). */
import { sesClient } from '../../shared/aws/ses';
import { MissingConfigurationError, requireEnv } from '../../shared/env';
import type { EmailSender } from '../ports/email-sender';
import { MailboxEmailSender } from './mailbox-email-sender';
import { SesEmailSender } from './ses-email-sender';

export function emailSenderFromEnvironment(env: NodeJS.ProcessEnv = process.env): EmailSender {
  const transport = env.EMAIL_TRANSPORT ?? 'ses';
  switch (transport) {
    case 'ses':
      return new SesEmailSender(sesClient(), requireEnv('SENDER_EMAIL', env));
    case 'mailbox':
      return new MailboxEmailSender(requireEnv('MAILBOX_DIR', env), env.SENDER_EMAIL);
    default:
      throw new MissingConfigurationError(`EMAIL_TRANSPORT must be 'ses' or 'mailbox', got '${transport}'`);
  }
}
