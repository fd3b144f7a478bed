/**
 * The body of `POST /orders`: the one definition. The checkout handler validates with it and the
 * CDK app exports it as the API Gateway request model, so both edges refuse the same input.
 * Prices and the customer id are deliberately absent: they never come from the client.
 */
import { currencySchema, shippingAddressSchema, skuSchema } from '../../shared/events/payloads';
import * as z from '../../shared/events/zod';

export const MAX_ORDER_LINES = 50;
export const MAX_QUANTITY = 100;
export const MAX_BODY_BYTES = 64 * 1024;

export const placeOrderRequestSchema = z.strictObject({
  items: z
    .array(
      z.strictObject({
        sku: skuSchema,
        quantity: z.number().check(z.int(), z.gte(1), z.lte(MAX_QUANTITY)),
      }),
    )
    .check(z.minLength(1), z.maxLength(MAX_ORDER_LINES)),
  currency: currencySchema,
  payment: z.strictObject({ token: z.string().check(z.regex(/^tok_[A-Za-z0-9_]{1,64}$/)) }),
  email: z.email().check(z.maxLength(254)),
  shippingAddress: shippingAddressSchema,
});

export type PlaceOrderRequest = z.infer<typeof placeOrderRequestSchema>;

/** `Idempotency-Key` header: 1-64 characters of `[A-Za-z0-9_-]`. */
export const idempotencyKeySchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));
