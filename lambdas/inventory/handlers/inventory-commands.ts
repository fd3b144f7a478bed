/**
 * The inventory service: consumes inventory.commands (ReserveStock, ReleaseStock) from MSK and
 * answers the saga. Idempotent by design (the reservation record), so no idempotency table.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import { SfnSagaCallback } from '../../saga/adapters/sfn-saga-callback';
import { documentClient } from '../../shared/aws/dynamodb';
import { sfnClient } from '../../shared/aws/sfn';
import { requireTableName } from '../../shared/env';
import { HEADERS } from '../../shared/events/envelope';
import {
  type DecodedKafkaRecord,
  type KafkaBatchResponse,
  processKafkaBatch,
} from '../../shared/kafka/batch';
import { failedRecordSinkFromEnvironment } from '../../shared/kafka/dead-letter-sink';
import { connectKafkaProducerEarly, eventPublisherFromEnvironment } from '../../shared/kafka/producer';
import { countMetric, instrumentHandler, logger } from '../../shared/observability';
import type { FailedRecordSink } from '../../shared/ports/failed-record-sink';
import { DynamoDbStockRepository } from '../adapters/dynamodb-stock-repository';
import { releaseStock } from '../use-cases/release-stock';
import { type InventoryDependencies, reserveStock } from '../use-cases/reserve-stock';

const OUTCOME_METRICS: Readonly<Record<string, string>> = {
  RESERVED: 'StockReservations',
  OUT_OF_STOCK: 'StockReservationsFailed',
  UNKNOWN_SKU: 'StockReservationsFailed',
  RELEASED: 'StockReleases',
  TRANSIENT_FAILURE: 'StockTransientFailures',
  STALE_TOKEN: 'StaleCommandsSkipped',
};

export interface InventoryHandlerDependencies extends InventoryDependencies {
  readonly failedRecordSink: FailedRecordSink;
}

export function createInventoryCommandsHandler(dependencies: () => InventoryHandlerDependencies) {
  return async (event: MSKEvent, _context: Context): Promise<KafkaBatchResponse> => {
    const deps = dependencies();
    return processKafkaBatch(event, (record) => handleCommand(record, deps), {
      failedRecordSink: deps.failedRecordSink,
      consumer: 'inventoryService',
      logger,
    });
  };
}

async function handleCommand(record: DecodedKafkaRecord, deps: InventoryDependencies): Promise<void> {
  const withTrace = { ...deps, publishContext: { traceHeader: record.headers[HEADERS.traceId] } };
  const { orderId, correlationId } = record.envelope;
  if (record.type === 'ReserveStock' || record.type === 'ReleaseStock') {
    const command = { orderId, correlationId, taskToken: record.data.taskToken, items: record.data.items };
    const result =
      record.type === 'ReserveStock'
        ? await reserveStock(command, withTrace)
        : await releaseStock(command, withTrace);
    logger.info('Inventory command handled', { orderId, command: record.type, outcome: result.outcome });
    countMetric(OUTCOME_METRICS[result.outcome] ?? 'StockCommandsHandled');
    if (result.outcome === 'STALE_TOKEN') {
      logger.warn('Task token no longer valid; the command was not acted on', {
        orderId,
        command: record.type,
      });
    } else if (result.callback === 'STALE') {
      // The saga timed out while this ran; its compensation releases whatever was reserved.
      logger.warn('Task token no longer valid; the saga already moved on', { orderId, command: record.type });
    }
    return;
  }
  logger.warn('Ignoring a message that is not an inventory command', { orderId, type: record.type });
}

let fromEnvironment: InventoryHandlerDependencies | undefined;

export function dependenciesFromEnvironment(): InventoryHandlerDependencies {
  fromEnvironment ??= {
    stock: new DynamoDbStockRepository(requireTableName('inventory'), documentClient()),
    callback: new SfnSagaCallback(sfnClient()),
    publisher: eventPublisherFromEnvironment(),
    failedRecordSink: failedRecordSinkFromEnvironment(),
  };
  return fromEnvironment;
}

export const handler = instrumentHandler(createInventoryCommandsHandler(dependenciesFromEnvironment), {
  name: 'inventory-commands',
});

connectKafkaProducerEarly();
