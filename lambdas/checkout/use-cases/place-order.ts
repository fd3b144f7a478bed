/**
 * placeOrder: price the request from the catalogue, write the order PENDING once, start its saga.
 * A repeat with the same Idempotency-Key and body lands on the same order and starts nothing new;
 * the same key with another body is a conflict. While the pipeline is at capacity a new order is
 * refused before anything is written; a repeat of an order already taken still gets its answer.
 */
import { randomUUID } from 'node:crypto';
import type { OrderLine, ShippingAddress } from '../../shared/events/payloads';
import {
  IdempotencyKeyConflictError,
  InvalidOrderRequestError,
  PipelineAtCapacityError,
  type RequestProblem,
} from '../domain/errors';
import { type Order, orderTotal } from '../domain/order';
import { newOrderId, requestHash } from '../domain/order-id';
import { MAX_QUANTITY, type PlaceOrderRequest } from '../domain/place-order-request';
import type { OrderRepository } from '../ports/order-repository';
import type { PriceCatalogue } from '../ports/price-catalogue';
import type { SagaInput, SagaStarter } from '../ports/saga-starter';
import type { AdmissionGate } from './admission-control';

export interface PlaceOrderDependencies {
  readonly orders: OrderRepository;
  readonly prices: PriceCatalogue;
  readonly saga: SagaStarter;
  /** Whether the pipeline can take one more order. @default every order is taken */
  readonly admission?: AdmissionGate;
  readonly now?: () => Date;
}

export interface PlaceOrderCommand {
  /** The authenticated customer (the JWT `sub`). */
  readonly customerId: string;
  readonly request: PlaceOrderRequest;
  readonly idempotencyKey?: string;
  /** Carried on every event of the order; a new one is made when absent. */
  readonly correlationId?: string;
}

export interface PlaceOrderResult {
  readonly orderId: string;
  readonly status: 'PENDING';
  /** True when this call repeated an earlier one with the same Idempotency-Key and body. */
  readonly replayed: boolean;
}

export async function placeOrder(
  command: PlaceOrderCommand,
  deps: PlaceOrderDependencies,
): Promise<PlaceOrderResult> {
  const { customerId, request, idempotencyKey } = command;
  const quantities = mergeLines(request);
  const orderId = newOrderId(customerId, idempotencyKey);
  const hash = requestHash(request);
  await admit(deps, { orderId, customerId, hash, repeatable: idempotencyKey !== undefined });
  const items = await priceLines(quantities, request, deps.prices);
  const at = (deps.now?.() ?? new Date()).toISOString();

  const order: Order = {
    orderId,
    customerId,
    status: 'PENDING',
    items,
    total: orderTotal(items),
    currency: request.currency,
    email: request.email,
    shippingAddress: request.shippingAddress,
    history: [{ status: 'PENDING', at }],
    requestHash: hash,
    correlationId: command.correlationId ?? randomUUID(),
    createdAt: at,
    updatedAt: at,
  };

  const created = await deps.orders.createIfAbsent(order);
  let stored = order;
  if (!created.created) {
    if (created.existing.customerId !== customerId || created.existing.requestHash !== hash) {
      throw new IdempotencyKeyConflictError(orderId);
    }
    stored = created.existing;
  }

  // Also on a replay: if the first call died between the put and StartExecution, this starts the
  // saga; if it did start, Step Functions recognises the same name and input and starts nothing.
  const started = await deps.saga.start(sagaInputOf(stored, request.payment.token));
  if (started === 'CONFLICT') {
    throw new IdempotencyKeyConflictError(orderId);
  }
  return { orderId, status: 'PENDING', replayed: !created.created || started === 'ALREADY_STARTED' };
}

/**
 * Refuses a new order while the pipeline is at capacity, before the catalogue read, the write or
 * the saga: a refused checkout costs the shop nothing and leaves nothing behind. A repeat of an
 * order that was already taken (same Idempotency-Key and body) passes: its answer is owed, and the
 * work it may still start (a saga whose first StartExecution was lost) was accepted back then.
 */
async function admit(
  deps: PlaceOrderDependencies,
  order: { orderId: string; customerId: string; hash: string; repeatable: boolean },
): Promise<void> {
  const decision = await deps.admission?.check();
  if (decision === undefined || decision.admitted) return;
  if (order.repeatable) {
    const existing = await deps.orders.get(order.orderId);
    if (existing?.customerId === order.customerId && existing.requestHash === order.hash) return;
  }
  throw new PipelineAtCapacityError(decision.retryAfterSeconds);
}

/** The execution input is rebuilt from the stored order, so a replay's input is identical. */
export function sagaInputOf(order: Order, paymentToken: string): SagaInput {
  if (order.shippingAddress === undefined) {
    throw new Error(`Order ${order.orderId} has no shipping address`);
  }
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    items: order.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
    total: order.total,
    currency: order.currency,
    email: order.email,
    shippingAddress: canonicalAddress(order.shippingAddress),
    paymentToken,
    correlationId: order.correlationId ?? order.orderId,
    placedAt: order.createdAt,
  };
}

/**
 * Fixed key order: DynamoDB returns map attributes in any order, and Step Functions compares a
 * repeated StartExecution's input as text.
 */
function canonicalAddress(address: ShippingAddress): ShippingAddress {
  const { name, line1, line2, city, postalCode, country } = address;
  return { name, line1, ...(line2 === undefined ? {} : { line2 }), city, postalCode, country };
}

/** A SKU listed twice becomes one line, because a stock reservation touches each SKU once. */
function mergeLines(request: PlaceOrderRequest): Map<string, number> {
  const quantities = new Map<string, number>();
  for (const line of request.items) {
    quantities.set(line.sku, (quantities.get(line.sku) ?? 0) + line.quantity);
  }
  const problems: RequestProblem[] = [];
  for (const [sku, quantity] of quantities) {
    if (quantity > MAX_QUANTITY) {
      problems.push({
        field: 'items',
        message: `${sku}: ${quantity} in total; at most ${MAX_QUANTITY} per SKU`,
      });
    }
  }
  if (problems.length > 0)
    throw new InvalidOrderRequestError('The order request is invalid', { details: problems });
  return quantities;
}

async function priceLines(
  quantities: ReadonlyMap<string, number>,
  request: PlaceOrderRequest,
  catalogue: PriceCatalogue,
): Promise<OrderLine[]> {
  const { currency } = request;
  const fieldOf = (sku: string) => `items[${request.items.findIndex((line) => line.sku === sku)}].sku`;
  const prices = await catalogue.pricesOf([...quantities.keys()]);
  const problems: RequestProblem[] = [];
  const lines: OrderLine[] = [];
  for (const [sku, quantity] of quantities) {
    const price = prices.get(sku);
    if (price === undefined) {
      problems.push({ field: fieldOf(sku), message: `Unknown SKU ${sku}` });
    } else if (price.currency !== currency) {
      problems.push({ field: fieldOf(sku), message: `${sku} is sold in ${price.currency}, not ${currency}` });
    } else {
      lines.push({ sku, quantity, unitPrice: price.price });
    }
  }
  if (problems.length > 0) {
    const unknownOnly = problems.every((problem) => problem.message.startsWith('Unknown SKU'));
    throw new InvalidOrderRequestError('The order request is invalid', {
      details: problems,
      code: unknownOnly ? 'UNKNOWN_SKU' : 'VALIDATION_ERROR',
    });
  }
  return lines;
}
