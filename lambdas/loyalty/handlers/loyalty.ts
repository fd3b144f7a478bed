/**
 * MSK consumer of orders.events and payments.events: points credited on OrderConfirmed, taken back
 * on PaymentRefunded. The ledger is exact on its own (conditional entries); the idempotency layer
 * in front only saves the reads and writes of a redelivery.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context, MSKEvent } from 'aws-lambda';
import { CONSUMERS } from '../../../lib/config/consumers';
import { documentClient } from '../../shared/aws/dynamodb';
import { failedRecordSinkFromEnvironment } from '../../shared/aws/sqs-failed-record-sink';
import { requireEnv } from '../../shared/env';
import type { TypedEnvelope } from '../../shared/events/codec';
import { makeEventProcessorIdempotent } from '../../shared/idempotency';
import {
  type DecodedKafkaRecord,
  type KafkaBatchResponse,
  processKafkaBatch,
} from '../../shared/kafka/batch';
import { countMetric, instrumentHandler, logger } from '../../shared/observability';
import type { FailedRecordSink } from '../../shared/ports/failed-record-sink';
import { DynamoDbLoyaltyLedger } from '../adapters/dynamodb-loyalty-ledger';
import type { LoyaltyLedger } from '../ports/loyalty-ledger';
import { creditOrderPoints, takeBackOrderPoints } from '../use-cases/loyalty-points';

const spec = CONSUMERS.find((consumer) => consumer.name === 'loyalty');

type LoyaltyEvent = TypedEnvelope<'OrderConfirmed'> | TypedEnvelope<'PaymentRefunded'>;

function isLoyaltyEvent(envelope: { readonly eventType: string }): boolean {
  return envelope.eventType === 'OrderConfirmed' || envelope.eventType === 'PaymentRefunded';
}

export interface LoyaltyDependencies {
  readonly ledger: LoyaltyLedger;
  readonly failedRecordSink: FailedRecordSink;
  /** @default DynamoDB on IDEMPOTENCY_TABLE_NAME */
  readonly idempotencyStore?: BasePersistenceLayer;
}

async function applyLoyaltyEvent(ledger: LoyaltyLedger, event: LoyaltyEvent) {
  if (event.eventType === 'OrderConfirmed') {
    const outcome = await creditOrderPoints(ledger, {
      customerId: event.data.customerId,
      orderId: event.orderId,
      total: event.data.total,
      at: event.timestamp,
    });
    if (outcome.kind === 'credited') countMetric('PointsCredited', outcome.points);
    return outcome;
  }
  const outcome = await takeBackOrderPoints(ledger, {
    customerId: event.data.customerId,
    orderId: event.orderId,
    at: event.timestamp,
  });
  if (outcome.kind === 'debited') countMetric('PointsDebited', outcome.points);
  return outcome;
}

export function createLoyaltyHandler(deps: LoyaltyDependencies) {
  const applyOnce = makeEventProcessorIdempotent(
    spec?.idempotencyKeyPrefix ?? '',
    async (record: DecodedKafkaRecord & { readonly envelope: LoyaltyEvent }) => {
      const outcome = await applyLoyaltyEvent(deps.ledger, record.envelope);
      logger.info('Loyalty ledger updated', { orderId: record.envelope.orderId, outcome });
      return outcome;
    },
    { persistenceStore: deps.idempotencyStore },
  );
  return (event: MSKEvent, context: Context): Promise<KafkaBatchResponse> => {
    applyOnce.registerLambdaContext(context);
    return processKafkaBatch(
      event,
      async (record) => {
        if (!isLoyaltyEvent(record.envelope)) return;
        await applyOnce(record as DecodedKafkaRecord & { readonly envelope: LoyaltyEvent });
      },
      {
        failedRecordSink: deps.failedRecordSink,
        consumer: spec?.name,
        logger,
      },
    );
  };
}

let configured: ReturnType<typeof createLoyaltyHandler> | undefined;

export const handler = instrumentHandler(
  (event: MSKEvent, context: Context) => {
    configured ??= createLoyaltyHandler({
      ledger: new DynamoDbLoyaltyLedger(documentClient(), requireEnv('LOYALTY_TABLE_NAME')),
      failedRecordSink: failedRecordSinkFromEnvironment(),
    });
    return configured(event, context);
  },
  { name: 'loyalty' },
);
