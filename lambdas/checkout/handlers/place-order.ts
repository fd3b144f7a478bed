/**
 * POST /orders: validate, check the pipeline has room, price, create the order PENDING, start its
 * saga, answer 202 at once. A thin adapter around the placeOrder use case.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { sagaCommandMappings } from '../../../lib/config/consumers';
import { documentClient } from '../../shared/aws/dynamodb';
import { sfnClient } from '../../shared/aws/sfn';
import {
  optionalSetting,
  positiveIntegerEnv,
  requireEnv,
  requireSetting,
  requireTableName,
} from '../../shared/env';
import { customerIdOf, jsonResponse } from '../../shared/http';
import { discardSharedKafkaAdmin, sharedKafkaAdmin } from '../../shared/kafka/admin';
import { countMetric, instrumentHandler, logger } from '../../shared/observability';
import { DynamoDbOrderRepository } from '../adapters/dynamodb-order-repository';
import { DynamoDbPriceCatalogue } from '../adapters/dynamodb-price-catalogue';
import { KafkaCommandBacklogReader } from '../adapters/kafka-command-backlog';
import { SfnSagaStarter } from '../adapters/sfn-saga-starter';
import type { AdmissionPolicy } from '../domain/admission';
import { PipelineAtCapacityError } from '../domain/errors';
import { parsePlaceOrderRequest } from '../domain/parse-place-order-request';
import { AdmissionControl } from '../use-cases/admission-control';
import { type PlaceOrderDependencies, placeOrder } from '../use-cases/place-order';
import { errorResponse, headerOf } from './api-edge';
import { ADMISSION_ENV, CHECKOUT_METRICS } from './runtime-names';

export function createPlaceOrderHandler(dependencies: () => PlaceOrderDependencies) {
  return async (event: APIGatewayProxyEvent, _context: Context): Promise<APIGatewayProxyResult> => {
    let deps: PlaceOrderDependencies | undefined;
    try {
      const customerId = customerIdOf(event);
      const { request, idempotencyKey } = parsePlaceOrderRequest({
        body: event.body,
        isBase64Encoded: event.isBase64Encoded ?? false,
        idempotencyKey: headerOf(event, 'Idempotency-Key'),
      });
      const requestId = event.requestContext?.requestId;
      deps = dependencies();
      const result = await placeOrder(
        {
          customerId,
          request,
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
          ...(requestId ? { correlationId: requestId.slice(0, 128) } : {}),
        },
        deps,
      );
      logger.info(result.replayed ? 'Order request replayed' : 'Order placed', { orderId: result.orderId });
      countMetric(result.replayed ? CHECKOUT_METRICS.ordersReplayed : CHECKOUT_METRICS.ordersPlaced);
      return jsonResponse(
        202,
        { orderId: result.orderId, status: result.status },
        { Location: `/orders/${result.orderId}` },
      );
    } catch (error) {
      if (error instanceof PipelineAtCapacityError) {
        logger.warn('Order refused: the pipeline is at capacity', {
          retryAfterSeconds: error.retryAfterSeconds,
        });
        countMetric(CHECKOUT_METRICS.ordersRefused);
      }
      return errorResponse(error);
    } finally {
      // The next backlog reading may have started beside this order's work (see AdmissionGate.settled).
      await deps?.admission?.settled?.();
    }
  };
}

let fromEnvironment: PlaceOrderDependencies | undefined;

/** Built on first use, so a missing variable fails the request (500) rather than the import. */
export function dependenciesFromEnvironment(): PlaceOrderDependencies {
  fromEnvironment ??= {
    orders: new DynamoDbOrderRepository(requireTableName('orders'), documentClient()),
    prices: new DynamoDbPriceCatalogue(requireTableName('inventory'), documentClient()),
    saga: new SfnSagaStarter(requireSetting('stateMachineArn'), sfnClient()),
    admission: new AdmissionControl({
      reader: new KafkaCommandBacklogReader(sagaCommandMappings(), sharedKafkaAdmin, discardSharedKafkaAdmin),
      policy: admissionPolicyFromEnvironment(),
      onReadFailed: (error) => {
        logger.warn('Saga command backlogs unreadable: admitting orders without them', { error });
        countMetric(CHECKOUT_METRICS.backlogReadFailures);
      },
    }),
  };
  return fromEnvironment;
}

function admissionPolicyFromEnvironment(): AdmissionPolicy {
  // Required: a checkout deployed without them would take every order, however full the pipeline.
  requireEnv(ADMISSION_ENV.maxCommandBacklog);
  requireEnv(ADMISSION_ENV.retryAfterSeconds);
  return {
    maxCommandBacklog: positiveIntegerEnv(ADMISSION_ENV.maxCommandBacklog, 1),
    retryAfterSeconds: positiveIntegerEnv(ADMISSION_ENV.retryAfterSeconds, 1),
  };
}

/**
 * Connects the broker client while the module loads (Lambda's init phase), so the first backlog
 * reading of a fresh container does not spend its time limit on the handshake. Only the
 * connection: a reading taken here and timed out by a slow init would be kept, and admit blindly,
 * for the first checkouts. Without broker configuration (unit tests) it does nothing; a failure is
 * retried by the first reading.
 */
function connectBrokerEarly(): void {
  if (process.env.KAFKA_BROKERS || optionalSetting('mskClusterArn')) {
    sharedKafkaAdmin().catch(() => undefined);
  }
}

connectBrokerEarly();

export const handler = instrumentHandler(createPlaceOrderHandler(dependenciesFromEnvironment), {
  name: 'place-order',
});
