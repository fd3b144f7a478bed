/**
 * The OpenAPI 3.0 description of the checkout API (`POST /orders`, `GET /orders/{orderId}`), built
 * from the same zod schemas the checkout handler and the API Gateway model use, so the committed
 * `openapi/order-api.json` cannot drift from the code: `scripts/openapi.ts check` compares them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import {
  idempotencyKeySchema,
  MAX_BODY_BYTES,
  placeOrderRequestSchema,
} from '../../lambdas/checkout/domain/place-order-request';
import type { CustomerOrderView } from '../../lambdas/order-read-model/domain/order-view';
import { currencySchema, orderIdSchema, skuSchema } from '../../lambdas/shared/events/payloads';
import { ORDER_STATUSES } from '../../lambdas/shared/order-status';
import { IDEMPOTENCY_KEY_HEADER, RETRY_AFTER_HEADER } from '../../lib/constructs/checkout-api';

export const OPENAPI_FILE = join(__dirname, '..', '..', 'openapi', 'order-api.json');

type JsonObject = Record<string, unknown>;

/** The body of `GET /orders/{orderId}`: the zod twin of the CustomerOrderView the read model returns. */
export const orderViewSchema = z
  .object({
    orderId: orderIdSchema,
    status: z.enum(ORDER_STATUSES),
    items: z.array(
      z.object({
        sku: skuSchema,
        quantity: z.number().int().min(1),
        unitPrice: z.number().int().min(0).describe('Minor units (cents), from the catalogue'),
      }),
    ),
    total: z.number().int().min(0).describe('Minor units (cents)'),
    currency: currencySchema,
    history: z.array(
      z.object({
        status: z.enum(ORDER_STATUSES),
        at: z.iso.datetime(),
        reason: z.string().optional(),
      }),
    ),
  })
  .strict();

// Compile-time guard: the schema and the interface describe the same object, both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type DeepMutable<T> = T extends readonly (infer U)[]
  ? DeepMutable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
    : T;
const orderViewMatchesInterface: Same<z.infer<typeof orderViewSchema>, DeepMutable<CustomerOrderView>> = true;
void orderViewMatchesInterface;

const placeOrderAcceptedSchema = z.object({ orderId: orderIdSchema, status: z.literal('PENDING') }).strict();

/** `{"error":{"code","message","details"}}`: every refusal, from the gateway or a handler. */
const errorBodySchema = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. VALIDATION_ERROR, UNAUTHORIZED'),
    message: z.string(),
    details: z.array(
      z.object({
        field: z.string().optional().describe('The offending field, e.g. items[0].quantity'),
        message: z.string(),
      }),
    ),
  }),
});

/** A valid order against the local demo catalogue; it documents the body and seeds the fuzzer. */
const PLACE_ORDER_EXAMPLE = {
  items: [{ sku: 'SKU-1', quantity: 1 }],
  currency: 'EUR',
  payment: { token: 'tok_approve' },
  email: 'ada@example.com',
  shippingAddress: {
    name: 'Ada Lovelace',
    line1: '1 Analytical St',
    city: 'Berlin',
    postalCode: '10115',
    country: 'DE',
  },
} satisfies z.input<typeof placeOrderRequestSchema>;

function schemaOf(schema: z.core.$ZodType, io: 'input' | 'output' = 'output'): JsonObject {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io }) as JsonObject;
}

const ERROR_DESCRIPTIONS: Readonly<Record<string, string>> = {
  '400': 'The request is invalid (body, JSON, Idempotency-Key, unknown SKU, or a body over 64 KiB)',
  '401': 'No valid bearer token (missing, expired, unsigned, other issuer or audience)',
  '403': 'Blocked by the web ACL (AWS only)',
  '404': 'No such order for this customer (another customer’s order looks the same)',
  '409': 'The Idempotency-Key was already used by this customer for a different request',
  '413': 'The body exceeds API Gateway’s 10 MB payload limit',
  '429': 'Over the stage throttle',
  '500': 'Internal error (details are logged, never returned)',
  '502': 'The function failed',
  '503':
    'The shop is at capacity: its saga services have more orders queued than they finish in time. ' +
    'Nothing was written and no saga started; send the same request again after Retry-After seconds',
  '504': 'The function did not answer in time',
};

/** Headers an error response carries besides its body. */
const ERROR_HEADERS: Readonly<Record<string, JsonObject>> = {
  '503': {
    [RETRY_AFTER_HEADER]: {
      description: 'Seconds to wait before sending the request again',
      required: true,
      schema: { type: 'integer', minimum: 1 },
    },
  },
};

function errorResponses(codes: readonly string[]): JsonObject {
  return Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/responses/Error${code}` }]));
}

/** The OpenAPI document, as a plain object in a stable key order. */
export function buildOpenApiDocument(): JsonObject {
  const errorCodes = Object.keys(ERROR_DESCRIPTIONS);
  return {
    openapi: '3.0.3',
    info: {
      title: 'Order pipeline checkout API',
      version: '1.0.0',
      description:
        'Place an order (answered 202 as soon as its saga started) and read its status and history. ' +
        'Generated by `npx tsx scripts/openapi.ts export` from lambdas/checkout/domain/place-order-request.ts; ' +
        'do not edit by hand. Amounts are integer minor units; prices and the customer id never come ' +
        'from the client.',
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'Local mode (`npm start`, API_PORT)' },
      {
        url: 'https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}',
        description: 'AWS',
        variables: {
          restApiId: { default: 'restApiId' },
          region: { default: 'eu-central-1' },
          stage: { default: 'dev', enum: ['dev', 'prod'] },
        },
      },
    ],
    security: [{ bearerAuth: [] }],
    paths: {
      '/orders': {
        post: {
          operationId: 'PlaceOrder',
          summary: 'Place an order',
          parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/PlaceOrderRequest' } } },
          },
          responses: {
            '202': {
              description: 'Accepted: the order is PENDING and its saga started',
              headers: {
                Location: {
                  description: 'Where to read the order: /orders/{orderId}',
                  schema: { type: 'string' },
                },
              },
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/PlaceOrderAccepted' } },
              },
              links: {
                GetOrder: {
                  operationId: 'GetOrder',
                  parameters: { orderId: '$response.body#/orderId' },
                  description: 'The order just placed',
                },
              },
            },
            ...errorResponses(errorCodes.filter((code) => code !== '404')),
          },
        },
      },
      '/orders/{orderId}': {
        get: {
          operationId: 'GetOrder',
          summary: 'Read an order’s status and history',
          parameters: [
            {
              name: 'orderId',
              in: 'path',
              required: true,
              description: 'The order id (UUID); a malformed id answers 404',
              schema: schemaOf(orderIdSchema),
            },
          ],
          responses: {
            '200': {
              description: 'The order',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/OrderView' } } },
            },
            ...errorResponses(errorCodes.filter((code) => !['400', '409', '413', '503'].includes(code))),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Cognito ID token of the shop’s user pool (locally: `npm run token -- <customerId>`); ' +
            'its `sub` is the customer id.',
        },
      },
      parameters: {
        IdempotencyKey: {
          name: IDEMPOTENCY_KEY_HEADER,
          in: 'header',
          required: false,
          description:
            'Makes the request idempotent per customer: the same key and body answer the same order; ' +
            'the same key with another body answers 409.',
          schema: schemaOf(idempotencyKeySchema),
        },
      },
      schemas: {
        PlaceOrderRequest: {
          ...schemaOf(placeOrderRequestSchema, 'input'),
          description: `Body of POST /orders, at most ${MAX_BODY_BYTES} bytes`,
          example: PLACE_ORDER_EXAMPLE,
        },
        PlaceOrderAccepted: schemaOf(placeOrderAcceptedSchema),
        OrderView: schemaOf(orderViewSchema),
        Error: schemaOf(errorBodySchema),
      },
      responses: Object.fromEntries(
        errorCodes.map((code) => [
          `Error${code}`,
          {
            description: ERROR_DESCRIPTIONS[code],
            ...(ERROR_HEADERS[code] ? { headers: ERROR_HEADERS[code] } : {}),
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        ]),
      ),
    },
  };
}

/** The file content: two-space indent, trailing newline. */
export function openApiText(document: JsonObject = buildOpenApiDocument()): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function writeOpenApiDocument(file = OPENAPI_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, openApiText());
}

/** Undefined when the committed file equals the generated one, else what is wrong. */
export function checkOpenApiDocument(file = OPENAPI_FILE): string | undefined {
  if (!existsSync(file)) return `${file} is missing`;
  if (readFileSync(file, 'utf8') !== openApiText()) return `${file} differs from the code`;
  return undefined;
}
