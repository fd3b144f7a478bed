/**
 * MSK consumer of orders.events, payments.events, inventory.events and fulfillment.events: projects
 * every order event into the orders table item that GET /orders/{id} reads. Idempotent by design
 * (the order item), so no idempotency table: the item lists the eventIds applied to it and is
 * written on the condition that it has not changed since it was read, so a redelivered event is
 * skipped and a concurrent update is retried against the newer item.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import { CONSUMERS } from '../../../lib/config/consumers';
import { documentClient } from '../../shared/aws/dynamodb';
import { failedRecordSinkFromEnvironment } from '../../shared/aws/sqs-failed-record-sink';
import { requireEnv } from '../../shared/env';
import { type KafkaBatchResponse, processKafkaBatch } from '../../shared/kafka/batch';
import { countMetric, instrumentHandler, logger } from '../../shared/observability';
import type { FailedRecordSink } from '../../shared/ports/failed-record-sink';
import { DynamoDbOrderViewRepository } from '../adapters/dynamodb-order-view-repository';
import { isProjectedType, type ProjectedEvent } from '../domain/order-view';
import type { OrderViewRepository } from '../ports/order-view-repository';
import { type ProjectOrderEventOptions, projectOrderEvent } from '../use-cases/project-order-event';

const spec = CONSUMERS.find((consumer) => consumer.name === 'orderReadModel');

export interface OrderReadModelDependencies {
  readonly repository: OrderViewRepository;
  readonly failedRecordSink: FailedRecordSink;
  readonly projection?: ProjectOrderEventOptions;
}

export function createOrderReadModelHandler(deps: OrderReadModelDependencies) {
  return (event: MSKEvent, _context: Context): Promise<KafkaBatchResponse> =>
    processKafkaBatch(
      event,
      async (record) => {
        if (!isProjectedType(record.envelope.eventType)) return;
        const outcome = await projectOrderEvent(
          deps.repository,
          record.envelope as ProjectedEvent,
          deps.projection,
        );
        if (outcome === 'duplicate') countMetric('DuplicateOrderEvents');
      },
      {
        failedRecordSink: deps.failedRecordSink,
        consumer: spec?.name,
        logger,
      },
    );
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
