import { describe, expect, it } from 'vitest';
import { placeOrderRequestJsonSchema } from '../../../../lib/constructs/checkout-api';
import type { ApiRoute } from '../../../../local/api/api-definition';
import { RequestValidator } from '../../../../local/api/request-validation';

// The model the CDK app puts on POST /orders, as the template carries it.
const PLACE_ORDER_ROUTE: ApiRoute = {
  methodLogicalId: 'PostOrders',
  httpMethod: 'POST',
  resourcePath: '/orders',
  resourceLogicalId: 'Orders',
  functionLogicalId: 'Checkout',
  integrationType: 'AWS_PROXY',
  authorizationType: 'COGNITO_USER_POOLS',
  requestModels: { 'application/json': JSON.parse(JSON.stringify(placeOrderRequestJsonSchema())) },
  validateBody: true,
  validateParameters: true,
  requiredParameters: { header: ['Idempotency-Key'], querystring: [], path: [] },
};

const VALID_ORDER = {
  items: [{ sku: 'SKU-1', quantity: 2 }],
  currency: 'EUR',
  payment: { token: 'tok_approve' },
  email: 'ada@example.com',
  shippingAddress: {
    name: 'Ada Lovelace',
    line1: '1 Main St',
    city: 'Berlin',
    postalCode: '10115',
    country: 'DE',
  },
};

function validate(body: unknown, headers: Record<string, string> = { 'Idempotency-Key': 'k-1' }) {
  return new RequestValidator().validate(PLACE_ORDER_ROUTE, {
    headers: { 'Content-Type': 'application/json', ...headers },
    query: new URLSearchParams(),
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('RequestValidator with the app model for POST /orders', () => {
  it('lets a valid order through', () => {
    // Act
    const failure = validate(VALID_ORDER);

    // Assess
    expect(failure).toBeUndefined();
  });

  it.each([
    [
      'a price set by the client',
      { ...VALID_ORDER, items: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1 }] },
      'items[0].unitPrice',
    ],
    ['a customer id set by the client', { ...VALID_ORDER, customerId: 'someone-else' }, 'customerId'],
    ['a total set by the client', { ...VALID_ORDER, total: 1 }, 'total'],
    ['a quantity of zero', { ...VALID_ORDER, items: [{ sku: 'SKU-1', quantity: 0 }] }, 'items[0].quantity'],
    ['no items', { ...VALID_ORDER, items: [] }, 'items'],
    ['a missing e-mail', { ...VALID_ORDER, email: undefined }, 'email'],
  ])('refuses %s as BAD_REQUEST_BODY naming the field', (_case, body, field) => {
    // Act
    const failure = validate(body);

    // Assess
    expect(failure?.type).toBe('BAD_REQUEST_BODY');
    expect(failure?.details?.map((detail) => detail.field)).toContain(field);
  });

  it('refuses a body that is not JSON', () => {
    // Act
    const failure = validate('{"items": [');

    // Assess
    expect(failure).toMatchObject({ type: 'BAD_REQUEST_BODY', validationErrorString: '[Invalid JSON]' });
  });

  it('refuses a request without a required header, naming it as API Gateway does', () => {
    // Act
    const failure = validate(VALID_ORDER, {});

    // Assess
    expect(failure).toMatchObject({
      type: 'BAD_REQUEST_PARAMETERS',
      message: 'Missing required request parameters: [Idempotency-Key]',
    });
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
  ])('refuses a required header that is %s, as API Gateway wants it not blank', (_case, value) => {
    // Act
    const failure = validate(VALID_ORDER, { 'Idempotency-Key': value });

    // Assess
    expect(failure).toMatchObject({
      type: 'BAD_REQUEST_PARAMETERS',
      message: 'Missing required request parameters: [Idempotency-Key]',
    });
  });

  it('refuses a blank required query string parameter', () => {
    // Prepare
    const route: ApiRoute = {
      ...PLACE_ORDER_ROUTE,
      requiredParameters: { header: [], querystring: ['customerId'], path: [] },
    };

    // Act
    const failure = new RequestValidator().validate(route, {
      headers: { 'Content-Type': 'application/json' },
      query: new URLSearchParams('customerId='),
      body: JSON.stringify(VALID_ORDER),
    });

    // Assess
    expect(failure).toMatchObject({ message: 'Missing required request parameters: [customerId]' });
  });

  it('validates no body whose content type has no model, as API Gateway does without $default', () => {
    // Act
    const failure = validate('not json', { 'Idempotency-Key': 'k-1', 'Content-Type': 'text/plain' });

    // Assess
    expect(failure).toBeUndefined();
  });

  it('uses the $default model for any content type', () => {
    // Prepare
    const route: ApiRoute = {
      ...PLACE_ORDER_ROUTE,
      requestModels: { $default: PLACE_ORDER_ROUTE.requestModels['application/json']! },
    };

    // Act
    const failure = new RequestValidator().validate(route, {
      headers: { 'Content-Type': 'text/plain', 'Idempotency-Key': 'k-1' },
      query: new URLSearchParams(),
      body: JSON.stringify({ currency: 'EUR' }),
    });

    // Assess
    expect(failure).toMatchObject({ type: 'BAD_REQUEST_BODY' });
  });
});
