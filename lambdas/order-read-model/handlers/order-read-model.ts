/**
 * MSK consumer of orders.events, payments.events, inventory.events and fulfillment.events: projects
 * every order event into the orders table item that GET /orders/{id} reads. The projection skips
 * events it has applied (eventIds in the item); the idempotency layer in front saves the read.
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
import { DynamoDbOrderViewRepository } from '../adapters/dynamodb-order-view-repository';
import { isProjectedType, type ProjectedEvent } from '../domain/order-view';
import type { OrderViewRepository } from '../ports/order-view-repository';
import { type ProjectOrderEventOptions, projectOrderEvent } from '../use-cases/project-order-event';

const spec = CONSUMERS.find((consumer) => consumer.name === 'orderReadModel');

type ProjectedRecord = DecodedKafkaRecord & { readonly envelope: ProjectedEvent };

export interface OrderReadModelDependencies {
  readonly repository: OrderViewRepository;
  readonly failedRecordSink: FailedRecordSink;
  /** @default DynamoDB on IDEMPOTENCY_TABLE_NAME */
  readonly idempotencyStore?: BasePersistenceLayer;
  readonly projection?: ProjectOrderEventOptions;
}

export function createOrderReadModelHandler(deps: OrderReadModelDependencies) {
  const projectOnce = makeEventProcessorIdempotent(
    spec?.idempotencyKeyPrefix ?? '',
    async (record: ProjectedRecord) => {
      const outcome = await projectOrderEvent(deps.repository, record.envelope, deps.projection);
      if (outcome === 'duplicate') countMetric('DuplicateOrderEvents');
      return { outcome };
    },
    { persistenceStore: deps.idempotencyStore },
  );
  return (event: MSKEvent, context: Context): Promise<KafkaBatchResponse> => {
    projectOnce.registerLambdaContext(context);
    return processKafkaBatch(
      event,
      async (record) => {
        if (!isProjectedType(record.envelope.eventType)) return;
        await projectOnce(record as ProjectedRecord);
      },
      {
        failedRecordSink: deps.failedRecordSink,
        consumer: spec?.name,
        logger,
      },
    );
  };
}

let configured: ReturnType<typeof createOrderReadModelHandler> | undefined;

export const handler = instrumentHandler(
  (event: MSKEvent, context: Context) => {
    configured ??= createOrderReadModelHandler({
      repository: new DynamoDbOrderViewRepository(documentClient(), requireEnv('ORDERS_TABLE_NAME')),
      failedRecordSink: failedRecordSinkFromEnvironment(),
    });
    return configured(event, context);
  },
  { name: 'order-read-model' },
);
