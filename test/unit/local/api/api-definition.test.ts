import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readApiDefinition } from '../../../../local/api/api-definition';
import { renderGatewayResponse } from '../../../../local/api/gateway-responses';
import { TokenBucket } from '../../../../local/api/token-bucket';
import { type CfnTemplate, loadTemplate } from '../../../../local/runtime/cfn-template';
import { TemplateReadError } from '../../../../local/runtime/errors';

const FIXTURE = resolve(__dirname, '../../../fixtures/templates/app-minimal.json');

describe('readApiDefinition', () => {
  it('reads routes, targets, authorizer, validation and required parameters', () => {
    // Act
    const definition = readApiDefinition(loadTemplate(FIXTURE));

    // Assess
    expect(definition.stageName).toBe('dev');
    expect(
      definition.routes.map((route) => [route.httpMethod, route.resourcePath, route.functionLogicalId]),
    ).toEqual([
      ['POST', '/orders', 'CheckoutFn'],
      ['GET', '/orders/{orderId}', 'GetOrderFn'],
    ]);
    const [post, get] = definition.routes;
    expect(post).toMatchObject({
      authorizationType: 'COGNITO_USER_POOLS',
      validateBody: true,
      validateParameters: true,
    });
    expect(Object.keys(post!.requestModels)).toEqual(['application/json']);
    expect(get!.requiredParameters).toEqual({ header: [], querystring: [], path: ['orderId'] });
  });

  it('refuses a method whose request model is not in the template, rather than not validating', () => {
    // Prepare
    const template = loadTemplate(FIXTURE);
    const [methodId, method] = Object.entries(template.Resources).find(
      ([, resource]) =>
        resource.Type === 'AWS::ApiGateway::Method' && resource.Properties?.RequestModels !== undefined,
    )!;
    const broken: CfnTemplate = {
      ...template,
      Resources: {
        ...template.Resources,
        [methodId]: {
          ...method,
          Properties: { ...method.Properties, RequestModels: { 'application/json': { Ref: 'NoSuchModel' } } },
        },
      },
    };

    // Act
    const read = () => readApiDefinition(broken);

    // Assess
    expect(read).toThrow(TemplateReadError);
    expect(read).toThrow(/no AWS::ApiGateway::Model 'NoSuchModel' in the template/);
  });

  it('reads the stage throttle and the gateway responses', () => {
    // Act
    const definition = readApiDefinition(loadTemplate(FIXTURE));

    // Assess
    expect(definition.stageThrottle).toEqual({ rateLimit: 50, burstLimit: 100 });
    expect(definition.gatewayResponses.BAD_REQUEST_BODY).toMatchObject({
      statusCode: 400,
      headers: { 'Content-Type': 'application/json' },
    });
  });
});

describe('renderGatewayResponse', () => {
  it('renders a DEFAULT_4XX template the way API Gateway substitutes it', () => {
    // Prepare
    const definitions = {
      DEFAULT_4XX: {
        statusCode: undefined,
        headers: { 'Content-Type': 'application/json' },
        template:
          '{"error":{"code":"$context.error.responseType","message":$context.error.messageString,"details":[]}}',
      },
    };

    // Act
    const rendered = renderGatewayResponse(definitions, { type: 'THROTTLED' }, 'req-1');

    // Assess
    expect(rendered.statusCode).toBe(429);
    expect(JSON.parse(rendered.body)).toEqual({
      error: { code: 'THROTTLED', message: 'Too Many Requests', details: [] },
    });
  });

  it('answers in our error shape when the template defines no gateway response', () => {
    // Act
    const rendered = renderGatewayResponse({}, { type: 'UNAUTHORIZED' }, 'req-1');

    // Assess
    expect(rendered).toMatchObject({ statusCode: 401, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(rendered.body)).toEqual({
      error: { code: 'UNAUTHORIZED', message: 'Unauthorized', details: [] },
    });
  });
});

describe('TokenBucket', () => {
  it('admits the burst, then refills at the rate', () => {
    // Prepare
    let now = 0;
    const bucket = new TokenBucket({ rateLimit: 2, burstLimit: 3 }, () => now);

    // Act
    const burst = [bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()];
    now = 500;
    const afterHalfSecond = [bucket.tryTake(), bucket.tryTake()];

    // Assess
    expect(burst).toEqual([true, true, true, false]);
    expect(afterHalfSecond).toEqual([true, false]);
  });
});
