/**
 * MSK consumer of orders.events and notifications.commands: the confirmation and failure e-mails,
 * and e-mails asked for by a SendEmail command. Other message types are skipped before the
 * idempotency layer, so they cost no idempotency record.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context, MSKEvent } from 'aws-lambda';
import { CONSUMERS } from '../../../lib/config/consumers';
import { failedRecordSinkFromEnvironment } from '../../shared/aws/sqs-failed-record-sink';
import { makeEventProcessorIdempotent } from '../../shared/idempotency';
import {
  type DecodedKafkaRecord,
  type KafkaBatchResponse,
  processKafkaBatch,
} from '../../shared/kafka/batch';
import { countMetric, instrumentHandler, logger, SHARED_METRICS } from '../../shared/observability';
import type { FailedRecordSink } from '../../shared/ports/failed-record-sink';
import { emailSenderFromEnvironment } from '../adapters/email-sender-factory';
import { isNotifiedType, type NotifiedMessage } from '../domain/customer-emails';
import type { EmailSender } from '../ports/email-sender';
import { notifyCustomer } from '../use-cases/notify-customer';

const spec = CONSUMERS.find((consumer) => consumer.name === 'notification');

export interface NotificationDependencies {
  readonly emailSender: EmailSender;
  readonly failedRecordSink: FailedRecordSink;
  /** @default DynamoDB on IDEMPOTENCY_TABLE_NAME */
  readonly idempotencyStore?: BasePersistenceLayer;
}

export function createNotificationHandler(deps: NotificationDependencies) {
  const sendOnce = makeEventProcessorIdempotent(
    spec?.idempotencyKeyPrefix ?? '',
    async (record: DecodedKafkaRecord & { readonly envelope: NotifiedMessage }) => {
      const email = await notifyCustomer(deps.emailSender, record.envelope);
      countMetric('EmailsSent');
      logger.info('E-mail sent', {
        orderId: email.orderId,
        template: email.template,
        messageId: email.messageId,
      });
      return { template: email.template };
    },
    { persistenceStore: deps.idempotencyStore },
  );
  return (event: MSKEvent, context: Context): Promise<KafkaBatchResponse> => {
    sendOnce.registerLambdaContext(context);
    return processKafkaBatch(
      event,
      async (record) => {
        if (!isNotifiedType(record.envelope.eventType)) return;
        await sendOnce(record as DecodedKafkaRecord & { readonly envelope: NotifiedMessage });
      },
      {
        failedRecordSink: deps.failedRecordSink,
        consumer: spec?.name,
        logger,
        onPoisonRecord: () => countMetric(SHARED_METRICS.poisonRecords),
      },
    );
  };
}

let configured: ReturnType<typeof createNotificationHandler> | undefined;

export const handler = instrumentHandler(
  (event: MSKEvent, context: Context) => {
    configured ??= createNotificationHandler({
      emailSender: emailSenderFromEnvironment(),
      failedRecordSink: failedRecordSinkFromEnvironment(),
    });
    return configured(event, context);
  },
  { name: 'notification' },
);
