/** Picks the EmailSender from EMAIL_TRANSPORT: `ses` (AWS, the default) or `mailbox` (local mode). */
import { SETTING_ENV_VARS } from '../../../lib/config/functions';
import { sesClient } from '../../shared/aws/ses';
import { MissingConfigurationError, optionalSetting, requireEnv, requireSetting } from '../../shared/env';
import type { EmailSender } from '../ports/email-sender';
import { MailboxEmailSender } from './mailbox-email-sender';
import { SesEmailSender } from './ses-email-sender';

export function emailSenderFromEnvironment(env: NodeJS.ProcessEnv = process.env): EmailSender {
  const transport = optionalSetting('emailTransport', env) ?? 'ses';
  switch (transport) {
    case 'ses':
      return new SesEmailSender(sesClient(), requireSetting('senderEmail', env));
    case 'mailbox':
      return new MailboxEmailSender(requireEnv('MAILBOX_DIR', env), optionalSetting('senderEmail', env));
    default:
      throw new MissingConfigurationError(
        `${SETTING_ENV_VARS.emailTransport} must be 'ses' or 'mailbox', got '${transport}'`,
      );
  }
}
