/**
 * MSK consumer of orders.events and payments.events: points credited on OrderConfirmed, taken back
 * on PaymentRefunded. Idempotent by design (the ledger), so no idempotency table: an order's credit
 * and debit entries are written only if absent, in one transaction with the balance update, so a
 * redelivered or republished event changes no balance.
 */
import { documentClient } from '../../shared/aws/dynamodb';
import { requireTableName } from '../../shared/env';
import type { TypedEnvelope } from '../../shared/events/codec';
import { consumerEntry } from '../../shared/kafka/consumer-entry';
import { type ConsumerDependencies, consumerHandler } from '../../shared/kafka/consumer-handler';
import { countMetric, logger } from '../../shared/observability';
import { DynamoDbLoyaltyLedger } from '../adapters/dynamodb-loyalty-ledger';
import type { LoyaltyLedger } from '../ports/loyalty-ledger';
import { creditOrderPoints, takeBackOrderPoints } from '../use-cases/loyalty-points';

type LoyaltyEvent = TypedEnvelope<'OrderConfirmed'> | TypedEnvelope<'PaymentRefunded'>;

export interface LoyaltyDependencies extends ConsumerDependencies {
  readonly ledger: LoyaltyLedger;
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
  return consumerHandler({
    consumer: 'loyalty',
    accepts: ['OrderConfirmed', 'PaymentRefunded'],
    failedRecordSink: deps.failedRecordSink,
    handle: async (event) => {
      const outcome = await applyLoyaltyEvent(deps.ledger, event);
      logger.info('Loyalty ledger updated', { orderId: event.orderId, outcome });
    },
  });
}

export const handler = consumerEntry('loyalty', createLoyaltyHandler, () => ({
  ledger: new DynamoDbLoyaltyLedger(documentClient(), requireTableName('loyalty')),
}));
