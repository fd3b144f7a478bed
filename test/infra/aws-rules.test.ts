import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, AspectPriority, Aspects, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { AwsRulesAspect } from '../../lib/aws-rules-aspect';
import { AWS_RULES } from '../../lib/config/aws-rules';

const CLUSTER_ARN =
  'arn:aws:kafka:eu-central-1:111122223333:cluster/orders/abcd1234-ab12-cd34-ef56-abcdef123456-1';
const QUEUE_ARN = 'arn:aws:sqs:eu-central-1:111122223333:analytics-failures';

/** A tiny stack with one function and the rules aspect, as lib/pipeline-stacks.ts adds it. */
function ruleStack(): { stack: Stack; fn: lambda.Function } {
  const stack = new Stack(new App(), 'RulesTest');
  Aspects.of(stack).add(new AwsRulesAspect(), { priority: AspectPriority.READONLY });
  const fn = new lambda.Function(stack, 'Consumer', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  });
  return { stack, fn };
}

/** L1 mapping settings a template could hold, valid unless overridden. */
function kafkaMapping(
  stack: Stack,
  fn: lambda.Function,
  id: string,
  overrides: Partial<lambda.CfnEventSourceMappingProps> = {},
): lambda.CfnEventSourceMapping {
  return new lambda.CfnEventSourceMapping(stack, id, {
    functionName: fn.functionName,
    eventSourceArn: CLUSTER_ARN,
    topics: ['orders.events'],
    startingPosition: 'TRIM_HORIZON',
    batchSize: 100,
    amazonManagedKafkaEventSourceConfig: { consumerGroupId: `order-pipeline.${id.toLowerCase()}` },
    destinationConfig: { onFailure: { destination: QUEUE_ARN } },
    functionResponseTypes: ['ReportBatchItemFailures'],
    ...overrides,
  });
}

function errorsOf(stack: Stack): string[] {
  return Annotations.fromStack(stack)
    .findError('*', Match.anyValue())
    .map((message) => String(message.entry.data));
}

describe('AwsRulesAspect', () => {
  it('lets a mapping within every AWS rule synthesize', () => {
    // Prepare
    const { stack, fn } = ruleStack();
    kafkaMapping(stack, fn, 'Analytics');

    // Act
    const errors = errorsOf(stack);

    // Assess
    expect(errors).toEqual([]);
  });

  it.each([
    [
      'a BatchSize over 10000',
      { batchSize: 20_000 },
      'BatchSize must be an integer from 1 to 10000, received 20000',
    ],
    [
      'two topics',
      { topics: ['orders.events', 'payments.events'] },
      'Topics must list exactly one topic, received ["orders.events","payments.events"]',
    ],
    [
      'a batching window of 10 minutes',
      { maximumBatchingWindowInSeconds: 600 },
      'MaximumBatchingWindowInSeconds must be an integer from 0 to 300, received 600',
    ],
    [
      'a record age of 10 s',
      { maximumRecordAgeInSeconds: 10 },
      'MaximumRecordAgeInSeconds must be -1 or an integer from 60 to 604800, received 10',
    ],
    [
      'no starting position',
      { startingPosition: undefined },
      'StartingPosition must be one of TRIM_HORIZON, LATEST, AT_TIMESTAMP, received nothing',
    ],
    [
      'a consumer group id with a space',
      { amazonManagedKafkaEventSourceConfig: { consumerGroupId: 'order pipeline' } },
      'ConsumerGroupId must be 1-200 characters of [a-zA-Z0-9-/*:_+=.@], received "order pipeline"',
    ],
    [
      'a Kafka on-failure destination without provisioned mode',
      { destinationConfig: { onFailure: { destination: 'kafka://dead-letters.analytics' } } },
      'a kafka:// on-failure destination needs provisioned mode, received DestinationConfig.OnFailure.Destination "kafka://dead-letters.analytics" without ProvisionedPollerConfig',
    ],
    [
      'the source topic as its Kafka on-failure destination',
      {
        destinationConfig: { onFailure: { destination: 'kafka://orders.events' } },
        provisionedPollerConfig: { minimumPollers: 1, maximumPollers: 2 },
      },
      'DestinationConfig.OnFailure.Destination must be an SQS, SNS or S3 ARN or a kafka:// topic other than the source topic, received "kafka://orders.events"',
    ],
  ])('fails synth on %s, showing the value received', (_case, overrides, expected) => {
    // Prepare
    const { stack, fn } = ruleStack();
    kafkaMapping(stack, fn, 'Analytics', overrides);

    // Act
    const errors = errorsOf(stack);

    // Assess
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`RulesTest/Analytics: ${expected}`);
    expect(errors[0]).toMatch(/\(https:\/\/docs\.aws\.amazon\.com\/lambda\//);
  });

  it('fails synth on two L2 mappings that share a consumer group id, naming both', () => {
    // Prepare: one consumer on two topics with one group id, the way the catalogue once wired them.
    const { stack, fn } = ruleStack();
    for (const topic of ['orders.events', 'payments.events']) {
      new lambda.EventSourceMapping(stack, `Loyalty-${topic}`, {
        target: fn,
        eventSourceArn: CLUSTER_ARN,
        kafkaTopic: topic,
        kafkaConsumerGroupId: 'order-pipeline.loyalty',
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      });
    }

    // Act
    const errors = errorsOf(stack);

    // Assess
    expect(errors).toEqual([
      expect.stringContaining(
        "consumer group id 'order-pipeline.loyalty' is used by 2 mappings (RulesTest/Loyalty-orders.events/Resource, RulesTest/Loyalty-payments.events/Resource)",
      ),
    ]);
  });

  it('leaves a value that is still a token to the deploy', () => {
    // Prepare
    const { stack, fn } = ruleStack();
    const batchSize = new CfnParameter(stack, 'BatchSize', { type: 'Number', default: 100 });
    kafkaMapping(stack, fn, 'Analytics', { batchSize: batchSize.valueAsNumber });

    // Act
    const errors = errorsOf(stack);

    // Assess
    expect(errors).toEqual([]);
  });

  it('ignores mappings of other event sources', () => {
    // Prepare
    const { stack, fn } = ruleStack();
    new lambda.CfnEventSourceMapping(stack, 'Queue', {
      functionName: fn.functionName,
      eventSourceArn: QUEUE_ARN,
      batchSize: 10,
    });

    // Act
    const errors = errorsOf(stack);

    // Assess
    expect(errors).toEqual([]);
  });
});

describe('docs/local-parity.md', () => {
  it('lists every rule of AWS_RULES with its documentation source', () => {
    // Prepare
    const table = readFileSync(join(__dirname, '..', '..', 'docs', 'local-parity.md'), 'utf8');
    const rows = table.split('\n').filter((line) => line.startsWith('| `'));

    // Act
    const missing = Object.entries(AWS_RULES)
      .filter(([id, rule]) => !rows.some((row) => row.startsWith(`| \`${id}\``) && row.includes(rule.source)))
      .map(([id]) => id);

    // Assess
    expect(missing).toEqual([]);
  });

  it('names, for every row, test files that exist', () => {
    // Prepare
    const root = join(__dirname, '..', '..');
    const table = readFileSync(join(root, 'docs', 'local-parity.md'), 'utf8');
    const rows = table.split('\n').filter((line) => line.startsWith('| ') && line.includes('test/'));

    // Act
    const absent = rows
      .flatMap((row) => [...row.matchAll(/`(test\/[^`]+\.test\.ts)`/g)].map((match) => match[1]!))
      .filter((file) => !existsSync(join(root, file)));

    // Assess
    expect(rows.length).toBeGreaterThan(20);
    expect(absent).toEqual([]);
  });
});
