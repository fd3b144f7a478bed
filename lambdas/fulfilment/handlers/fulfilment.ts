/**
 * MSK consumer of orders.events: a shipment per confirmed order and its ShipmentCreated event on
 * fulfillment.events, carrying the trace context and correlation id of the OrderConfirmed record.
 * Idempotent by design (the shipment record), so no idempotency table: the shipment is put only if
 * the order has none, and until its ShipmentCreated is acknowledged a redelivery publishes the
 * stored event again under its stored eventId, which consumers of fulfillment.events recognise.
 */
import { randomUUID } from 'node:crypto';
import type { Context, MSKEvent } from 'aws-lambda';
import { CONSUMERS } from '../../../lib/config/consumers';
import { documentClient } from '../../shared/aws/dynamodb';
import { failedRecordSinkFromEnvironment } from '../../shared/aws/sqs-failed-record-sink';
import { requireEnv } from '../../shared/env';
import type { TypedEnvelope } from '../../shared/events/codec';
import { HEADERS } from '../../shared/events/envelope';
import {
  type DecodedKafkaRecord,
  type KafkaBatchResponse,
  processKafkaBatch,
} from '../../shared/kafka/batch';
import { connectKafkaProducerEarly, eventPublisherFromEnvironment } from '../../shared/kafka/producer';
import { countMetric, instrumentHandler, logger } from '../../shared/observability';
import type { EventPublisher } from '../../shared/ports/event-publisher';
import type { FailedRecordSink } from '../../shared/ports/failed-record-sink';
import { DynamoDbShipmentRepository } from '../adapters/dynamodb-shipment-repository';
import { DynamoDbShippingAddressLookup } from '../adapters/dynamodb-shipping-address-lookup';
import type { ShipmentRepository } from '../ports/shipment-repository';
import type { ShippingAddressLookup } from '../ports/shipping-address-lookup';
import { createShipment } from '../use-cases/create-shipment';

const spec = CONSUMERS.find((consumer) => consumer.name === 'fulfilment');

type ConfirmedRecord = DecodedKafkaRecord & { readonly envelope: TypedEnvelope<'OrderConfirmed'> };

export interface FulfilmentHandlerDependencies {
  readonly shipments: ShipmentRepository;
  readonly addresses: ShippingAddressLookup;
  readonly publisher: EventPublisher;
  readonly failedRecordSink: FailedRecordSink;
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
  const ship = async (record: ConfirmedRecord): Promise<void> => {
    const outcome = await createShipment(useCaseDeps, record.envelope, {
      traceHeader: record.headers[HEADERS.traceId],
    });
    if (outcome === 'created') countMetric('ShipmentsCreated');
    logger.info('Shipment handled', { orderId: record.envelope.orderId, outcome });
  };
  return (event: MSKEvent, _context: Context): Promise<KafkaBatchResponse> =>
    processKafkaBatch(
      event,
      async (record) => {
        if (record.envelope.eventType !== 'OrderConfirmed') return;
        await ship(record as ConfirmedRecord);
      },
      {
        failedRecordSink: deps.failedRecordSink,
        consumer: spec?.name,
        logger,
      },
    );
}

let configured: ReturnType<typeof createFulfilmentHandler> | undefined;

export const handler = instrumentHandler(
  (event: MSKEvent, context: Context) => {
    configured ??= createFulfilmentHandler({
      shipments: new DynamoDbShipmentRepository(documentClient(), requireEnv('SHIPMENTS_TABLE_NAME')),
      addresses: new DynamoDbShippingAddressLookup(documentClient(), requireEnv('ORDERS_TABLE_NAME')),
      publisher: eventPublisherFromEnvironment(),
      failedRecordSink: failedRecordSinkFromEnvironment(),
    });
    return configured(event, context);
  },
  { name: 'fulfilment' },
);

connectKafkaProducerEarly();
