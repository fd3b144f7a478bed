/**
 * MSK consumer of orders.events: a shipment per confirmed order and its ShipmentCreated event on
 * fulfillment.events, carrying the trace context and correlation id of the OrderConfirmed record.
 * Idempotent by design (the shipment record), so no idempotency table: the shipment is put only if
 * the order has none, and until its ShipmentCreated is acknowledged a redelivery publishes the
 * stored event again under its stored eventId, which consumers of fulfillment.events recognise.
 */
import { randomUUID } from 'node:crypto';
import { documentClient } from '../../shared/aws/dynamodb';
import { requireTableName } from '../../shared/env';
import { HEADERS } from '../../shared/events/envelope';
import { consumerEntry } from '../../shared/kafka/consumer-entry';
import { type ConsumerDependencies, consumerHandler } from '../../shared/kafka/consumer-handler';
import { connectKafkaProducerEarly, eventPublisherFromEnvironment } from '../../shared/kafka/producer';
import { countMetric, logger } from '../../shared/observability';
import type { EventPublisher } from '../../shared/ports/event-publisher';
import { DynamoDbShipmentRepository } from '../adapters/dynamodb-shipment-repository';
import { DynamoDbShippingAddressLookup } from '../adapters/dynamodb-shipping-address-lookup';
import type { ShipmentRepository } from '../ports/shipment-repository';
import type { ShippingAddressLookup } from '../ports/shipping-address-lookup';
import { createShipment } from '../use-cases/create-shipment';

export interface FulfilmentHandlerDependencies extends ConsumerDependencies {
  readonly shipments: ShipmentRepository;
  readonly addresses: ShippingAddressLookup;
  readonly publisher: EventPublisher;
  /** @default crypto.randomUUID */
  readonly newEventId?: () => string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export function createFulfilmentHandler(deps: FulfilmentHandlerDependencies) {
  const useCaseDeps = {
    shipments: deps.shipments,
    addresses: deps.addresses,
    publisher: deps.publisher,
    newEventId: deps.newEventId ?? randomUUID,
    now: deps.now ?? (() => new Date()),
  };
  return consumerHandler({
    consumer: 'fulfilment',
    accepts: ['OrderConfirmed'],
    failedRecordSink: deps.failedRecordSink,
    handle: async (confirmed, record) => {
      const outcome = await createShipment(useCaseDeps, confirmed, {
        traceHeader: record.headers[HEADERS.traceId],
      });
      if (outcome === 'created') countMetric('ShipmentsCreated');
      logger.info('Shipment handled', { orderId: confirmed.orderId, outcome });
    },
  });
}

export const handler = consumerEntry('fulfilment', createFulfilmentHandler, () => ({
  shipments: new DynamoDbShipmentRepository(documentClient(), requireTableName('shipments')),
  addresses: new DynamoDbShippingAddressLookup(documentClient(), requireTableName('orders')),
  publisher: eventPublisherFromEnvironment(),
}));

connectKafkaProducerEarly();
