import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CfnTemplate, findAppTemplate, loadTemplate } from '../../../../local/runtime/cfn-template';
import { TemplateReadError, UnresolvableTokenError } from '../../../../local/runtime/errors';
import { LocalResolver } from '../../../../local/runtime/local-resources';
import { readEventSourceMappings, readFunctions } from '../../../../local/runtime/template';

const FIXTURE = resolve(__dirname, '../../../fixtures/templates/app-minimal.json');
const REPO_ROOT = resolve(__dirname, '../../../..');
const ENTRY_OVERRIDES = {
  placeOrder: 'test/fixtures/handlers/echo.ts',
  getOrder: 'test/fixtures/handlers/echo.ts',
  analytics: 'test/fixtures/handlers/echo.ts',
};

function resolverFor(template: CfnTemplate): LocalResolver {
  return new LocalResolver(template, {
    kafkaBrokers: ['127.0.0.1:9092'],
    sqsEndpoint: 'http://127.0.0.1:9324/',
    imports: { 'shared-bus-name': 'local-bus' },
  });
}

describe('readFunctions', () => {
  it('lists the pipeline functions with their local environment, timeout and memory', () => {
    // Prepare
    const template = loadTemplate(FIXTURE);

    // Act
    const { functions } = readFunctions(template, resolverFor(template), {
      repoRoot: REPO_ROOT,
      entryOverrides: ENTRY_OVERRIDES,
    });

    // Assess
    const checkout = functions.find((fn) => fn.logicalId === 'CheckoutFn');
    expect(checkout).toMatchObject({
      functionName: 'placeOrder',
      pipelineName: 'placeOrder',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:placeOrder',
      entry: join(REPO_ROOT, 'test/fixtures/handlers/echo.ts'),
      handlerExport: 'handler',
      timeoutSeconds: 10,
      memorySizeMb: 512,
      environment: {
        ORDERS_TABLE_NAME: 'OrdersTable',
        IDEMPOTENCY_TABLE_NAME: 'order-pipeline-dev-idempotency',
        STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:order-pipeline-dev-saga',
        POWERTOOLS_SERVICE_NAME: 'checkout',
        PIPELINE_FUNCTION: 'placeOrder',
      },
    });
  });

  it('replaces the MSK cluster reference with KAFKA_BROKERS and resolves queues, ARNs, Sub and imports', () => {
    // Prepare
    const template = loadTemplate(FIXTURE);

    // Act
    const { functions } = readFunctions(template, resolverFor(template), {
      repoRoot: REPO_ROOT,
      entryOverrides: ENTRY_OVERRIDES,
    });

    // Assess
    const analytics = functions.find((fn) => fn.logicalId === 'AnalyticsFn');
    expect(analytics?.environment).toEqual({
      KAFKA_BROKERS: '127.0.0.1:9092',
      ON_FAILURE_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/order-pipeline-dev-on-failure',
      ON_FAILURE_QUEUE_ARN: 'arn:aws:sqs:us-east-1:000000000000:order-pipeline-dev-on-failure',
      TABLE_ARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/OrdersTable',
      REGION_NOTE: 'us-east-1-OrdersTable',
      SHARED_BUS: 'local-bus',
      PIPELINE_FUNCTION: 'analytics',
    });
    expect(analytics).toMatchObject({ timeoutSeconds: 30, memorySizeMb: 1024 });
  });

  it('skips functions without a pipeline name and those whose entry does not exist', () => {
    // Prepare
    const template = loadTemplate(FIXTURE);

    // Act
    const { functions, skipped } = readFunctions(template, resolverFor(template), { repoRoot: REPO_ROOT });

    // Assess
    expect(skipped).toContainEqual({ logicalId: 'LogRetentionFn', reason: 'no PIPELINE_FUNCTION variable' });
    for (const fn of functions) expect(fn.entry.startsWith(join(REPO_ROOT, 'lambdas'))).toBe(true);
    expect(functions.length + skipped.length).toBe(4);
  });

  it('maps catalogue names to their handler entries', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'entries-'));
    mkdirSync(join(dir, 'lambdas/analytics/handlers'), { recursive: true });
    writeFileSync(
      join(dir, 'lambdas/analytics/handlers/analytics.ts'),
      'export const handler = async () => {};',
    );
    const template = loadTemplate(FIXTURE);

    // Act
    const { functions } = readFunctions(template, resolverFor(template), { repoRoot: dir });

    // Assess
    expect(functions.map((fn) => [fn.logicalId, fn.entry])).toEqual([
      ['AnalyticsFn', join(dir, 'lambdas/analytics/handlers/analytics.ts')],
    ]);
  });

  it('names the variable when a token has no local value', () => {
    // Prepare
    const template = loadTemplate(FIXTURE);
    const resolver = new LocalResolver(template, { kafkaBrokers: ['127.0.0.1:9092'] });

    // Act
    const act = () =>
      readFunctions(template, resolver, { repoRoot: REPO_ROOT, entryOverrides: ENTRY_OVERRIDES });

    // Assess
    expect(act).toThrow(UnresolvableTokenError);
    expect(act).toThrow(/AnalyticsFn\.Environment\.SHARED_BUS: no local value for import 'shared-bus-name'/);
  });
});

describe('readEventSourceMappings', () => {
  it('reads every setting of a Kafka mapping', () => {
    // Prepare
    const template = loadTemplate(FIXTURE);

    // Act
    const mappings = readEventSourceMappings(template, resolverFor(template));

    // Assess
    expect(mappings.find((m) => m.logicalId === 'AnalyticsOrdersMapping')).toEqual({
      logicalId: 'AnalyticsOrdersMapping',
      functionLogicalId: 'AnalyticsFn',
      topics: ['orders.events'],
      consumerGroupId: 'order-pipeline.analytics',
      eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/order-pipeline-dev/local',
      batchSize: 500,
      maximumBatchingWindowSeconds: 5,
      startingPosition: 'TRIM_HORIZON',
      startingPositionTimestamp: undefined,
      maximumRetryAttempts: 5,
      maximumRecordAgeSeconds: 86400,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      onFailureQueueUrl: 'http://127.0.0.1:9324/000000000000/order-pipeline-dev-on-failure',
      enabled: true,
    });
  });

  it('applies the AWS defaults for Kafka mappings', () => {
    // Prepare
    const template = loadTemplate(FIXTURE);

    // Act
    const mappings = readEventSourceMappings(template, resolverFor(template));

    // Assess
    expect(mappings.find((m) => m.logicalId === 'GetOrderDefaultsMapping')).toMatchObject({
      functionLogicalId: 'GetOrderFn',
      consumerGroupId: 'GetOrderDefaultsMapping',
      batchSize: 100,
      maximumBatchingWindowSeconds: 0.5,
      startingPosition: 'LATEST',
      maximumRetryAttempts: -1,
      maximumRecordAgeSeconds: -1,
      bisectBatchOnFunctionError: false,
      reportBatchItemFailures: false,
      onFailureQueueUrl: undefined,
    });
  });
});

describe('findAppTemplate', () => {
  it('picks the stack that holds the functions', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cdkout-'));
    writeFileSync(join(dir, 'Support.template.json'), JSON.stringify({ Resources: {} }));
    writeFileSync(join(dir, 'App.template.json'), JSON.stringify(loadTemplate(FIXTURE)));
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        artifacts: {
          Support: {
            type: 'aws:cloudformation:stack',
            properties: { templateFile: 'Support.template.json' },
          },
          App: { type: 'aws:cloudformation:stack', properties: { templateFile: 'App.template.json' } },
        },
      }),
    );

    // Act
    const found = findAppTemplate(dir);

    // Assess
    expect(found).toBe(join(dir, 'App.template.json'));
  });

  it('says how to create the assembly when there is none', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cdkout-'));

    // Act
    const act = () => findAppTemplate(dir);

    // Assess
    expect(act).toThrow(TemplateReadError);
    expect(act).toThrow(/npx cdk synth/);
  });
});
