import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { placeOrderRequestSchema } from '../../../../lambdas/checkout/domain/place-order-request';
import {
  buildOpenApiDocument,
  checkOpenApiDocument,
  OPENAPI_FILE,
  openApiText,
} from '../../../../scripts/lib/openapi-document';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

type Json = Record<string, unknown>;

function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === '$ref' && typeof child === 'string' ? [child] : refsIn(child),
  );
}

function resolve(document: Json, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], document);
}

describe('openapi/order-api.json', () => {
  it('is the committed output of scripts/openapi.ts export (npm test enforces this)', () => {
    // Act
    const problem = checkOpenApiDocument(OPENAPI_FILE);

    // Assess
    expect(problem).toBeUndefined();
  });

  it('is reported as stale when it differs from the code', () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    const file = join(dir, 'order-api.json');
    writeFileSync(file, openApiText().replace('"maxItems": 50', '"maxItems": 500'));

    // Act
    const problem = checkOpenApiDocument(file);

    // Assess
    expect(problem).toMatch(/differs from the code/);
    expect(checkOpenApiDocument(join(dir, 'missing.json'))).toMatch(/is missing/);
  });
});

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument();
  const paths = document.paths as Record<string, Record<string, Json>>;

  it('describes the two routes with bearer JWT security and the documented status codes', () => {
    // Act
    const post = paths['/orders']!.post!;
    const get = paths['/orders/{orderId}']!.get!;

    // Assess
    expect(document.openapi).toBe('3.0.3');
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(post.responses as Json)).toEqual(
      expect.arrayContaining(['202', '400', '401', '409', '413', '429']),
    );
    expect(Object.keys(get.responses as Json)).toEqual(expect.arrayContaining(['200', '401', '404']));
    expect((document.components as Json).securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
    });
  });

  it('documents the 503 of POST /orders at capacity with its Retry-After header, and not on GET', () => {
    // Act
    const post = paths['/orders']!.post!.responses as Json;
    const get = paths['/orders/{orderId}']!.get!.responses as Json;
    const refused = resolve(document, (post['503'] as { $ref: string }).$ref) as Json;

    // Assess
    expect(refused.headers).toEqual({
      'Retry-After': expect.objectContaining({ required: true, schema: { type: 'integer', minimum: 1 } }),
    });
    expect(refused.content).toEqual({
      'application/json': { schema: { $ref: '#/components/schemas/Error' } },
    });
    expect(get).not.toHaveProperty('503');
  });

  it('takes the request body schema from the checkout zod schema, so client-set prices are refused', () => {
    // Act
    const schemas = (document.components as Json).schemas as Record<string, Json>;
    const request = schemas.PlaceOrderRequest!;
    const line = (request.properties as Record<string, Json>).items!.items as Json;

    // Assess
    expect(request.additionalProperties).toBe(false);
    expect(Object.keys(request.properties as Json).sort()).toEqual(
      Object.keys(placeOrderRequestSchema.shape).sort(),
    );
    expect(request.properties).not.toHaveProperty('customerId');
    expect(Object.keys(line.properties as Json)).toEqual(['sku', 'quantity']);
    expect(line.additionalProperties).toBe(false);
  });

  it('documents a request example that the checkout schema accepts', () => {
    // Act
    const schemas = (document.components as Json).schemas as Record<string, Json>;
    const parsed = placeOrderRequestSchema.safeParse(schemas.PlaceOrderRequest!.example);

    // Assess
    expect(parsed.success).toBe(true);
  });

  it('has the Idempotency-Key header pattern and only references that resolve', () => {
    // Act
    const parameters = (document.components as Json).parameters as Record<string, Json>;
    const dangling = refsIn(document).filter((ref) => resolve(document, ref) === undefined);

    // Assess
    expect(parameters.IdempotencyKey).toMatchObject({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    });
    expect(dangling).toEqual([]);
  });
});
