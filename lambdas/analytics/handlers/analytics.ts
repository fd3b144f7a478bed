/**
 * MSK consumer of orders.events: per-day and per-SKU aggregates. Idempotent by design, so no
 * idempotency table: the counters are added in one transaction with the order's "counted" marker,
 * put only if absent, so a redelivered event, or the same order event republished under a new
 * eventId, adds nothing.
 */
import { documentClient } from '../../shared/aws/dynamodb';
import { requireTableName } from '../../shared/env';
import { consumerEntry } from '../../shared/kafka/consumer-entry';
import { type ConsumerDependencies, consumerHandler } from '../../shared/kafka/consumer-handler';
import { countMetric } from '../../shared/observability';
import { DynamoDbAnalyticsStore } from '../adapters/dynamodb-analytics-store';
import { AGGREGATED_TYPES } from '../domain/aggregates';
import type { AnalyticsStore } from '../ports/analytics-store';
import { recordOrderEvent } from '../use-cases/record-order-event';

export interface AnalyticsDependencies extends ConsumerDependencies {
  readonly store: AnalyticsStore;
}

export function createAnalyticsHandler(deps: AnalyticsDependencies) {
  return consumerHandler({
    consumer: 'analytics',
    accepts: AGGREGATED_TYPES,
    failedRecordSink: deps.failedRecordSink,
    handle: async (event) => {
      const outcome = await recordOrderEvent(deps.store, event);
      countMetric(outcome === 'added' ? 'AnalyticsEventsRecorded' : 'AnalyticsEventsAlreadyCounted');
    },
  });
}

export const handler = consumerEntry('analytics', createAnalyticsHandler, () => ({
  store: new DynamoDbAnalyticsStore(documentClient(), requireTableName('analytics')),
}));
