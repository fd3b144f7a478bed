/**
 * The order read model: the item `GET /orders/{id}` reads (CONTRACTS.md, table `orders`) and the
 * pure projection of order, stock, payment and shipment events into it.
 *
 * The projection is built so that the order in which events arrive does not matter: events of one
 * order come from four topics on different partitions, so they interleave freely.
 * - each status appears at most once in an order's life, so the history holds at most one entry per
 *   status; when two events claim the same status (a republished OrderConfirmed has a new eventId)
 *   the earliest wins, ties broken by eventId - a choice that does not depend on arrival order;
 * - the status is the highest-ranked status in the history, not the last one applied;
 * - order facts (items, total, ...) are the same on every event that carries them, so the first
 *   one seen is kept and later ones fill only what is still missing.
 */
import type { EventEnvelope } from '../../shared/events/envelope';
import type { Payload } from '../../shared/events/payloads';
import type { OrderStatus } from '../../shared/order-status';

/** FAILED and NEEDS_ATTENTION are terminal: they outrank every step of the happy path. */
export const STATUS_RANK: Readonly<Record<OrderStatus, number>> = {
  PENDING: 0,
  STOCK_RESERVED: 1,
  PAID: 2,
  CONFIRMED: 3,
  FAILED: 4,
  NEEDS_ATTENTION: 5,
};

export interface HistoryEntry {
  readonly status: OrderStatus;
  readonly at: string;
  readonly reason?: string;
  readonly eventId?: string;
}

type OrderPlacedData = Payload<'OrderPlaced'>;

export interface OrderView {
  readonly orderId: string;
  readonly customerId?: string;
  readonly status: OrderStatus;
  readonly items?: OrderPlacedData['items'];
  readonly total?: number;
  readonly currency?: OrderPlacedData['currency'];
  readonly email?: string;
  readonly shippingAddress?: OrderPlacedData['shippingAddress'];
  readonly channel?: OrderPlacedData['channel'];
  readonly history: readonly HistoryEntry[];
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly shipmentId?: string;
  readonly paymentId?: string;
  /** Amount refunded, in minor units; set once a refund went through. */
  readonly refundedAmount?: number;
  /** Events already projected; a redelivered event is recognised here and changes nothing. */
  readonly appliedEventIds?: readonly string[];
}

/**
 * What `GET /orders/{orderId}` shows the order's customer: the order itself, no customer data
 * beyond it (e-mail, address) and no internals (event ids, versions, the checkout's request hash).
 */
export interface CustomerOrderView {
  readonly orderId: OrderView['orderId'];
  readonly status: OrderView['status'];
  readonly items: NonNullable<OrderView['items']>;
  readonly total: NonNullable<OrderView['total']>;
  readonly currency: NonNullable<OrderView['currency']>;
  readonly history: readonly Omit<HistoryEntry, 'eventId'>[];
}

/**
 * The customer's view of an order, or `undefined` while the view lacks the order itself: checkout
 * writes it with the order, but a view rebuilt by replay starts from whichever event comes first.
 */
export function customerViewOf(view: OrderView): CustomerOrderView | undefined {
  const { orderId, status, items, total, currency } = view;
  if (items === undefined || total === undefined || currency === undefined) return undefined;
  return {
    orderId,
    status,
    items: items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice })),
    total,
    currency,
    history: view.history.map(({ status, at, reason }) =>
      reason === undefined ? { status, at } : { status, at, reason },
    ),
  };
}

/** Event types the read model projects. */
export const PROJECTED_TYPES = [
  'OrderPlaced',
  'StockReserved',
  'StockReservationFailed',
  'StockReleased',
  'PaymentCaptured',
  'PaymentDeclined',
  'PaymentRefunded',
  'OrderConfirmed',
  'OrderFailed',
  'OrderNeedsAttention',
  'ShipmentCreated',
] as const;

export type ProjectedType = (typeof PROJECTED_TYPES)[number];

export type ProjectedEvent = { [T in ProjectedType]: EventEnvelope<T, Payload<T>> }[ProjectedType];

export function isProjectedType(type: string): type is ProjectedType {
  return (PROJECTED_TYPES as readonly string[]).includes(type);
}

/**
 * How many event ids the item remembers. An order sees about a dozen events; the cap only keeps a
 * pathological stream of republished events from growing the item towards DynamoDB's 400 KB limit.
 */
export const MAX_APPLIED_EVENT_IDS = 100;

/** The status an event moves the order to, if any. Stock/payment failures only precede OrderFailed. */
function statusEntryOf(event: ProjectedEvent): HistoryEntry | undefined {
  const base = { at: utc(event.timestamp), eventId: event.eventId };
  switch (event.eventType) {
    case 'OrderPlaced':
      return { status: 'PENDING', ...base };
    case 'StockReserved':
      return { status: 'STOCK_RESERVED', ...base };
    case 'PaymentCaptured':
      return { status: 'PAID', ...base };
    case 'OrderConfirmed':
      return { status: 'CONFIRMED', ...base };
    case 'OrderFailed':
      return { status: 'FAILED', ...base, reason: event.data.reason };
    case 'OrderNeedsAttention':
      return { status: 'NEEDS_ATTENTION', ...base, reason: `${event.data.failedCompensation}Failed` };
    default:
      return undefined;
  }
}

/** A total order on candidate entries for one status: earliest first, then by eventId. */
function preferred(a: HistoryEntry, b: HistoryEntry): HistoryEntry {
  if (a.at !== b.at) return a.at < b.at ? a : b;
  return (a.eventId ?? '') <= (b.eventId ?? '') ? a : b;
}

function compareHistory(a: HistoryEntry, b: HistoryEntry): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return STATUS_RANK[a.status] - STATUS_RANK[b.status];
}

export function mergeHistory(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  const others = history.filter((existing) => existing.status !== entry.status);
  const current = history.find((existing) => existing.status === entry.status);
  // An entry without eventId is the checkout's own PENDING write; the OrderPlaced event stands for it.
  const fromEvent = (candidate: HistoryEntry) => candidate.eventId !== undefined;
  const winner =
    current === undefined
      ? entry
      : fromEvent(current) !== fromEvent(entry)
        ? fromEvent(entry)
          ? entry
          : current
        : preferred(current, entry);
  return [...others, winner].sort(compareHistory);
}

export function statusOf(history: readonly HistoryEntry[]): OrderStatus {
  return history.reduce<OrderStatus>(
    (best, entry) => (STATUS_RANK[entry.status] > STATUS_RANK[best] ? entry.status : best),
    'PENDING',
  );
}

interface OrderFacts {
  customerId?: string;
  items?: OrderView['items'];
  total?: number;
  currency?: OrderView['currency'];
  email?: string;
  shippingAddress?: OrderView['shippingAddress'];
  channel?: OrderView['channel'];
  shipmentId?: string;
  paymentId?: string;
  refundedAmount?: number;
}

function factsOf(event: ProjectedEvent): OrderFacts {
  switch (event.eventType) {
    case 'OrderPlaced':
    case 'OrderConfirmed':
    case 'OrderFailed':
      return {
        customerId: event.data.customerId,
        items: event.data.items,
        total: event.data.total,
        currency: event.data.currency,
        email: event.data.email,
        ...('shippingAddress' in event.data ? { shippingAddress: event.data.shippingAddress } : {}),
        ...('channel' in event.data ? { channel: event.data.channel } : {}),
      };
    case 'PaymentCaptured':
      return {
        customerId: event.data.customerId,
        paymentId: event.data.paymentId,
        currency: event.data.currency,
      };
    case 'PaymentRefunded':
      return {
        customerId: event.data.customerId,
        paymentId: event.data.paymentId,
        refundedAmount: event.data.amount,
      };
    case 'PaymentDeclined':
    case 'OrderNeedsAttention':
      return { customerId: event.data.customerId };
    case 'ShipmentCreated':
      return {
        customerId: event.data.customerId,
        shipmentId: event.data.shipmentId,
        shippingAddress: event.data.shippingAddress,
      };
    default:
      return {};
  }
}

/** Fills the facts the view does not have yet; facts already known stay as they are. */
function fillMissing(view: OrderView, facts: OrderFacts): Partial<OrderView> {
  const filled: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(facts)) {
    if (value !== undefined && (view as unknown as Record<string, unknown>)[name] === undefined) {
      filled[name] = value;
    }
  }
  return filled as Partial<OrderView>;
}

/**
 * Times are compared as strings, which is only sound in one format: envelopes may carry any UTC
 * offset, so every time is normalised to `toISOString()` (UTC, milliseconds).
 */
export function utc(timestamp: string): string {
  return new Date(timestamp).toISOString();
}

function later(a: string | undefined, b: string): string {
  return a === undefined || b > a ? b : a;
}

function earlier(a: string | undefined, b: string): string {
  return a === undefined || b < a ? b : a;
}

/** An empty view for an order whose first event seen is not OrderPlaced (topics interleave). */
export function emptyView(orderId: string): OrderView {
  return { orderId, status: 'PENDING', history: [], appliedEventIds: [] };
}

/**
 * Projects one event into the view. Returns `undefined` when the event was already applied, so the
 * caller can skip the write. Properties the projection does not know (the checkout's requestHash)
 * are carried over untouched.
 */
export function applyEvent(current: OrderView | undefined, event: ProjectedEvent): OrderView | undefined {
  const view = current ?? emptyView(event.orderId);
  const applied = view.appliedEventIds ?? [];
  if (applied.includes(event.eventId)) return undefined;

  const entry = statusEntryOf(event);
  const history = entry === undefined ? [...view.history] : mergeHistory(view.history, entry);
  return {
    ...view,
    ...fillMissing(view, factsOf(event)),
    status: statusOf(history),
    history,
    // createdAt comes from the checkout or, when rebuilding, from the earliest event of the order.
    createdAt:
      event.eventType === 'OrderPlaced' ? earlier(view.createdAt, utc(event.timestamp)) : view.createdAt,
    // Event time rather than wall-clock time, so a replay rebuilds the same item.
    updatedAt: later(view.updatedAt, utc(event.timestamp)),
    // Sorted, so the item is the same whatever order the events came in. Forgetting an id is safe:
    // re-applying an event yields the same view; the list only saves the write.
    appliedEventIds: [...applied, event.eventId].sort().slice(-MAX_APPLIED_EVENT_IDS),
  };
}
