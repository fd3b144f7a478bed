import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbShipmentRepository } from '../../../lambdas/fulfilment/adapters/dynamodb-shipment-repository';
import { DynamoDbShippingAddressLookup } from '../../../lambdas/fulfilment/adapters/dynamodb-shipping-address-lookup';
import { createShipment } from '../../../lambdas/fulfilment/use-cases/create-shipment';
import { createTestTable, type TestTable } from '../../fixtures/consumers/dynamodb-tables';
import { ADDRESS, orderEvents as e, eventId, ORDER_ID } from '../../fixtures/consumers/order-events';
import { InMemoryEventPublisher } from '../../fixtures/in-memory-event-publisher';

describe('shipments on the local DynamoDB server', () => {
  let shipments: TestTable;
  let orders: TestTable;

  beforeAll(async () => {
    const endpoint = inject('localServices').dynamodbEndpoint;
    [shipments, orders] = await Promise.all([
      createTestTable(endpoint, 'shipments', 'orderId'),
      createTestTable(endpoint, 'orders', 'orderId'),
    ]);
  });

  afterAll(async () => {
    await Promise.all([shipments.drop(), orders.drop()]);
  });

  it('creates one shipment per order, reading the address from the orders table', async () => {
    // Prepare
    await orders.documentClient.send(
      new PutCommand({ TableName: orders.name, Item: { orderId: ORDER_ID, shippingAddress: ADDRESS } }),
    );
    const publisher = new InMemoryEventPublisher();
    const deps = {
      shipments: new DynamoDbShipmentRepository(shipments.documentClient, shipments.name),
      addresses: new DynamoDbShippingAddressLookup(orders.documentClient, orders.name),
      publisher,
      newEventId: () => eventId(),
      now: () => new Date('2026-11-24T10:00:05.000Z'),
    };
    const confirmed = e.orderConfirmed('2026-11-24T10:00:01.000Z');

    // Act
    const outcomes = await Promise.all([createShipment(deps, confirmed), createShipment(deps, confirmed)]);
    const later = await createShipment(deps, confirmed);

    // Assess
    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
    expect(later).toBe('duplicate');
    const { Item } = await shipments.documentClient.send(
      new GetCommand({ TableName: shipments.name, Key: { orderId: ORDER_ID } }),
    );
    expect(Item).toMatchObject({
      shipmentId: `SHP-${ORDER_ID}`,
      shippingAddress: ADDRESS,
      publishedAt: '2026-11-24T10:00:05.000Z',
    });
    // Both concurrent deliveries published the stored shipment's event: same eventId, so consumers dedupe it.
    expect(new Set(publisher.envelopes('ShipmentCreated').map((event) => event.eventId)).size).toBe(1);
  });
});
