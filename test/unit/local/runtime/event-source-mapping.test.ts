import { describe, expect, it } from 'vitest';
import { AwsRuleViolationError } from '../../../../lib/config/aws-rules';
import { EventSourceMappings } from '../../../../local/runtime/event-source-mapping';
import type { EventSourceMappingDefinition } from '../../../../local/runtime/template';

function definition(overrides: Partial<EventSourceMappingDefinition>): EventSourceMappingDefinition {
  return {
    logicalId: 'Mapping',
    functionLogicalId: 'Function',
    topics: ['orders.events'],
    consumerGroupId: 'group',
    eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/local/local',
    batchSize: 10,
    maximumBatchingWindowSeconds: 0,
    startingPosition: 'TRIM_HORIZON',
    startingPositionTimestamp: undefined,
    maximumRetryAttempts: 3,
    maximumRecordAgeSeconds: -1,
    bisectBatchOnFunctionError: true,
    reportBatchItemFailures: true,
    onFailureQueueUrl: undefined,
    enabled: true,
    ...overrides,
  };
}

function mappingsOf(definitions: EventSourceMappingDefinition[]): EventSourceMappings {
  return new EventSourceMappings({
    mappings: definitions,
    invoke: async () => undefined,
    functionArnOf: (id) => id,
    brokers: ['127.0.0.1:1'],
    onFailure: { send: async () => undefined },
  });
}

describe('EventSourceMappings', () => {
  it('refuses mappings that would share a consumer group, before touching Kafka', () => {
    // Prepare
    const definitions = [
      definition({ logicalId: 'LoyaltyOrders', consumerGroupId: 'order-pipeline.loyalty' }),
      definition({
        logicalId: 'LoyaltyPayments',
        topics: ['payments.events'],
        consumerGroupId: 'order-pipeline.loyalty',
      }),
    ];

    // Act
    const build = () => mappingsOf(definitions);

    // Assess
    expect(build).toThrow(AwsRuleViolationError);
    expect(build).toThrow(
      /'order-pipeline\.loyalty' is used by 2 mappings \(LoyaltyOrders, LoyaltyPayments\)/,
    );
  });

  it('refuses a mapping with two topics', () => {
    // Act
    const build = () => mappingsOf([definition({ topics: ['orders.events', 'payments.events'] })]);

    // Assess
    expect(build).toThrow(/exactly one topic, received \["orders\.events","payments\.events"\]/);
  });

  it('runs each mapping as its own consumer group', () => {
    // Prepare
    const definitions = [
      definition({ logicalId: 'LoyaltyOrders', consumerGroupId: 'order-pipeline.loyalty.orders-events' }),
      definition({
        logicalId: 'LoyaltyPayments',
        topics: ['payments.events'],
        consumerGroupId: 'order-pipeline.loyalty.payments-events',
      }),
      // A disabled mapping joins no group, so its id cannot clash.
      definition({
        logicalId: 'Disabled',
        consumerGroupId: 'order-pipeline.loyalty.orders-events',
        enabled: false,
      }),
    ];

    // Act
    const stats = mappingsOf(definitions).stats();

    // Assess
    expect(stats.map((mapping) => [mapping.logicalId, mapping.consumerGroupId, mapping.topics])).toEqual([
      ['LoyaltyOrders', 'order-pipeline.loyalty.orders-events', ['orders.events']],
      ['LoyaltyPayments', 'order-pipeline.loyalty.payments-events', ['payments.events']],
    ]);
  });
});
