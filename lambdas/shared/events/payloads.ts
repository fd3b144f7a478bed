/**
 * Payload schemas of every event and command, per version. A new version must stay backward
 * compatible with the previous one (new fields optional or defaulted); `npm test` checks the
 * committed JSON Schema exports under `schemas/` for that.
 *
 * Money is always an integer amount of minor units (cents) with an ISO-4217 currency.
 */
import { z } from 'zod';

export const skuSchema = z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,31}$/);
export const currencySchema = z.enum(['EUR', 'USD', 'GBP']);
export const minorUnitsSchema = z.number().int().nonnegative();

export const orderLineSchema = z
  .object({ sku: skuSchema, quantity: z.number().int().min(1).max(100), unitPrice: minorUnitsSchema })
  .strict();
export const stockLineSchema = z
  .object({ sku: skuSchema, quantity: z.number().int().min(1).max(100) })
  .strict();

export const shippingAddressSchema = z
  .object({
    name: z.string().min(1).max(200),
    line1: z.string().min(1).max(200),
    line2: z.string().max(200).optional(),
    city: z.string().min(1).max(100),
    postalCode: z.string().min(1).max(20),
    country: z.string().regex(/^[A-Z]{2}$/),
  })
  .strict();

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
const taskTokenSchema = z.string().min(1).max(8192);

const orderPlacedV1 = z
  .object({
    customerId: z.string().min(1),
    items: z.array(orderLineSchema).min(1).max(50),
    total: minorUnitsSchema,
    currency: currencySchema,
    email: z.email(),
    shippingAddress: shippingAddressSchema,
  })
  .strict();

/** v2 adds the sales channel; events written as v1 are read as channel `web`. */
const orderPlacedV2 = orderPlacedV1.extend({ channel: z.enum(['web', 'app', 'marketplace']).default('web') });

const orderConfirmedV1 = z
  .object({
    customerId: z.string().min(1),
    items: z.array(orderLineSchema).min(1).max(50),
    total: minorUnitsSchema,
    currency: currencySchema,
    email: z.email(),
  })
  .strict();

/**
 * v2 carries the shipping address, so fulfilment needs no read of the orders table (event-carried
 * state). Optional: v1 events (still in retention) are read without it.
 */
const orderConfirmedV2 = orderConfirmedV1.extend({ shippingAddress: shippingAddressSchema.optional() });

const orderFailedV1 = z
  .object({
    customerId: z.string().min(1),
    reason: failureReasonSchema,
    items: z.array(orderLineSchema).min(1).max(50),
    total: minorUnitsSchema,
    currency: currencySchema,
    email: z.email(),
  })
  .strict();

const orderNeedsAttentionV1 = z
  .object({
    customerId: z.string().min(1),
    failedCompensation: z.enum(['RefundCharge', 'ReleaseStock']),
    error: z.string().max(2000),
  })
  .strict();

const reserveStockV1 = z
  .object({ taskToken: taskTokenSchema, items: z.array(stockLineSchema).min(1).max(50) })
  .strict();
const releaseStockV1 = reserveStockV1;

const stockReservedV1 = z.object({ items: z.array(stockLineSchema).min(1).max(50) }).strict();
const stockReservationFailedV1 = z
  .object({ reason: z.enum(['OUT_OF_STOCK', 'UNKNOWN_SKU']), skus: z.array(skuSchema).min(1) })
  .strict();
const stockReleasedV1 = z.object({ items: z.array(stockLineSchema).max(50) }).strict();

const chargeCardV1 = z
  .object({
    taskToken: taskTokenSchema,
    customerId: z.string().min(1),
    amount: minorUnitsSchema,
    currency: currencySchema,
    // An opaque token issued by the card processor; never card data.
    paymentToken: z.string().regex(/^tok_[A-Za-z0-9_]{1,64}$/),
  })
  .strict();
const refundChargeV1 = z
  .object({ taskToken: taskTokenSchema, customerId: z.string().min(1), currency: currencySchema })
  .strict();

const paymentCapturedV1 = z
  .object({
    customerId: z.string().min(1),
    paymentId: z.string().min(1),
    amount: minorUnitsSchema,
    currency: currencySchema,
  })
  .strict();
const paymentDeclinedV1 = z
  .object({
    customerId: z.string().min(1),
    reason: z.enum(['DECLINED', 'INSUFFICIENT_FUNDS']),
    amount: minorUnitsSchema,
    currency: currencySchema,
  })
  .strict();
const paymentRefundedV1 = paymentCapturedV1;

const shipmentCreatedV1 = z
  .object({
    shipmentId: z.string().min(1),
    customerId: z.string().min(1),
    items: z.array(stockLineSchema).min(1).max(50),
    shippingAddress: shippingAddressSchema,
  })
  .strict();

const sendEmailV1 = z
  .object({
    to: z.email(),
    template: z.enum(['order-confirmed', 'order-failed', 'shipment-created']),
    variables: z.record(z.string(), z.union([z.string(), z.number()])),
  })
  .strict();

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
  ShipmentCreated: { topic: 'fulfillmentEvents', versions: [shipmentCreatedV1] },
  SendEmail: { topic: 'notificationCommands', versions: [sendEmailV1] },
} as const;

export type MessageType = keyof typeof MESSAGE_SCHEMAS;
type Latest<T extends readonly z.ZodType[]> = T extends readonly [...unknown[], infer L extends z.ZodType]
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
