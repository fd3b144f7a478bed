/**
 * MSK consumer of orders.events: per-day and per-SKU aggregates. Counters only grow, so each event
 * runs behind the idempotency layer (eventId) and a redelivery counts nothing; the store's
 * per-order marker also catches an event republished under a new eventId.
 */
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context, MSKEvent } from 'aws-lambda';
import { CONSUMERS } from '../../../lib/config/consumers';
import { documentClient } from '../../shared/aws/dynamodb';
import { failedRecordSinkFromEnvironment } from '../../shared/aws/sqs-failed-record-sink';
import { requireEnv } from '../../shared/env';
import { makeEventProcessorIdempotent } from '../../shared/idempotency';
import {
  type DecodedKafkaRecord,
  type KafkaBatchResponse,
  processKafkaBatch,
} from '../../shared/kafka/batch';
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
  /** @default DynamoDB on IDEMPOTENCY_TABLE_NAME */
  readonly idempotencyStore?: BasePersistenceLayer;
}

export function createAnalyticsHandler(deps: AnalyticsDependencies) {
  const recordOnce = makeEventProcessorIdempotent(
    spec?.idempotencyKeyPrefix ?? '',
    async (record: DecodedKafkaRecord & { readonly envelope: AggregatedEvent }) => {
      const outcome = await recordOrderEvent(deps.store, record.envelope);
      countMetric(outcome === 'added' ? 'AnalyticsEventsRecorded' : 'AnalyticsEventsAlreadyCounted');
      return { outcome };
    },
    { persistenceStore: deps.idempotencyStore },
  );
  return (event: MSKEvent, context: Context): Promise<KafkaBatchResponse> => {
    recordOnce.registerLambdaContext(context);
    return processKafkaBatch(
      event,
      async (record) => {
        if (!isAggregatedType(record.envelope.eventType)) return;
        await recordOnce(record as DecodedKafkaRecord & { readonly envelope: AggregatedEvent });
      },
      {
        failedRecordSink: deps.failedRecordSink,
        consumer: spec?.name,
        logger,
      },
    );
  };
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
