/**
 * POST /orders: validate, price, create the order PENDING, start its saga, answer 202 at once.
 * A thin adapter around the placeOrder use case.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { documentClient } from '../../shared/aws/dynamodb';
import { sfnClient } from '../../shared/aws/sfn';
import { requireEnv } from '../../shared/env';
import { jsonResponse } from '../../shared/http';
import { countMetric, instrumentHandler, logger } from '../../shared/observability';
import { DynamoDbOrderRepository } from '../adapters/dynamodb-order-repository';
import { DynamoDbPriceCatalogue } from '../adapters/dynamodb-price-catalogue';
import { SfnSagaStarter } from '../adapters/sfn-saga-starter';
import { parsePlaceOrderRequest } from '../domain/parse-place-order-request';
import { type PlaceOrderDependencies, placeOrder } from '../use-cases/place-order';
import { customerIdOf, errorResponse, headerOf } from './api-edge';

export function createPlaceOrderHandler(dependencies: () => PlaceOrderDependencies) {
  return async (event: APIGatewayProxyEvent, _context: Context): Promise<APIGatewayProxyResult> => {
    try {
      const customerId = customerIdOf(event);
      const { request, idempotencyKey } = parsePlaceOrderRequest({
        body: event.body,
        isBase64Encoded: event.isBase64Encoded ?? false,
        idempotencyKey: headerOf(event, 'Idempotency-Key'),
      });
      const requestId = event.requestContext?.requestId;
      const result = await placeOrder(
        {
          customerId,
          request,
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
          ...(requestId ? { correlationId: requestId.slice(0, 128) } : {}),
        },
        dependencies(),
      );
      logger.info(result.replayed ? 'Order request replayed' : 'Order placed', { orderId: result.orderId });
      countMetric(result.replayed ? 'OrdersReplayed' : 'OrdersPlaced');
      return jsonResponse(
        202,
        { orderId: result.orderId, status: result.status },
        { Location: `/orders/${result.orderId}` },
      );
    } catch (error) {
      return errorResponse(error);
    }
  };
}

let fromEnvironment: PlaceOrderDependencies | undefined;

/** Built on first use, so a missing variable fails the request (500) rather than the import. */
export function dependenciesFromEnvironment(): PlaceOrderDependencies {
  fromEnvironment ??= {
    orders: new DynamoDbOrderRepository(requireEnv('ORDERS_TABLE_NAME'), documentClient()),
    prices: new DynamoDbPriceCatalogue(requireEnv('INVENTORY_TABLE_NAME'), documentClient()),
    saga: new SfnSagaStarter(requireEnv('STATE_MACHINE_ARN'), sfnClient()),
  };
  return fromEnvironment;
}

export const handler = instrumentHandler(createPlaceOrderHandler(dependenciesFromEnvironment), {
  name: 'place-order',
});
