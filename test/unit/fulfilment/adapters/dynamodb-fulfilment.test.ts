import { describe, expect, it } from 'vitest';
import {
  DynamoDbShipmentRepository,
  ShipmentVanishedError,
} from '../../../../lambdas/fulfilment/adapters/dynamodb-shipment-repository';
import { DynamoDbShippingAddressLookup } from '../../../../lambdas/fulfilment/adapters/dynamodb-shipping-address-lookup';
import type { Shipment } from '../../../../lambdas/fulfilment/domain/shipment';
import { conditionalCheckFailed, FakeDocumentClient } from '../../../fixtures/consumers/fake-document-client';
import { ADDRESS } from '../../../fixtures/consumers/order-events';

const shipment: Shipment = {
  orderId: 'o-1',
  shipmentId: 'SHP-o-1',
  customerId: 'c',
  items: [{ sku: 'SKU-1', quantity: 1 }],
  shippingAddress: ADDRESS,
  status: 'CREATED',
  createdAt: '2026-11-24T10:00:00.000Z',
  eventId: '00000000-0000-4000-8000-000000000001',
  correlationId: 'corr',
};

describe('DynamoDbShipmentRepository', () => {
  it('creates a shipment with a one-per-order condition', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const repository = new DynamoDbShipmentRepository(client.asClient(), 'shipments');

    // Act
    const result = await repository.createOnce(shipment);

    // Assess
    expect(result).toEqual({ created: true, shipment });
    expect(client.sent[0].input).toEqual({
      TableName: 'shipments',
      Item: shipment,
      ConditionExpression: 'attribute_not_exists(orderId)',
    });
  });

  it('returns the stored shipment when the order already has one', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    const stored = { ...shipment, publishedAt: '2026-11-24T10:00:01.000Z' };
    client.responder = (command) => {
      if (command.name === 'PutCommand') throw conditionalCheckFailed();
      return { Item: stored };
    };
    const repository = new DynamoDbShipmentRepository(client.asClient(), 'shipments');

    // Act
    const result = await repository.createOnce(shipment);

    // Assess
    expect(result).toEqual({ created: false, shipment: stored });
    expect(client.sent[1].input).toMatchObject({ Key: { orderId: 'o-1' }, ConsistentRead: true });
  });

  it('fails clearly when the existing shipment cannot be read, and passes other errors on', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    client.responder = (command) => {
      if (command.name === 'PutCommand') throw conditionalCheckFailed();
      return {};
    };
    const repository = new DynamoDbShipmentRepository(client.asClient(), 'shipments');

    // Act
    const attempt = repository.createOnce(shipment);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ShipmentVanishedError);
    client.responder = () => {
      throw new Error('throttled');
    };
    await expect(repository.createOnce(shipment)).rejects.toThrow('throttled');
  });

  it('marks a shipment published once, keeping the first time', async () => {
    // Prepare
    const client = new FakeDocumentClient();

    // Act
    await new DynamoDbShipmentRepository(client.asClient(), 'shipments').markPublished(
      'o-1',
      '2026-11-24T10:00:02Z',
    );

    // Assess
    expect(client.sent[0].input).toEqual({
      TableName: 'shipments',
      Key: { orderId: 'o-1' },
      UpdateExpression: 'SET publishedAt = if_not_exists(publishedAt, :at)',
      ExpressionAttributeValues: { ':at': '2026-11-24T10:00:02Z' },
    });
  });
});

describe('DynamoDbShippingAddressLookup', () => {
  it('reads only the shipping address of the order', async () => {
    // Prepare
    const client = new FakeDocumentClient();
    client.responder = () => ({ Item: { shippingAddress: ADDRESS } });
    const lookup = new DynamoDbShippingAddressLookup(client.asClient(), 'orders');

    // Act
    const address = await lookup.addressOf('o-1');

    // Assess
    expect(address).toEqual(ADDRESS);
    expect(client.sent[0].input).toMatchObject({
      TableName: 'orders',
      ProjectionExpression: 'shippingAddress',
    });
  });

  it('returns undefined for an unknown order', async () => {
    // Prepare
    const lookup = new DynamoDbShippingAddressLookup(new FakeDocumentClient().asClient(), 'orders');

    // Act
    const address = await lookup.addressOf('o-404');

    // Assess
    expect(address).toBeUndefined();
  });
});
