/**
 * The body of `POST /orders`: the one definition. The checkout handler validates with it and the
 * CDK app exports it as the API Gateway request model, so both edges refuse the same input.
 * Prices and the customer id are deliberately absent: they never come from the client.
 */
import { z } from 'zod';
import { currencySchema, shippingAddressSchema, skuSchema } from '../../shared/events/payloads';

export const MAX_ORDER_LINES = 50;
export const MAX_QUANTITY = 100;
export const MAX_BODY_BYTES = 64 * 1024;

export const placeOrderRequestSchema = z
  .object({
    items: z
      .array(
        z
          .object({
            sku: skuSchema,
            quantity: z.number().int().min(1).max(MAX_QUANTITY),
          })
          .strict(),
      )
      .min(1)
      .max(MAX_ORDER_LINES),
    currency: currencySchema,
    payment: z.object({ token: z.string().regex(/^tok_[A-Za-z0-9_]{1,64}$/) }).strict(),
    email: z.email().max(254),
    shippingAddress: shippingAddressSchema,
  })
  .strict();

export type PlaceOrderRequest = z.infer<typeof placeOrderRequestSchema>;

/** `Idempotency-Key` header: 1-64 characters of `[A-Za-z0-9_-]`. */
export const idempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** `{orderId}` path parameter: order ids are UUIDs. */
export const orderIdSchema = z.uuid();
