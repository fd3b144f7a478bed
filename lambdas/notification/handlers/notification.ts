/**
 * MSK consumer of orders.events and notifications.commands: the confirmation and failure e-mails,
 * and e-mails asked for by a SendEmail command. Other message types are skipped before the
 * idempotency layer, so they cost no idempotency record. An e-mail the mail service refused for
 * good (unverified sender, SES sandbox recipient, sending paused) goes to the on-failure queue at
 * once with its reason, instead of being retried like a throttled one.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context, MSKEvent } from 'aws-lambda';
import { CONSUMERS } from '../../../lib/config/consumers';
import { documentClient } from '../../shared/aws/clients';
import { failedRecordSinkFromEnvironment } from '../../shared/aws/sqs-failed-record-sink';
import { requireEnv } from '../../shared/env';
import { PoisonRecordError } from '../../shared/events/errors';
import { makeEventProcessorIdempotent } from '../../shared/idempotency';
import {
  type DecodedKafkaRecord,
  type KafkaBatchResponse,
  processKafkaBatch,
} from '../../shared/kafka/batch';
import { countMetric, instrumentHandler, logger } from '../../shared/observability';
import type { FailedRecordSink } from '../../shared/ports/failed-record-sink';
import { DynamoDbSentEmails } from '../adapters/dynamodb-sent-emails';
import { emailSenderFromEnvironment } from '../adapters/email-sender-factory';
import { isNotifiedType, type NotifiedMessage } from '../domain/customer-emails';
import { EmailRejectedError, type EmailSender } from '../ports/email-sender';
import type { SentEmails } from '../ports/sent-emails';
import { notifyCustomer } from '../use-cases/notify-customer';

const spec = CONSUMERS.find((consumer) => consumer.name === 'notification');

export interface NotificationDependencies {
  readonly emailSender: EmailSender;
  /** Each kind of e-mail at most once per order, whatever the event id. */
  readonly sentEmails: SentEmails;
  readonly failedRecordSink: FailedRecordSink;
  /** @default DynamoDB on IDEMPOTENCY_TABLE_NAME */
  readonly idempotencyStore?: BasePersistenceLayer;
}

export function createNotificationHandler(deps: NotificationDependencies) {
  const sendOnce = makeEventProcessorIdempotent(
    spec?.idempotencyKeyPrefix ?? '',
    async (record: DecodedKafkaRecord & { readonly envelope: NotifiedMessage }) => {
      const { email, sent } = await notifyCustomer(
        { sender: deps.emailSender, sentEmails: deps.sentEmails },
        record.envelope,
      );
      const details = { orderId: email.orderId, template: email.template, messageId: email.messageId };
      if (!sent) {
        countMetric('EmailsAlreadySent');
        logger.info('E-mail not sent again: the order already got this one', details);
        return { template: email.template, sent };
      }
      countMetric('EmailsSent');
      logger.info('E-mail sent', details);
      return { template: email.template, sent };
    },
    { persistenceStore: deps.idempotencyStore },
  );
  return (event: MSKEvent, context: Context): Promise<KafkaBatchResponse> => {
    sendOnce.registerLambdaContext(context);
    return processKafkaBatch(
      event,
      async (record) => {
        if (!isNotifiedType(record.envelope.eventType)) return;
        try {
          await sendOnce(record as DecodedKafkaRecord & { readonly envelope: NotifiedMessage });
        } catch (error) {
          // A business failure of this record, not of the consumer: off the partition at once.
          if (error instanceof EmailRejectedError) {
            countMetric('EmailsRejected');
            throw new PoisonRecordError(error.message, { reason: error.reason, cause: error });
          }
          throw error;
        }
      },
      {
        failedRecordSink: deps.failedRecordSink,
        consumer: spec?.name,
        logger,
      },
    );
  };
}

let configured: ReturnType<typeof createNotificationHandler> | undefined;

export const handler = instrumentHandler(
  (event: MSKEvent, context: Context) => {
    configured ??= createNotificationHandler({
      emailSender: emailSenderFromEnvironment(),
      sentEmails: new DynamoDbSentEmails(requireEnv('IDEMPOTENCY_TABLE_NAME'), documentClient()),
      failedRecordSink: failedRecordSinkFromEnvironment(),
    });
    return configured(event, context);
  },
  { name: 'notification' },
);
