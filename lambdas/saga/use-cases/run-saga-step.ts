/**
 * runSagaStep: what each task of the order saga does. Command steps publish the command with the
 * task token and return; the service that consumes it answers the token. The other steps publish
 * an event of the order's lifecycle and return once the broker acknowledged it. The first step,
 * reserveInventory, publishes OrderPlaced too, ahead of its command: one task instead of two per
 * order. The payment token only ever travels in ChargeCard, never in an event.
 */
import { createEvent, lifecycleEventId, type TypedEnvelope } from '../../shared/events/codec';
import type { EventPublisher, PublishContext } from '../../shared/ports/event-publisher';
import {
  failedCompensationSchema,
  failureReasonOf,
  type SagaOrder,
  type SagaTaskEvent,
} from '../domain/saga-task';

export interface SagaStepDependencies {
  readonly publisher: EventPublisher;
  readonly publishContext?: PublishContext;
}

export interface SagaStepResult {
  readonly orderId: string;
  /** The message types published, in order. */
  readonly published: readonly string[];
}

export async function runSagaStep(event: SagaTaskEvent, deps: SagaStepDependencies): Promise<SagaStepResult> {
  const envelopes = messagesFor(event);
  // The step succeeds only once the broker acknowledged every record; otherwise it fails and is
  // retried whole: the same OrderPlaced again (the order's event id) and a command with the new
  // task token.
  await deps.publisher.publish(envelopes, deps.publishContext);
  return { orderId: event.order.orderId, published: envelopes.map((envelope) => envelope.eventType) };
}

function messagesFor(event: SagaTaskEvent): readonly TypedEnvelope[] {
  const message = messageFor(event);
  return event.step === 'reserveInventory' ? [orderPlaced(event.order), message] : [message];
}

/** What every order lifecycle event says about the order. */
function orderSummary(order: SagaOrder) {
  return {
    customerId: order.customerId,
    items: order.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
    total: order.total,
    currency: order.currency,
    email: order.email,
  };
}

function orderPlaced(order: SagaOrder): TypedEnvelope {
  return createEvent('OrderPlaced', {
    orderId: order.orderId,
    correlationId: order.correlationId,
    // Lifecycle events happen once per order: a retried step republishes the same eventId.
    eventId: lifecycleEventId(order.orderId, 'OrderPlaced'),
    data: { ...orderSummary(order), shippingAddress: order.shippingAddress, channel: 'web' },
  });
}

function messageFor(event: SagaTaskEvent): TypedEnvelope {
  const { order } = event;
  const ids = { orderId: order.orderId, correlationId: order.correlationId };
  // Lifecycle events happen once per order: a retried step republishes the same eventId.
  const once = (type: 'OrderConfirmed' | 'OrderFailed' | 'OrderNeedsAttention') => ({
    ...ids,
    eventId: lifecycleEventId(order.orderId, type),
  });
  const stockLines = order.items.map(({ sku, quantity }) => ({ sku, quantity }));
  const summary = orderSummary(order);
  const taskToken = event.taskToken!;
  switch (event.step) {
    case 'placeOrder':
      return orderPlaced(order);
    case 'reserveInventory':
      return createEvent('ReserveStock', { ...ids, data: { taskToken, items: stockLines } });
    case 'processPayment':
      return createEvent('ChargeCard', {
        ...ids,
        data: {
          taskToken,
          customerId: order.customerId,
          amount: order.total,
          currency: order.currency,
          paymentToken: order.paymentToken,
        },
      });
    case 'confirmOrder':
      return createEvent('OrderConfirmed', {
        ...once('OrderConfirmed'),
        // Fulfilment ships to the address without reading the orders table (OrderConfirmed v2).
        data: { ...summary, shippingAddress: order.shippingAddress },
      });
    case 'refundCharge':
      return createEvent('RefundCharge', {
        ...ids,
        data: { taskToken, customerId: order.customerId, currency: order.currency },
      });
    case 'releaseStock':
      return createEvent('ReleaseStock', { ...ids, data: { taskToken, items: stockLines } });
    case 'failOrder':
      return createEvent('OrderFailed', {
        ...once('OrderFailed'),
        data: { ...summary, reason: failureReasonOf(event) },
      });
    case 'flagNeedsAttention':
      return createEvent('OrderNeedsAttention', {
        ...once('OrderNeedsAttention'),
        data: {
          customerId: order.customerId,
          failedCompensation: failedCompensationOf(event, order),
          error: describeError(event, order),
        },
      });
  }
}

/** Reasons set on the inventory failure path, where ReleaseStock is the only compensation. */
const INVENTORY_REASONS: ReadonlySet<string> = new Set(['OUT_OF_STOCK', 'UNKNOWN_SKU', 'INVENTORY_TIMEOUT']);

/**
 * Which compensation gave up. Both compensations catch into the same state, so unless the event
 * names it, the state tells: a finished refund (`results.refund`) or the inventory failure path
 * (no refund step) means ReleaseStock failed; otherwise the caught error may say; else RefundCharge.
 */
function failedCompensationOf(event: SagaTaskEvent, order: SagaOrder): 'RefundCharge' | 'ReleaseStock' {
  const named = failedCompensationSchema.safeParse(event.failure?.failedCompensation);
  if (named.success) return named.data;
  const results = order.results as { refund?: unknown } | undefined;
  if (results?.refund !== undefined) return 'ReleaseStock';
  if (INVENTORY_REASONS.has(event.failure?.reason ?? '')) return 'ReleaseStock';
  const text = `${event.error?.Error ?? order.error?.Error ?? ''} ${event.error?.Cause ?? order.error?.Cause ?? ''}`;
  return /stock|inventory|reserv/i.test(text) ? 'ReleaseStock' : 'RefundCharge';
}

function describeError(event: SagaTaskEvent, order: SagaOrder): string {
  const caught = event.error ?? order.error;
  const text =
    [caught?.Error, caught?.Cause].filter(Boolean).join(': ') || 'Compensation failed after its retries';
  return text.slice(0, 2000);
}
