/**
 * Payload schemas of every event and command, per version. A new version must stay backward
 * compatible with the previous one (new fields optional or defaulted); `npm test` checks the
 * committed JSON Schema exports under `schemas/` for that.
 *
 * Money is always an integer amount of minor units (cents) with an ISO-4217 currency.
 */
import * as z from './zod';

// zod/mini: `s.check(z.minLength(1))` is classic `s.min(1)`, `z.strictObject(shape)` is
// `z.object(shape).strict()`; the checks, their order and so the issues and JSON Schema are the same.

/** A string of `min`..`max` characters (classic `z.string().min(min).max(max)`). */
function text(min: number, max: number) {
  return z.string().check(z.minLength(min), z.maxLength(max));
}
/** A non-empty string (classic `z.string().min(1)`). */
function nonEmptyText() {
  return z.string().check(z.minLength(1));
}
/** An array of `min`..`max` items (classic `z.array(item).min(min).max(max)`). */
function listOf<T extends z.core.SomeType>(item: T, min: number, max: number) {
  return z.array(item).check(z.minLength(min), z.maxLength(max));
}

export const skuSchema = z.string().check(z.regex(/^[A-Z0-9][A-Z0-9-]{0,31}$/));
/** Order ids are UUIDs: checkout mints them, and `GET /orders/{orderId}` takes no other id. */
export const orderIdSchema = z.uuid();
export const currencySchema = z.enum(['EUR', 'USD', 'GBP']);
export const minorUnitsSchema = z.number().check(z.int(), z.nonnegative());
const quantitySchema = z.number().check(z.int(), z.gte(1), z.lte(100));

export const orderLineSchema = z.strictObject({
  sku: skuSchema,
  quantity: quantitySchema,
  unitPrice: minorUnitsSchema,
});
export const stockLineSchema = z.strictObject({ sku: skuSchema, quantity: quantitySchema });

export const shippingAddressSchema = z.strictObject({
  name: text(1, 200),
  line1: text(1, 200),
  line2: z.optional(z.string().check(z.maxLength(200))),
  city: text(1, 100),
  postalCode: text(1, 20),
  country: z.string().check(z.regex(/^[A-Z]{2}$/)),
});

/** Why an order failed; also the `reason` in the read model's history. */
export const failureReasonSchema = z.enum([
  'OUT_OF_STOCK',
  'UNKNOWN_SKU',
  'PAYMENT_DECLINED',
  'PAYMENT_TIMEOUT',
  'INVENTORY_TIMEOUT',
  'CONFIRMATION_FAILED',
  'INTERNAL_ERROR',
]);
export type FailureReason = z.infer<typeof failureReasonSchema>;

/** Step Functions task tokens are opaque and can be long. */
const taskTokenSchema = text(1, 8192);

const orderPlacedV1 = z.strictObject({
  customerId: nonEmptyText(),
  items: listOf(orderLineSchema, 1, 50),
  total: minorUnitsSchema,
  currency: currencySchema,
  email: z.email(),
  shippingAddress: shippingAddressSchema,
});

/** v2 adds the sales channel; events written as v1 are read as channel `web`. */
const orderPlacedV2 = z.extend(orderPlacedV1, {
  channel: z._default(z.enum(['web', 'app', 'marketplace']), 'web'),
});

const orderConfirmedV1 = z.strictObject({
  customerId: nonEmptyText(),
  items: listOf(orderLineSchema, 1, 50),
  total: minorUnitsSchema,
  currency: currencySchema,
  email: z.email(),
});

/**
 * v2 carries the shipping address, so fulfilment needs no read of the orders table (event-carried
 * state). Optional: v1 events (still in retention) are read without it.
 */
const orderConfirmedV2 = z.extend(orderConfirmedV1, { shippingAddress: z.optional(shippingAddressSchema) });

const orderFailedV1 = z.strictObject({
  customerId: nonEmptyText(),
  reason: failureReasonSchema,
  items: listOf(orderLineSchema, 1, 50),
  total: minorUnitsSchema,
  currency: currencySchema,
  email: z.email(),
});

const orderNeedsAttentionV1 = z.strictObject({
  customerId: nonEmptyText(),
  failedCompensation: z.enum(['RefundCharge', 'ReleaseStock']),
  error: z.string().check(z.maxLength(2000)),
});

const reserveStockV1 = z.strictObject({ taskToken: taskTokenSchema, items: listOf(stockLineSchema, 1, 50) });
const releaseStockV1 = reserveStockV1;

const stockReservedV1 = z.strictObject({ items: listOf(stockLineSchema, 1, 50) });
const stockReservationFailedV1 = z.strictObject({
  reason: z.enum(['OUT_OF_STOCK', 'UNKNOWN_SKU']),
  skus: z.array(skuSchema).check(z.minLength(1)),
});
const stockReleasedV1 = z.strictObject({ items: z.array(stockLineSchema).check(z.maxLength(50)) });

const chargeCardV1 = z.strictObject({
  taskToken: taskTokenSchema,
  customerId: nonEmptyText(),
  amount: minorUnitsSchema,
  currency: currencySchema,
  // An opaque token issued by the card processor; never card data.
  paymentToken: z.string().check(z.regex(/^tok_[A-Za-z0-9_]{1,64}$/)),
});
const refundChargeV1 = z.strictObject({
  taskToken: taskTokenSchema,
  customerId: nonEmptyText(),
  currency: currencySchema,
});

const paymentCapturedV1 = z.strictObject({
  customerId: nonEmptyText(),
  paymentId: nonEmptyText(),
  amount: minorUnitsSchema,
  currency: currencySchema,
});
const paymentDeclinedV1 = z.strictObject({
  customerId: nonEmptyText(),
  reason: z.enum(['DECLINED', 'INSUFFICIENT_FUNDS']),
  amount: minorUnitsSchema,
  currency: currencySchema,
});
const paymentRefundedV1 = paymentCapturedV1;

const shipmentCreatedV1 = z.strictObject({
  shipmentId: nonEmptyText(),
  customerId: nonEmptyText(),
  items: listOf(stockLineSchema, 1, 50),
  shippingAddress: shippingAddressSchema,
});

const sendEmailV1 = z.strictObject({
  to: z.email(),
  template: z.enum(['order-confirmed', 'order-failed', 'shipment-created']),
  variables: z.record(z.string(), z.union([z.string(), z.number()])),
});

/**
 * Every message type with its schemas by version (index = version - 1) and its topic key.
 * The last entry is the version publishers write.
 */
export const MESSAGE_SCHEMAS = {
  OrderPlaced: { topic: 'orderEvents', versions: [orderPlacedV1, orderPlacedV2] },
  OrderConfirmed: { topic: 'orderEvents', versions: [orderConfirmedV1, orderConfirmedV2] },
  OrderFailed: { topic: 'orderEvents', versions: [orderFailedV1] },
  OrderNeedsAttention: { topic: 'orderEvents', versions: [orderNeedsAttentionV1] },
  ReserveStock: { topic: 'inventoryCommands', versions: [reserveStockV1] },
  ReleaseStock: { topic: 'inventoryCommands', versions: [releaseStockV1] },
  StockReserved: { topic: 'inventoryEvents', versions: [stockReservedV1] },
  StockReservationFailed: { topic: 'inventoryEvents', versions: [stockReservationFailedV1] },
  StockReleased: { topic: 'inventoryEvents', versions: [stockReleasedV1] },
  ChargeCard: { topic: 'paymentCommands', versions: [chargeCardV1] },
  RefundCharge: { topic: 'paymentCommands', versions: [refundChargeV1] },
  PaymentCaptured: { topic: 'paymentEvents', versions: [paymentCapturedV1] },
  PaymentDeclined: { topic: 'paymentEvents', versions: [paymentDeclinedV1] },
  PaymentRefunded: { topic: 'paymentEvents', versions: [paymentRefundedV1] },
  ShipmentCreated: { topic: 'fulfilmentEvents', versions: [shipmentCreatedV1] },
  SendEmail: { topic: 'notificationCommands', versions: [sendEmailV1] },
} as const;

export type MessageType = keyof typeof MESSAGE_SCHEMAS;
type Latest<T extends readonly z.ZodMiniType[]> = T extends readonly [
  ...unknown[],
  infer L extends z.ZodMiniType,
]
  ? L
  : never;
/** The payload type of the version publishers write (and consumers receive, after upcasting). */
export type Payload<T extends MessageType> = z.output<Latest<(typeof MESSAGE_SCHEMAS)[T]['versions']>>;

export function latestVersion(type: MessageType): number {
  return MESSAGE_SCHEMAS[type].versions.length;
}

/** Shapes shared by several payloads, for domain code that builds or reads them. */
export type Currency = z.infer<typeof currencySchema>;
export type OrderLine = z.infer<typeof orderLineSchema>;
export type StockLine = z.infer<typeof stockLineSchema>;
export type ShippingAddress = z.infer<typeof shippingAddressSchema>;
