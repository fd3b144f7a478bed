/** GET /orders/{orderId}: the order's status and history, for its own customer only. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { documentClient } from '../../shared/aws/dynamodb';
import { requireTableName } from '../../shared/env';
import { orderIdSchema } from '../../shared/events/payloads';
import { customerIdOf, jsonResponse, NotFoundError, toApiResponse } from '../../shared/http';
import { instrumentHandler, logger } from '../../shared/observability';
import { DynamoDbOrderViewRepository } from '../adapters/dynamodb-order-view-repository';
import { OrderNotFoundError } from '../domain/errors';
import type { OrderViewRepository } from '../ports/order-view-repository';
import { getOrder } from '../use-cases/get-order';

export interface GetOrderDependencies {
  readonly views: Pick<OrderViewRepository, 'load'>;
}

export function createGetOrderHandler(dependencies: () => GetOrderDependencies) {
  return async (event: APIGatewayProxyEvent, _context: Context): Promise<APIGatewayProxyResult> => {
    try {
      const customerId = customerIdOf(event);
      const orderId = event.pathParameters?.orderId ?? '';
      // A malformed id names no order: 404 like any other unknown id, without a table read.
      if (!orderIdSchema.safeParse(orderId).success) throw new OrderNotFoundError(orderId.slice(0, 64));
      const order = await getOrder({ customerId, orderId }, dependencies());
      return jsonResponse(200, order);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

function errorResponse(error: unknown): APIGatewayProxyResult {
  const mapped =
    error instanceof OrderNotFoundError ? new NotFoundError(error.message, { cause: error }) : error;
  return toApiResponse(mapped, logger);
}

let fromEnvironment: GetOrderDependencies | undefined;

export function dependenciesFromEnvironment(): GetOrderDependencies {
  fromEnvironment ??= {
    views: new DynamoDbOrderViewRepository(documentClient(), requireTableName('orders')),
  };
  return fromEnvironment;
}

export const handler = instrumentHandler(createGetOrderHandler(dependenciesFromEnvironment), {
  name: 'get-order',
});
