import { describe, expect, it } from 'vitest';
import {
  createEvent,
  decodeJson,
  decodeMessage,
  InvalidEnvelopeError,
  InvalidMessageError,
  isMessageType,
  MessageVersionTooNewError,
  PoisonRecordError,
  topicOf,
  UnknownMessageTypeError,
} from '../../../../lambdas/shared/events/codec';
import { latestVersion, MESSAGE_SCHEMAS, type MessageType } from '../../../../lambdas/shared/events/payloads';
import { CORRELATION_ID, exampleEvent, examplePayload, ORDER_ID } from '../../../fixtures/msk';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function orderPlacedV1Record(): Record<string, unknown> {
  const { channel: _channel, ...v1Data } = examplePayload('OrderPlaced');
  return {
    eventId: '0b8f5e0c-8a7e-4f57-9d43-6f0e8e3b2a11',
    eventType: 'OrderPlaced',
    eventVersion: 1,
    orderId: ORDER_ID,
    timestamp: '2026-11-20T09:15:00.000Z',
    correlationId: CORRELATION_ID,
    data: v1Data,
  };
}

describe('createEvent', () => {
  it('creates an envelope with a uuid, the current time and the latest version', () => {
    // Prepare
    const before = Date.now();

    // Act
    const envelope = createEvent('OrderPlaced', {
      orderId: ORDER_ID,
      correlationId: CORRELATION_ID,
      data: examplePayload('OrderPlaced'),
    });

    // Assess
    expect(envelope.eventId).toMatch(UUID);
    expect(envelope.eventType).toBe('OrderPlaced');
    expect(envelope.eventVersion).toBe(2);
    expect(envelope.orderId).toBe(ORDER_ID);
    expect(envelope.correlationId).toBe(CORRELATION_ID);
    expect(Date.parse(envelope.timestamp)).toBeGreaterThanOrEqual(before);
    expect(envelope.data).toEqual(examplePayload('OrderPlaced'));
  });

  it('gives every event its own id', () => {
    // Act
    const first = exampleEvent('StockReserved');
    const second = exampleEvent('StockReserved');

    // Assess
    expect(first.eventId).not.toBe(second.eventId);
  });

  it('rejects a payload its own schema would reject, so no poison is ever published', () => {
    // Act
    const create = () =>
      createEvent('PaymentCaptured', {
        orderId: ORDER_ID,
        correlationId: CORRELATION_ID,
        data: { ...examplePayload('PaymentCaptured'), amount: -1 },
      });

    // Assess
    expect(create).toThrow(InvalidMessageError);
  });

  it('rejects an envelope field outside its limits', () => {
    // Act
    const create = () =>
      createEvent('StockReserved', {
        orderId: '',
        correlationId: CORRELATION_ID,
        data: examplePayload('StockReserved'),
      });

    // Assess
    expect(create).toThrow(InvalidEnvelopeError);
  });
});

describe('decodeMessage', () => {
  it.each(Object.keys(MESSAGE_SCHEMAS) as MessageType[])('round-trips %s', (type) => {
    // Prepare
    const envelope = exampleEvent(type);

    // Act
    const decoded = decodeMessage(JSON.parse(JSON.stringify(envelope)));

    // Assess
    expect(decoded.type).toBe(type);
    expect(decoded.envelope).toEqual(envelope);
    expect(decoded.data).toEqual(envelope.data);
    expect(decoded.sourceVersion).toBe(latestVersion(type));
  });

  it('upcasts an OrderPlaced v1 record to v2 with channel web', () => {
    // Prepare
    const v1 = orderPlacedV1Record();

    // Act
    const decoded = decodeMessage(v1);

    // Assess
    expect(decoded.type).toBe('OrderPlaced');
    expect(decoded.sourceVersion).toBe(1);
    expect(decoded.envelope.eventVersion).toBe(2);
    expect(decoded.data).toEqual({ ...(v1.data as object), channel: 'web' });
    expect(decoded.envelope.data).toBe(decoded.data);
  });

  it('reads an OrderConfirmed v1 record as v2 without a shipping address', () => {
    // Prepare
    const { shippingAddress: _address, ...v1Data } = examplePayload('OrderConfirmed');
    const v1 = { ...orderPlacedV1Record(), eventType: 'OrderConfirmed', data: v1Data };

    // Act
    const decoded = decodeMessage(v1);

    // Assess
    expect(decoded.envelope.eventVersion).toBe(2);
    expect(decoded.sourceVersion).toBe(1);
    expect(decoded.data).toEqual(v1Data);
  });

  it('narrows the payload type by message type', () => {
    // Prepare
    const decoded = decodeMessage(orderPlacedV1Record());

    // Act
    const channel = decoded.type === 'OrderPlaced' ? decoded.data.channel : undefined;

    // Assess
    expect(channel).toBe('web');
  });

  it('rejects a v1 record that carries a v2-only field, because v1 is strict', () => {
    // Prepare
    const record = orderPlacedV1Record();
    record.data = { ...(record.data as object), channel: 'app' };

    // Act
    const decode = () => decodeMessage(record);

    // Assess
    expect(decode).toThrow(InvalidMessageError);
  });

  it('rejects an unknown message type', () => {
    // Prepare
    const record = { ...orderPlacedV1Record(), eventType: 'OrderTeleported' };

    // Act
    const error = captureError(() => decodeMessage(record));

    // Assess
    expect(error).toBeInstanceOf(UnknownMessageTypeError);
    expect(error).toMatchObject({ name: 'UnknownMessageTypeError', reason: 'UNKNOWN_MESSAGE_TYPE' });
  });

  it('does not mistake Object.prototype keys for message types', () => {
    // Prepare
    const record = { ...orderPlacedV1Record(), eventType: 'toString' };

    // Act
    const decode = () => decodeMessage(record);

    // Assess
    expect(decode).toThrow(UnknownMessageTypeError);
    expect(isMessageType('constructor')).toBe(false);
  });

  it('rejects a version newer than the latest it knows as too new, not as poison', () => {
    // Prepare
    const record = { ...orderPlacedV1Record(), eventVersion: 3 };

    // Act
    const error = captureError(() => decodeMessage(record));

    // Assess
    expect(error).toBeInstanceOf(MessageVersionTooNewError);
    expect(error).not.toBeInstanceOf(PoisonRecordError);
    expect(error).toMatchObject({
      name: 'MessageVersionTooNewError',
      eventType: 'OrderPlaced',
      eventVersion: 3,
      latestVersion: 2,
      message: 'OrderPlaced version 3 is newer than the latest this consumer knows (2)',
    });
  });

  it.each([0, -1, 1.5])('rejects version %s as an invalid envelope', (eventVersion) => {
    // Prepare
    const record = { ...orderPlacedV1Record(), eventVersion };

    // Act
    const decode = () => decodeMessage(record);

    // Assess
    expect(decode).toThrow(InvalidEnvelopeError);
  });

  it('rejects a payload that does not match its version, with the zod issues', () => {
    // Prepare
    const envelope = JSON.parse(JSON.stringify(exampleEvent('ChargeCard')));
    envelope.data.paymentToken = '4111111111111111';

    // Act
    const error = captureError(() => decodeMessage(envelope));

    // Assess
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect((error as InvalidMessageError).issues[0]?.path).toEqual(['paymentToken']);
    expect((error as InvalidMessageError).reason).toBe('INVALID_MESSAGE');
  });

  it.each([
    ['null', null],
    ['a string', 'OrderPlaced'],
    ['an envelope without eventId', { ...orderPlacedV1Record(), eventId: undefined }],
    ['an envelope with extra fields', { ...orderPlacedV1Record(), traceId: 'x' }],
  ])('rejects %s as an invalid envelope', (_label, value) => {
    // Act
    const error = captureError(() => decodeMessage(value));

    // Assess
    expect(error).toBeInstanceOf(InvalidEnvelopeError);
    expect(error).toBeInstanceOf(PoisonRecordError);
    expect((error as InvalidEnvelopeError).reason).toBe('INVALID_ENVELOPE');
  });
});

describe('decodeJson', () => {
  it('decodes JSON text and bytes', () => {
    // Prepare
    const envelope = exampleEvent('OrderConfirmed');
    const text = JSON.stringify(envelope);

    // Act
    const fromText = decodeJson(text);
    const fromBytes = decodeJson(new TextEncoder().encode(text));

    // Assess
    expect(fromText.envelope).toEqual(envelope);
    expect(fromBytes.envelope).toEqual(envelope);
  });

  it('rejects a value that is not JSON, keeping the parse error as cause', () => {
    // Act
    const error = captureError(() => decodeJson('{"eventId":'));

    // Assess
    expect(error).toBeInstanceOf(InvalidEnvelopeError);
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });
});

describe('topicOf', () => {
  it.each([
    ['OrderPlaced', 'orders.events'],
    ['ReserveStock', 'inventory.commands'],
    ['ChargeCard', 'payments.commands'],
    ['PaymentRefunded', 'payments.events'],
    ['StockReleased', 'inventory.events'],
    ['ShipmentCreated', 'fulfillment.events'],
    ['SendEmail', 'notifications.commands'],
  ] as const)('puts %s on %s', (type, topic) => {
    // Act
    const result = topicOf(type);

    // Assess
    expect(result).toBe(topic);
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
