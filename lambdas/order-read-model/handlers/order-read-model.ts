/**
 * MSK consumer of orders.events, payments.events, inventory.events and fulfillment.events: projects
 * every order event into the orders table item that GET /orders/{id} reads. Idempotent by design
 * (the order item), so no idempotency table: the item lists the eventIds applied to it and is
 * written on the condition that it has not changed since it was read, so a redelivered event is
 * skipped and a concurrent update is retried against the newer item.
 */
import { documentClient } from '../../shared/aws/dynamodb';
import { requireTableName } from '../../shared/env';
import { consumerEntry } from '../../shared/kafka/consumer-entry';
import { type ConsumerDependencies, consumerHandler } from '../../shared/kafka/consumer-handler';
import { countMetric } from '../../shared/observability';
import { DynamoDbOrderViewRepository } from '../adapters/dynamodb-order-view-repository';
import { PROJECTED_TYPES } from '../domain/order-view';
import type { OrderViewRepository } from '../ports/order-view-repository';
import { type ProjectOrderEventOptions, projectOrderEvent } from '../use-cases/project-order-event';

export interface OrderReadModelDependencies extends ConsumerDependencies {
  readonly repository: OrderViewRepository;
  readonly projection?: ProjectOrderEventOptions;
}

export function createOrderReadModelHandler(deps: OrderReadModelDependencies) {
  return consumerHandler({
    consumer: 'orderReadModel',
    accepts: PROJECTED_TYPES,
    failedRecordSink: deps.failedRecordSink,
    handle: async (event) => {
      const outcome = await projectOrderEvent(deps.repository, event, deps.projection);
      if (outcome === 'duplicate') countMetric('DuplicateOrderEvents');
    },
  });
}

export const handler = consumerEntry('orderReadModel', createOrderReadModelHandler, () => ({
  repository: new DynamoDbOrderViewRepository(documentClient(), requireTableName('orders')),
}));
