/**
 * MSK consumer of orders.events and payments.events: points credited on OrderConfirmed, taken back
 * on PaymentRefunded. Idempotent by design (the ledger), so no idempotency table: an order's credit
 * and debit entries are written only if absent, in one transaction with the balance update, so a
 * redelivered or republished event changes no balance.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import { CONSUMERS } from '../../../lib/config/consumers';
import { documentClient } from '../../shared/aws/dynamodb';
import { failedRecordSinkFromEnvironment } from '../../shared/aws/sqs-failed-record-sink';
import { requireEnv } from '../../shared/env';
import type { TypedEnvelope } from '../../shared/events/codec';
import { type KafkaBatchResponse, processKafkaBatch } from '../../shared/kafka/batch';
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
  return (event: MSKEvent, _context: Context): Promise<KafkaBatchResponse> =>
    processKafkaBatch(
      event,
      async (record) => {
        if (!isLoyaltyEvent(record.envelope)) return;
        const outcome = await applyLoyaltyEvent(deps.ledger, record.envelope as LoyaltyEvent);
        logger.info('Loyalty ledger updated', { orderId: record.envelope.orderId, outcome });
      },
      {
        failedRecordSink: deps.failedRecordSink,
        consumer: spec?.name,
        logger,
      },
    );
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
