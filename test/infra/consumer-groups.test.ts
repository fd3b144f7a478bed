import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONSUMERS,
  checkConsumerMappings,
  consumerGroupIdOf,
  InvalidConsumerMappingsError,
  type MappingDeclaration,
  mappingDeclarationsOf,
} from '../../lib/config/consumers';
import { TOPICS } from '../../lib/config/topics';
import { mappingConstructId } from '../../lib/constructs/kafka-consumer';
import type { CfnValue } from './template-text';

/** The mappings as first deployed, when eight of them shared three group ids. */
function sharedGroupDeclarations(): MappingDeclaration[] {
  const { Resources } = JSON.parse(
    readFileSync(
      join(__dirname, '..', 'fixtures', 'templates', 'shared-consumer-group-mappings.json'),
      'utf8',
    ),
  ) as { Resources: Record<string, { Properties: CfnValue }> };
  return Object.entries(Resources).map(([id, { Properties }]) => ({
    consumer: id.slice(0, id.indexOf('Consumer')),
    topics: Properties.Topics,
    consumerGroupId: Properties.AmazonManagedKafkaEventSourceConfig.ConsumerGroupId,
  }));
}

describe('consumer group ids', () => {
  it('keeps order-pipeline.<consumer> for a one-topic consumer and adds the topic otherwise', () => {
    // Act
    const groups = Object.fromEntries(
      CONSUMERS.map((spec) => [spec.name, spec.mappings.map((mapping) => mapping.consumerGroupId)]),
    );

    // Assess
    expect(groups).toEqual({
      inventoryService: ['order-pipeline.inventory-service'],
      paymentService: ['order-pipeline.payment-service'],
      notification: [
        'order-pipeline.notification.orders.events',
        'order-pipeline.notification.notifications.commands',
      ],
      analytics: ['order-pipeline.analytics'],
      loyalty: ['order-pipeline.loyalty.orders.events', 'order-pipeline.loyalty.payments.events'],
      fulfilment: ['order-pipeline.fulfilment'],
      orderReadModel: [
        'order-pipeline.order-read-model.orders.events',
        'order-pipeline.order-read-model.payments.events',
        'order-pipeline.order-read-model.inventory.events',
        'order-pipeline.order-read-model.fulfillment.events',
      ],
    });
    expect(
      consumerGroupIdOf({ name: 'analytics', topics: [TOPICS.orderEvents.name] }, TOPICS.orderEvents.name),
    ).toBe('order-pipeline.analytics');
  });

  it('accepts the catalogue: one topic and its own group per mapping', () => {
    // Act / Assess
    expect(() => checkConsumerMappings(mappingDeclarationsOf(CONSUMERS))).not.toThrow();
  });

  it('refuses the mappings as first deployed, naming each shared group and its mappings', () => {
    // Act
    const check = () => checkConsumerMappings(sharedGroupDeclarations());

    // Assess
    expect(check).toThrow(InvalidConsumerMappingsError);
    expect(check).toThrow(
      "consumer group id 'order-pipeline.order-read-model' is used by 4 mappings (OrderReadModel on orders.events; OrderReadModel on payments.events; OrderReadModel on inventory.events; OrderReadModel on fulfillment.events)",
    );
    expect(check).toThrow("consumer group id 'order-pipeline.notification' is used by 2 mappings");
    expect(check).toThrow("consumer group id 'order-pipeline.loyalty' is used by 2 mappings");
  });

  it.each([
    [['orders.events', 'payments.events'], /has 2 topics \(\["orders.events","payments.events"\]\)/],
    [[], /has 0 topics \(\[\]\)/],
  ])('refuses a mapping with topics %j, showing them', (topics, message) => {
    // Prepare
    const mapping: MappingDeclaration = {
      consumer: 'loyalty',
      topics,
      consumerGroupId: 'order-pipeline.loyalty',
    };

    // Act / Assess
    expect(() => checkConsumerMappings([mapping])).toThrow(message);
  });

  it.each(['bad:group', 'naïve', ''])('refuses the group id %j, showing it', (consumerGroupId) => {
    // Prepare
    const mapping: MappingDeclaration = { consumer: 'loyalty', topics: ['orders.events'], consumerGroupId };

    // Act / Assess
    expect(() => checkConsumerMappings([mapping])).toThrow(`got '${consumerGroupId}'`);
  });

  it('lists every problem at once', () => {
    // Prepare
    const mappings: MappingDeclaration[] = [
      { consumer: 'a', topics: ['orders.events'], consumerGroupId: 'same' },
      { consumer: 'b', topics: ['payments.events', 'orders.events'], consumerGroupId: 'same' },
    ];

    // Act
    let error: unknown;
    try {
      checkConsumerMappings(mappings);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect((error as InvalidConsumerMappingsError).problems).toHaveLength(2);
  });
});

describe('mapping construct ids', () => {
  it('keep the deployed ids of one-topic consumers and change with the group of the others', () => {
    // Act
    const ids = CONSUMERS.flatMap((spec) =>
      spec.mappings.map((mapping) => `${spec.name}/${mappingConstructId(spec, mapping)}`),
    );

    // Assess
    expect(ids).toEqual([
      'inventoryService/MappingInventoryCommands',
      'paymentService/MappingPaymentsCommands',
      'notification/MappingOrdersEventsOwnGroup',
      'notification/MappingNotificationsCommandsOwnGroup',
      'analytics/MappingOrdersEvents',
      'loyalty/MappingOrdersEventsOwnGroup',
      'loyalty/MappingPaymentsEventsOwnGroup',
      'fulfilment/MappingOrdersEvents',
      'orderReadModel/MappingOrdersEventsOwnGroup',
      'orderReadModel/MappingPaymentsEventsOwnGroup',
      'orderReadModel/MappingInventoryEventsOwnGroup',
      'orderReadModel/MappingFulfillmentEventsOwnGroup',
    ]);
  });
});
