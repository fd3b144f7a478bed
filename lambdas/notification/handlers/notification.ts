/**
 * MSK consumer of orders.events and notifications.commands: the confirmation and failure e-mails,
 * and e-mails asked for by a SendEmail command. Other message types are skipped before the
 * idempotency layer, so they cost no idempotency record. An e-mail the mail service refused for
 * good (unverified sender, SES sandbox recipient, sending paused) goes to the dead-letter topic at
 * once with its reason, instead of being retried like a throttled one.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { documentClient } from '../../shared/aws/clients';
import { requireTableName } from '../../shared/env';
import { PoisonRecordError } from '../../shared/events/errors';
import { consumerEntry } from '../../shared/kafka/consumer-entry';
import { type ConsumerDependencies, consumerHandler } from '../../shared/kafka/consumer-handler';
import { countMetric, logger } from '../../shared/observability';
import { DynamoDbSentEmails } from '../adapters/dynamodb-sent-emails';
import { emailSenderFromEnvironment } from '../adapters/email-sender-factory';
import { NOTIFIED_TYPES, type NotifiedMessage } from '../domain/customer-emails';
import { EmailRejectedError, type EmailSender } from '../ports/email-sender';
import type { SentEmails } from '../ports/sent-emails';
import { notifyCustomer } from '../use-cases/notify-customer';

export interface NotificationDependencies extends ConsumerDependencies {
  readonly emailSender: EmailSender;
  /** Each kind of e-mail at most once per order, whatever the event id. */
  readonly sentEmails: SentEmails;
  /** @default DynamoDB on IDEMPOTENCY_TABLE_NAME */
  readonly idempotencyStore?: BasePersistenceLayer;
}

async function sendEmail(deps: NotificationDependencies, message: NotifiedMessage) {
  try {
    const { email, sent } = await notifyCustomer(
      { sender: deps.emailSender, sentEmails: deps.sentEmails },
      message,
    );
    const details = { orderId: email.orderId, template: email.template, messageId: email.messageId };
    countMetric(sent ? 'EmailsSent' : 'EmailsAlreadySent');
    logger.info(sent ? 'E-mail sent' : 'E-mail not sent again: the order already got this one', details);
    return { template: email.template, sent };
  } catch (error) {
    // A business failure of this record, not of the consumer: off the partition at once.
    if (!(error instanceof EmailRejectedError)) throw error;
    countMetric('EmailsRejected');
    throw new PoisonRecordError(error.message, { reason: error.reason, cause: error });
  }
}

export function createNotificationHandler(deps: NotificationDependencies) {
  return consumerHandler({
    consumer: 'notification',
    accepts: NOTIFIED_TYPES,
    failedRecordSink: deps.failedRecordSink,
    // An e-mail leaves DynamoDB, so its conditional write cannot make it happen at most once.
    idempotency: { persistenceStore: deps.idempotencyStore },
    handle: (message) => sendEmail(deps, message),
  });
}

export const handler = consumerEntry('notification', createNotificationHandler, () => ({
  emailSender: emailSenderFromEnvironment(),
  sentEmails: new DynamoDbSentEmails(requireTableName('idempotency'), documentClient()),
}));
