/**
 * The payment service: consumes payments.commands (ChargeCard, RefundCharge) from MSK, charges
 * through the PaymentProvider (the simulated processor by default) and answers the saga.
 * Idempotent by design (the ledger), so no idempotency table.
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
import { DynamoDbPaymentLedger } from '../adapters/dynamodb-payment-ledger';
import { SimulatedCardProcessor } from '../adapters/simulated-card-processor';
import { chargeCard, type PaymentDependencies } from '../use-cases/charge-card';
import { refundCharge } from '../use-cases/refund-charge';

export interface PaymentHandlerDependencies extends PaymentDependencies {
  readonly failedRecordSink: FailedRecordSink;
}

const OUTCOME_METRICS: Readonly<Record<string, string>> = {
  CHARGED: 'PaymentsCaptured',
  DECLINED: 'PaymentsDeclined',
  NO_ANSWER: 'PaymentsUnanswered',
  TRANSIENT_FAILURE: 'PaymentTransientFailures',
  REFUNDED: 'PaymentsRefunded',
  REFUNDED_AFTER_VOID: 'PaymentsRefundedAfterVoid',
  STALE_TOKEN: 'StaleCommandsSkipped',
};

export function createPaymentCommandsHandler(dependencies: () => PaymentHandlerDependencies) {
  return async (event: MSKEvent, _context: Context): Promise<KafkaBatchResponse> => {
    const deps = dependencies();
    return processKafkaBatch(event, (record) => handleCommand(record, deps), {
      failedRecordSink: deps.failedRecordSink,
      consumer: 'paymentService',
      logger,
    });
  };
}

async function handleCommand(record: DecodedKafkaRecord, deps: PaymentDependencies): Promise<void> {
  const withTrace = { ...deps, publishContext: { traceHeader: record.headers[HEADERS.traceId] } };
  const { orderId, correlationId } = record.envelope;
  let outcome: string;
  let callback: string | undefined;
  if (record.type === 'ChargeCard') {
    const { taskToken, customerId, amount, currency, paymentToken } = record.data;
    const result = await chargeCard(
      { orderId, correlationId, taskToken, customerId, amount, currency, paymentToken },
      withTrace,
    );
    ({ outcome, callback } = result);
    logger.info('ChargeCard handled', { orderId, outcome, attempts: result.attempts });
  } else if (record.type === 'RefundCharge') {
    const { taskToken, customerId, currency } = record.data;
    ({ outcome, callback } = await refundCharge(
      { orderId, correlationId, taskToken, customerId, currency },
      withTrace,
    ));
    logger.info('RefundCharge handled', { orderId, outcome });
  } else {
    logger.warn('Ignoring a message that is not a payment command', { orderId, type: record.type });
    return;
  }
  const metric = OUTCOME_METRICS[outcome];
  if (metric !== undefined) countMetric(metric);
  if (outcome === 'STALE_TOKEN') {
    logger.warn('Task token no longer valid; the command was not acted on', {
      orderId,
      command: record.type,
    });
  } else if (callback === 'STALE') {
    // The saga timed out while this ran; its compensation refunds whatever was charged.
    logger.warn('Task token no longer valid; the saga already moved on', { orderId, command: record.type });
  }
}

let fromEnvironment: PaymentHandlerDependencies | undefined;

export function dependenciesFromEnvironment(): PaymentHandlerDependencies {
  fromEnvironment ??= {
    ledger: new DynamoDbPaymentLedger(requireTableName('payments'), documentClient()),
    provider: new SimulatedCardProcessor(),
    callback: new SfnSagaCallback(sfnClient()),
    publisher: eventPublisherFromEnvironment(),
    failedRecordSink: failedRecordSinkFromEnvironment(),
  };
  return fromEnvironment;
}

export const handler = instrumentHandler(createPaymentCommandsHandler(dependenciesFromEnvironment), {
  name: 'payment-commands',
});

connectKafkaProducerEarly();
