import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AwsRuleViolationError } from '../../../../lib/config/aws-rules';
import { type CfnTemplate, loadTemplate, stageTemplates } from '../../../../local/runtime/cfn-template';
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
      arn: 'arn:aws:lambda:eu-central-1:000000000000:function:placeOrder',
      entry: join(REPO_ROOT, 'test/fixtures/handlers/echo.ts'),
      handlerExport: 'handler',
      timeoutSeconds: 10,
      memorySizeMb: 512,
      environment: {
        ORDERS_TABLE_NAME: 'OrdersTable',
        IDEMPOTENCY_TABLE_NAME: 'order-pipeline-dev-idempotency',
        STATE_MACHINE_ARN: 'arn:aws:states:eu-central-1:000000000000:stateMachine:order-pipeline-dev-saga',
        POWERTOOLS_SERVICE_NAME: 'checkout',
        PIPELINE_FUNCTION: 'placeOrder',
      },
    });
  });

  it('replaces the MSK cluster reference with KAFKA_BROKERS and resolves ARNs, Sub and imports', () => {
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
      TABLE_ARN: 'arn:aws:dynamodb:eu-central-1:000000000000:table/OrdersTable',
      REGION_NOTE: 'eu-central-1-OrdersTable',
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
      eventSourceArn: 'arn:aws:kafka:eu-central-1:000000000000:cluster/order-pipeline-dev/local',
      batchSize: 500,
      maximumBatchingWindowSeconds: 5,
      startingPosition: 'TRIM_HORIZON',
      startingPositionTimestamp: undefined,
      maximumRetryAttempts: 5,
      maximumRecordAgeSeconds: 86400,
      bisectBatchOnFunctionError: true,
      reportBatchItemFailures: true,
      onFailureTopic: 'dead-letters.analytics',
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
      onFailureTopic: undefined,
    });
  });
});

/** The fixture with its Kafka mappings replaced by these (hand-built, as a template could spell them). */
function withMappings(mappings: Record<string, Record<string, unknown>>): CfnTemplate {
  const template = loadTemplate(FIXTURE);
  const resources = Object.fromEntries(
    Object.entries(template.Resources).filter(
      ([, resource]) => resource.Type !== 'AWS::Lambda::EventSourceMapping',
    ),
  );
  for (const [logicalId, properties] of Object.entries(mappings)) {
    resources[logicalId] = {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        FunctionName: { Ref: 'AnalyticsFn' },
        EventSourceArn: { Ref: 'Cluster' },
        StartingPosition: 'TRIM_HORIZON',
        ...properties,
      },
    };
  }
  return { ...template, Resources: resources };
}

function violationsOf(template: CfnTemplate): string[] {
  try {
    readEventSourceMappings(template, resolverFor(template));
  } catch (error) {
    if (error instanceof AwsRuleViolationError) return error.violations.map((v) => `${v.rule}: ${v.message}`);
    throw error;
  }
  return [];
}

describe('readEventSourceMappings refuses what CreateEventSourceMapping refuses', () => {
  it('refuses two mappings that share a consumer group id, naming both', () => {
    // Prepare
    const group = { AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'order-pipeline.loyalty' } };
    const template = withMappings({
      LoyaltyOrders: { Topics: ['orders.events'], ...group },
      LoyaltyPayments: { Topics: ['payments.events'], ...group },
    });

    // Act
    const violations = violationsOf(template);

    // Assess
    expect(violations).toEqual([
      "kafkaConsumerGroupIdUnique: consumer group id 'order-pipeline.loyalty' is used by 2 mappings (LoyaltyOrders, LoyaltyPayments); each Kafka event source needs its own",
    ]);
  });

  it('reads mappings that each have their own group id as separate groups', () => {
    // Prepare
    const template = withMappings({
      LoyaltyOrders: {
        Topics: ['orders.events'],
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'order-pipeline.loyalty.orders-events' },
      },
      LoyaltyPayments: {
        Topics: ['payments.events'],
        AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'order-pipeline.loyalty.payments-events' },
      },
    });

    // Act
    const mappings = readEventSourceMappings(template, resolverFor(template));

    // Assess
    expect(mappings.map((m) => [m.consumerGroupId, m.topics])).toEqual([
      ['order-pipeline.loyalty.orders-events', ['orders.events']],
      ['order-pipeline.loyalty.payments-events', ['payments.events']],
    ]);
  });

  it.each([
    [
      'two topics',
      { Topics: ['orders.events', 'payments.events'] },
      /kafkaOneTopic: .*exactly one topic, received \["orders.events","payments.events"\]/,
    ],
    ['no topic', { Topics: [] }, /kafkaOneTopic: .*received \[\]/],
    ['BatchSize 0', { BatchSize: 0 }, /kafkaBatchSize: .*from 1 to 10000, received 0/],
    ['BatchSize 10001', { BatchSize: 10001 }, /kafkaBatchSize: .*received 10001/],
    [
      'a window of 301 s',
      { MaximumBatchingWindowInSeconds: 301 },
      /kafkaBatchingWindow: .*0 to 300, received 301/,
    ],
    ['10001 retries', { MaximumRetryAttempts: 10001 }, /kafkaRetryAttempts: .*received 10001/],
    ['-2 retries', { MaximumRetryAttempts: -2 }, /kafkaRetryAttempts: .*received -2/],
    [
      'a record age of 30 s',
      { MaximumRecordAgeInSeconds: 30 },
      /kafkaRecordAge: .*60 to 604800, received 30/,
    ],
    ['a record age over 7 days', { MaximumRecordAgeInSeconds: 604801 }, /kafkaRecordAge: .*received 604801/],
    ['no StartingPosition', { StartingPosition: undefined }, /kafkaStartingPosition: .*received nothing/],
    [
      'StartingPosition EARLIEST',
      { StartingPosition: 'EARLIEST' },
      /kafkaStartingPosition: .*received "EARLIEST"/,
    ],
    [
      'AT_TIMESTAMP without a timestamp',
      { StartingPosition: 'AT_TIMESTAMP' },
      /kafkaStartingPosition: .*StartingPositionTimestamp nothing/,
    ],
    [
      'a consumer group id with a space',
      { AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'order pipeline' } },
      /kafkaConsumerGroupIdFormat: .*received "order pipeline"/,
    ],
    [
      'an unknown response type',
      { FunctionResponseTypes: ['ReportBatchItemFailures', 'Other'] },
      /kafkaFunctionResponseTypes: .*received \["ReportBatchItemFailures","Other"\]/,
    ],
    [
      'the source topic as on-failure destination',
      {
        DestinationConfig: { OnFailure: { Destination: 'kafka://orders.events' } },
        ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 2 },
      },
      /kafkaOnFailureDestination: .*received "kafka:\/\/orders.events"/,
    ],
    [
      'a Kafka on-failure destination without provisioned mode',
      { DestinationConfig: { OnFailure: { Destination: 'kafka://dead-letters.analytics' } } },
      /kafkaDestinationProvisionedMode: .*received DestinationConfig.OnFailure.Destination "kafka:\/\/dead-letters.analytics" without ProvisionedPollerConfig/,
    ],
  ])('refuses %s, showing the value received', (_case, override, expected) => {
    // Prepare
    const template = withMappings({ Mapping: { Topics: ['orders.events'], ...override } });

    // Act
    const violations = violationsOf(template);

    // Assess
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(expected);
  });

  it('accepts the edges of every range', () => {
    // Prepare
    const template = withMappings({
      Low: {
        Topics: ['orders.events'],
        BatchSize: 1,
        MaximumBatchingWindowInSeconds: 0,
        MaximumRetryAttempts: -1,
        MaximumRecordAgeInSeconds: 60,
      },
      High: {
        Topics: ['payments.events'],
        BatchSize: 10000,
        MaximumBatchingWindowInSeconds: 300,
        MaximumRetryAttempts: 10000,
        MaximumRecordAgeInSeconds: 604800,
        StartingPosition: 'AT_TIMESTAMP',
        StartingPositionTimestamp: 1_800_000_000,
      },
    });

    // Act
    const violations = violationsOf(template);

    // Assess
    expect(violations).toEqual([]);
  });
});

describe('stageTemplates', () => {
  it("reads every template of the stage, and only that stage's", () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cdkout-'));
    writeFileSync(join(dir, 'OrderPipeline-dev-Data.template.json'), JSON.stringify({ Resources: {} }));
    writeFileSync(join(dir, 'OrderPipeline-dev-App.template.json'), JSON.stringify(loadTemplate(FIXTURE)));
    writeFileSync(join(dir, 'OrderPipeline-prod-App.template.json'), JSON.stringify({ Resources: {} }));

    // Act
    const stacks = stageTemplates(dir, 'dev');

    // Assess
    expect(stacks.map((stack) => stack.stackName)).toEqual([
      'OrderPipeline-dev-App',
      'OrderPipeline-dev-Data',
    ]);
    expect(Object.keys(stacks[0]!.template.Resources)).toEqual(Object.keys(loadTemplate(FIXTURE).Resources));
  });

  it('says how to create the assembly when there is none', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cdkout-'));

    // Act
    const act = () => stageTemplates(dir, 'dev');

    // Assess
    expect(act).toThrow(TemplateReadError);
    expect(act).toThrow(/npx cdk synth/);
  });

  it('refuses a template without Resources, naming the file', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cdkout-'));
    writeFileSync(join(dir, 'OrderPipeline-dev-App.template.json'), JSON.stringify({ Outputs: {} }));

    // Act
    const act = () => stageTemplates(dir, 'dev');

    // Assess
    expect(act).toThrow(TemplateReadError);
    expect(act).toThrow(/OrderPipeline-dev-App\.template\.json' has no Resources/);
  });
});
