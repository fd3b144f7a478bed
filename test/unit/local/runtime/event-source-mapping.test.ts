import { describe, expect, it } from 'vitest';
import { AwsRuleViolationError } from '../../../../lib/config/aws-rules';
import { EventSourceMappings } from '../../../../local/runtime/event-source-mapping';
import type { EventSourceMappingDefinition } from '../../../../local/runtime/template';
import { mappingDefinition } from '../../../fixtures/local/mapping-definition';

function mappingsOf(definitions: EventSourceMappingDefinition[]): EventSourceMappings {
  return new EventSourceMappings({
    mappings: definitions,
    invoke: async () => undefined,
    functionArnOf: (id) => id,
    brokers: ['127.0.0.1:1'],
    onFailure: { check: async () => undefined, send: async () => undefined },
  });
}

describe('EventSourceMappings', () => {
  it('refuses mappings that would share a consumer group, before touching Kafka', () => {
    // Prepare
    const definitions = [
      mappingDefinition({ logicalId: 'LoyaltyOrders', consumerGroupId: 'order-pipeline.loyalty' }),
      mappingDefinition({
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
    const build = () => mappingsOf([mappingDefinition({ topics: ['orders.events', 'payments.events'] })]);

    // Assess
    expect(build).toThrow(/exactly one topic, received \["orders\.events","payments\.events"\]/);
  });

  it('runs each mapping as its own consumer group', () => {
    // Prepare
    const definitions = [
      mappingDefinition({
        logicalId: 'LoyaltyOrders',
        consumerGroupId: 'order-pipeline.loyalty.orders-events',
      }),
      mappingDefinition({
        logicalId: 'LoyaltyPayments',
        topics: ['payments.events'],
        consumerGroupId: 'order-pipeline.loyalty.payments-events',
      }),
      // A disabled mapping joins no group, so its id cannot clash.
      mappingDefinition({
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
