import { GetBootstrapBrokersCommand } from '@aws-sdk/client-kafka';
import type { Producer } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MissingConfigurationError } from '../../../../lambdas/shared/env';
import { EventPublishError } from '../../../../lambdas/shared/ports/event-publisher';
import { exampleEvent, ORDER_ID, TRACE_HEADER } from '../../../fixtures/msk';

// kafkajs and the MSK client are mocked at the module boundary: no broker, no network.
const kafkaMock = vi.hoisted(() => {
  const producer = {
    connect: vi.fn(async () => undefined),
    disconnect: vi.fn(async () => undefined),
    sendBatch: vi.fn(async () => []),
  };
  return { producer, Kafka: vi.fn(), producerFactory: vi.fn(() => producer) };
});
vi.mock('kafkajs', () => ({
  Kafka: kafkaMock.Kafka.mockImplementation(function Kafka() {
    return { producer: kafkaMock.producerFactory };
  }),
  Partitioners: { DefaultPartitioner: 'default-partitioner' },
  CompressionTypes: { None: 0, GZIP: 1 },
}));
// The container's MSK client, replaced so the default-client path sends nowhere.
const mskMock = vi.hoisted(() => ({
  send: vi.fn(async () => ({ BootstrapBrokerStringSaslIam: 'b-9.msk:9098' })),
}));
vi.mock('../../../../lambdas/shared/aws/kafka', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../../lambdas/shared/aws/kafka')>()),
  kafkaClient: () => mskMock,
}));

const {
  PUBLISH_RETRY,
  connectKafkaProducerEarly,
  createProducer,
  disconnectSharedKafkaProducer,
  eventPublisherFromEnvironment,
  KafkaEventPublisher,
  recordHeaders,
  resolveKafkaConnection,
  sharedKafkaProducer,
} = await import('../../../../lambdas/shared/kafka/producer');

const connectedProducer = async () => kafkaMock.producer as unknown as Producer;

beforeEach(() => {
  vi.clearAllMocks();
});
afterEach(async () => {
  await disconnectSharedKafkaProducer();
  vi.unstubAllEnvs();
});

describe('KafkaEventPublisher', () => {
  it('sends records keyed by orderId with the contract headers and acks all, one partition per send, in order', async () => {
    // Prepare
    const placed = exampleEvent('OrderPlaced');
    const reserve = exampleEvent('ReserveStock');
    const confirmed = exampleEvent('OrderConfirmed', { orderId: '9a0e7c1d-2b3f-4a5e-8c6d-7e8f9a0b1c2d' });
    const failed = exampleEvent('OrderFailed');
    const publisher = new KafkaEventPublisher(connectedProducer);

    // Act
    await publisher.publish([placed, reserve, confirmed, failed], { traceHeader: TRACE_HEADER });

    // Assess: a send that spans partition leaders can lose a partition's records when a leader
    // moves (kafkajs retries only the brokers that have not answered), so none does
    const sends = kafkaMock.producer.sendBatch.mock.calls.map(
      (call) => (call as unknown[])[0] as { topicMessages: { topic: string; messages: { key: string }[] }[] },
    );
    expect(
      sends.map((send) =>
        send.topicMessages.map(({ topic, messages }) => [topic, messages.map((m) => m.key)]),
      ),
    ).toEqual([
      [['orders.events', [ORDER_ID, ORDER_ID]]],
      [['inventory.commands', [ORDER_ID]]],
      [['orders.events', ['9a0e7c1d-2b3f-4a5e-8c6d-7e8f9a0b1c2d']]],
    ]);
    expect(kafkaMock.producer.sendBatch).toHaveBeenNthCalledWith(1, {
      acks: -1,
      compression: 0,
      topicMessages: [
        {
          topic: 'orders.events',
          messages: [
            {
              key: ORDER_ID,
              value: JSON.stringify(placed),
              timestamp: String(Date.parse(placed.timestamp)),
              headers: {
                'x-amzn-trace-id': TRACE_HEADER,
                'correlation-id': placed.correlationId,
                'event-type': 'OrderPlaced',
                'event-version': '2',
              },
            },
            expect.objectContaining({ value: JSON.stringify(failed) }),
          ],
        },
      ],
    });
  });

  it('sends a partition only once the broker acknowledged the one before', async () => {
    // Prepare: the first send is still waiting for its acknowledgement
    let acknowledge: () => void = () => undefined;
    kafkaMock.producer.sendBatch.mockImplementationOnce(
      () => new Promise<never[]>((resolve) => (acknowledge = () => resolve([]))),
    );
    const publisher = new KafkaEventPublisher(connectedProducer);

    // Act
    const publishing = publisher.publish([exampleEvent('OrderPlaced'), exampleEvent('ReserveStock')]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const sendsBeforeAck = kafkaMock.producer.sendBatch.mock.calls.length;
    acknowledge();
    await publishing;

    // Assess
    expect(sendsBeforeAck).toBe(1);
    expect(kafkaMock.producer.sendBatch).toHaveBeenCalledTimes(2);
  });

  it('carries on the Lambda trace header when none is given', async () => {
    // Prepare
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-lambda');
    const publisher = new KafkaEventPublisher(connectedProducer);

    // Act
    await publisher.publish([exampleEvent('StockReserved')]);

    // Assess
    const batch = kafkaMock.producer.sendBatch.mock.calls[0] as unknown as [
      { topicMessages: { messages: { headers: Record<string, string> }[] }[] },
    ];
    expect(batch[0].topicMessages[0]?.messages[0]?.headers['x-amzn-trace-id']).toBe('Root=1-lambda');
  });

  it('leaves the trace header out when there is no trace', () => {
    // Prepare
    const envelope = exampleEvent('StockReserved');

    // Act
    const headers = recordHeaders(envelope, undefined);

    // Assess
    expect(headers).toEqual({
      'correlation-id': envelope.correlationId,
      'event-type': 'StockReserved',
      'event-version': '1',
    });
  });

  it('does nothing for an empty list', async () => {
    // Prepare
    const producer = vi.fn(connectedProducer);
    const publisher = new KafkaEventPublisher(producer);

    // Act
    await publisher.publish([]);

    // Assess
    expect(producer).not.toHaveBeenCalled();
  });

  it('refuses an envelope of an unknown type before sending anything', async () => {
    // Prepare
    const publisher = new KafkaEventPublisher(connectedProducer);
    const envelope = { ...exampleEvent('StockReserved'), eventType: 'Mystery' };

    // Act
    const publish = publisher.publish([envelope]);

    // Assess
    await expect(publish).rejects.toThrow(EventPublishError);
    expect(kafkaMock.producer.sendBatch).not.toHaveBeenCalled();
  });

  it('wraps a broker failure in EventPublishError with the cause', async () => {
    // Prepare
    const brokerError = new Error('NOT_ENOUGH_REPLICAS');
    kafkaMock.producer.sendBatch.mockRejectedValueOnce(brokerError);
    const publisher = new KafkaEventPublisher(connectedProducer);

    // Act
    const error = await publisher.publish([exampleEvent('StockReserved')]).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(EventPublishError);
    expect((error as Error).cause).toBe(brokerError);
    expect((error as Error).name).toBe('EventPublishError');
  });
});

describe('createProducer', () => {
  it('configures an idempotent producer with one request in flight and no topic auto-creation', async () => {
    // Act
    await createProducer({ brokers: ['127.0.0.1:9092'], ssl: false }, 'checkout');

    // Assess
    expect(kafkaMock.Kafka).toHaveBeenCalledWith({
      clientId: 'checkout',
      brokers: ['127.0.0.1:9092'],
      ssl: false,
      retry: { ...PUBLISH_RETRY },
    });
    expect(kafkaMock.producerFactory).toHaveBeenCalledWith({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: 'default-partitioner',
    });
  });
});

describe('resolveKafkaConnection', () => {
  it('uses KAFKA_BROKERS in plaintext when set', async () => {
    // Prepare
    const client = { send: vi.fn() };

    // Act
    const connection = await resolveKafkaConnection(
      { KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093,' },
      client,
    );

    // Assess
    expect(connection).toEqual({ brokers: ['127.0.0.1:9092', '127.0.0.1:9093'], ssl: false });
    expect(client.send).not.toHaveBeenCalled();
  });

  it('asks MSK for the IAM bootstrap brokers and signs with the function role', async () => {
    // Prepare
    vi.stubEnv('AWS_REGION', 'eu-central-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAFUNCTIONROLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'function-role-secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'function-role-session');
    const clusterArn = 'arn:aws:kafka:eu-central-1:123456789012:cluster/orders/abc';
    const client = {
      send: vi.fn(async () => ({ BootstrapBrokerStringSaslIam: 'b-1.msk:9098,b-2.msk:9098' })),
    };

    // Act
    const connection = await resolveKafkaConnection({ MSK_CLUSTER_ARN: clusterArn }, client);
    const sasl = connection.sasl as {
      mechanism: string;
      oauthBearerProvider: () => Promise<{ value: string }>;
    };
    const token = await sasl.oauthBearerProvider();

    // Assess
    const command = client.send.mock.calls[0] as unknown as [GetBootstrapBrokersCommand];
    expect(command[0]).toBeInstanceOf(GetBootstrapBrokersCommand);
    expect(command[0].input).toEqual({ ClusterArn: clusterArn });
    expect(connection.brokers).toEqual(['b-1.msk:9098', 'b-2.msk:9098']);
    expect(connection.ssl).toBe(true);
    expect(sasl.mechanism).toBe('oauthbearer');
    const signed = new URL(Buffer.from(token.value, 'base64url').toString('utf8'));
    expect(signed.host).toBe('kafka.eu-central-1.amazonaws.com');
    expect(signed.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(signed.searchParams.get('X-Amz-Credential')).toMatch(/^AKIAFUNCTIONROLE\//);
    expect(signed.searchParams.get('X-Amz-Security-Token')).toBe('function-role-session');
  });

  it('signs with the credentials it is given (an operator tool)', async () => {
    // Prepare
    const client = { send: vi.fn(async () => ({ BootstrapBrokerStringSaslIam: 'b-1.msk:9098' })) };
    const operator = vi.fn(async () => ({ accessKeyId: 'AKIAOPERATOR', secretAccessKey: 'operator-secret' }));

    // Act
    const connection = await resolveKafkaConnection({ MSK_CLUSTER_ARN: 'arn:aws:kafka:x' }, client, operator);
    const sasl = connection.sasl as { oauthBearerProvider: () => Promise<{ value: string }> };
    const token = await sasl.oauthBearerProvider();

    // Assess
    const signed = new URL(Buffer.from(token.value, 'base64url').toString('utf8'));
    expect(operator).toHaveBeenCalledOnce();
    expect(signed.searchParams.get('X-Amz-Credential')).toMatch(/^AKIAOPERATOR\//);
  });

  it("asks the container's MSK client when none is given", async () => {
    // Act
    const connection = await resolveKafkaConnection({ MSK_CLUSTER_ARN: 'arn:aws:kafka:x' });

    // Assess
    expect(mskMock.send).toHaveBeenCalledOnce();
    expect(connection.brokers).toEqual(['b-9.msk:9098']);
  });

  it('fails clearly when the cluster has no IAM brokers', async () => {
    // Prepare
    const client = { send: vi.fn(async () => ({})) };

    // Act
    const resolve = resolveKafkaConnection({ MSK_CLUSTER_ARN: 'arn:aws:kafka:x' }, client);

    // Assess
    await expect(resolve).rejects.toThrow(MissingConfigurationError);
  });

  it('fails clearly when neither brokers nor cluster are configured', async () => {
    // Act
    const resolve = resolveKafkaConnection({}, { send: vi.fn() });

    // Assess
    await expect(resolve).rejects.toThrow('Neither KAFKA_BROKERS nor MSK_CLUSTER_ARN is set');
  });
});

describe('sharedKafkaProducer', () => {
  it('connects once per container and reuses the producer', async () => {
    // Prepare
    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:9092');

    // Act
    const first = await sharedKafkaProducer();
    const second = await sharedKafkaProducer();
    await eventPublisherFromEnvironment().publish([exampleEvent('StockReserved')]);

    // Assess
    expect(first).toBe(second);
    expect(kafkaMock.producer.connect).toHaveBeenCalledOnce();
    expect(kafkaMock.producer.sendBatch).toHaveBeenCalledOnce();
  });

  it('tries again after a failed connection', async () => {
    // Prepare
    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:9092');
    kafkaMock.producer.connect.mockRejectedValueOnce(new Error('ECONNREFUSED'));

    // Act
    const failed = await sharedKafkaProducer().catch((e: unknown) => e);
    const retried = await sharedKafkaProducer();

    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(retried).toBe(kafkaMock.producer);
    expect(kafkaMock.producer.connect).toHaveBeenCalledTimes(2);
  });

  it('replaces the shared producer after a failed send, so the next publish uses a new producer id', async () => {
    // Prepare
    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:9092');
    const publisher = eventPublisherFromEnvironment();
    kafkaMock.producer.sendBatch.mockRejectedValueOnce(new Error('Connection error: ECONNREFUSED'));

    // Act
    const failed = await publisher.publish([exampleEvent('StockReserved')]).catch((e: unknown) => e);
    await publisher.publish([exampleEvent('StockReserved')]);

    // Assess
    expect(failed).toBeInstanceOf(EventPublishError);
    expect(kafkaMock.producer.disconnect).toHaveBeenCalledOnce();
    expect(kafkaMock.producer.connect).toHaveBeenCalledTimes(2);
    expect(kafkaMock.producer.sendBatch).toHaveBeenCalledTimes(2);
  });

  it('keeps a failed producer by default, and never hides the publish error behind a failed disconnect', async () => {
    // Prepare
    const discard = vi.fn(async () => {
      throw new Error('already closed');
    });
    kafkaMock.producer.sendBatch.mockRejectedValueOnce(new Error('NOT_ENOUGH_REPLICAS'));
    kafkaMock.producer.sendBatch.mockRejectedValueOnce(new Error('NOT_ENOUGH_REPLICAS'));

    // Act
    const kept = await new KafkaEventPublisher(connectedProducer)
      .publish([exampleEvent('StockReserved')])
      .catch((e: unknown) => e);
    const discarded = await new KafkaEventPublisher(connectedProducer, discard)
      .publish([exampleEvent('StockReserved')])
      .catch((e: unknown) => e);

    // Assess
    expect(kept).toBeInstanceOf(EventPublishError);
    expect(discarded).toBeInstanceOf(EventPublishError);
    expect(discard).toHaveBeenCalledExactlyOnceWith(kafkaMock.producer);
    expect(kafkaMock.producer.disconnect).not.toHaveBeenCalled();
  });

  it('disconnects the shared producer', async () => {
    // Prepare
    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:9092');
    await sharedKafkaProducer();

    // Act
    await disconnectSharedKafkaProducer();

    // Assess
    expect(kafkaMock.producer.disconnect).toHaveBeenCalledOnce();
  });

  it('starts connecting at module load when brokers are configured, and swallows a failure', async () => {
    // Prepare
    kafkaMock.producer.connect.mockRejectedValueOnce(new Error('ECONNREFUSED'));

    vi.stubEnv('KAFKA_BROKERS', '127.0.0.1:9092');

    // Act
    connectKafkaProducerEarly();
    await vi.waitFor(() => expect(kafkaMock.producer.connect).toHaveBeenCalledOnce());
    const later = await sharedKafkaProducer();

    // Assess
    expect(later).toBe(kafkaMock.producer);
    expect(kafkaMock.producer.connect).toHaveBeenCalledTimes(2);
  });

  it('does not connect early without broker configuration', () => {
    vi.stubEnv('KAFKA_BROKERS', '');
    vi.stubEnv('MSK_CLUSTER_ARN', '');

    // Act
    connectKafkaProducerEarly();

    // Assess
    expect(kafkaMock.producer.connect).not.toHaveBeenCalled();
  });
});
