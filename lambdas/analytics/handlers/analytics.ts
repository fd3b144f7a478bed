/**
 * MSK consumer of orders.events: per-day and per-SKU aggregates. Idempotent by design, so no
 * idempotency table: the counters are added in one transaction with the order's "counted" marker,
 * put only if absent, so a redelivered event, or the same order event republished under a new
 * eventId, adds nothing.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import { CONSUMERS } from '../../../lib/config/consumers';
import { documentClient } from '../../shared/aws/dynamodb';
import { failedRecordSinkFromEnvironment } from '../../shared/aws/sqs-failed-record-sink';
import { requireEnv } from '../../shared/env';
import { type KafkaBatchResponse, processKafkaBatch } from '../../shared/kafka/batch';
import { countMetric, instrumentHandler, logger } from '../../shared/observability';
import type { FailedRecordSink } from '../../shared/ports/failed-record-sink';
import { DynamoDbAnalyticsStore } from '../adapters/dynamodb-analytics-store';
import { type AggregatedEvent, isAggregatedType } from '../domain/aggregates';
import type { AnalyticsStore } from '../ports/analytics-store';
import { recordOrderEvent } from '../use-cases/record-order-event';

const spec = CONSUMERS.find((consumer) => consumer.name === 'analytics');

export interface AnalyticsDependencies {
  readonly store: AnalyticsStore;
  readonly failedRecordSink: FailedRecordSink;
}

export function createAnalyticsHandler(deps: AnalyticsDependencies) {
  return (event: MSKEvent, _context: Context): Promise<KafkaBatchResponse> =>
    processKafkaBatch(
      event,
      async (record) => {
        if (!isAggregatedType(record.envelope.eventType)) return;
        const outcome = await recordOrderEvent(deps.store, record.envelope as AggregatedEvent);
        countMetric(outcome === 'added' ? 'AnalyticsEventsRecorded' : 'AnalyticsEventsAlreadyCounted');
      },
      {
        failedRecordSink: deps.failedRecordSink,
        consumer: spec?.name,
        logger,
      },
    );
}

let configured: ReturnType<typeof createAnalyticsHandler> | undefined;

export const handler = instrumentHandler(
  (event: MSKEvent, context: Context) => {
    configured ??= createAnalyticsHandler({
      store: new DynamoDbAnalyticsStore(documentClient(), requireEnv('ANALYTICS_TABLE_NAME')),
      failedRecordSink: failedRecordSinkFromEnvironment(),
    });
    return configured(event, context);
  },
  { name: 'analytics' },
);
