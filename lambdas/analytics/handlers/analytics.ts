/**
 * MSK consumer of orders.events: per-day and per-SKU aggregates. Idempotent by design, so no
 * idempotency table: a batch's counters are added in transactions with the orders' "counted"
 * markers, each put only if absent, so a redelivered event, or the same order event republished
 * under a new eventId, adds nothing. A batch costs a few transactions instead of one per record.
 */
import { documentClient } from '../../shared/aws/dynamodb';
import { requireTableName } from '../../shared/env';
import { consumerEntry } from '../../shared/kafka/consumer-entry';
import { batchConsumerHandler, type ConsumerDependencies } from '../../shared/kafka/consumer-handler';
import { countMetric } from '../../shared/observability';
import { DynamoDbAnalyticsStore } from '../adapters/dynamodb-analytics-store';
import { AGGREGATED_TYPES } from '../domain/aggregates';
import type { AnalyticsStore } from '../ports/analytics-store';
import { recordOrderEvents } from '../use-cases/record-order-event';

export interface AnalyticsDependencies extends ConsumerDependencies {
  readonly store: AnalyticsStore;
}

export function createAnalyticsHandler(deps: AnalyticsDependencies) {
  return batchConsumerHandler({
    consumer: 'analytics',
    accepts: AGGREGATED_TYPES,
    failedRecordSink: deps.failedRecordSink,
    handleBatch: async (records) => {
      const outcomes = await recordOrderEvents(
        deps.store,
        records.map((record) => record.envelope),
      );
      const count = (outcome: string) => outcomes.filter((candidate) => candidate === outcome).length;
      countMetric('AnalyticsEventsRecorded', count('added'));
      countMetric('AnalyticsEventsAlreadyCounted', count('already-counted'));
      return outcomes.flatMap((outcome, index) =>
        typeof outcome === 'object' ? [{ record: records[index]!, error: outcome.failed }] : [],
      );
    },
  });
}

export const handler = consumerEntry('analytics', createAnalyticsHandler, () => ({
  store: new DynamoDbAnalyticsStore(documentClient(), requireTableName('analytics')),
}));
