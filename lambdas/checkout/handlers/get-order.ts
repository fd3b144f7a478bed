/** GET /orders/{orderId}: the order's status and history, for its own customer only. */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { documentClient } from '../../shared/aws/dynamodb';
import { requireEnv } from '../../shared/env';
import { jsonResponse } from '../../shared/http';
import { instrumentHandler } from '../../shared/observability';
import { DynamoDbOrderRepository } from '../adapters/dynamodb-order-repository';
import { OrderNotFoundError } from '../domain/errors';
import { orderIdSchema } from '../domain/place-order-request';
import type { OrderRepository } from '../ports/order-repository';
import { getOrder } from '../use-cases/get-order';
import { customerIdOf, errorResponse } from './api-edge';

export interface GetOrderDependencies {
  readonly orders: OrderRepository;
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

let fromEnvironment: GetOrderDependencies | undefined;

export function dependenciesFromEnvironment(): GetOrderDependencies {
  fromEnvironment ??= {
    orders: new DynamoDbOrderRepository(requireEnv('ORDERS_TABLE_NAME'), documentClient()),
  };
  return fromEnvironment;
}

export const handler = instrumentHandler(createGetOrderHandler(dependenciesFromEnvironment), {
  name: 'get-order',
});
