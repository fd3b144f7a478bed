/**
 * The Kafka adapter of the EventPublisher port (kafkajs).
 *
 * - Idempotent producer, acks = all (-1), one request in flight: the broker de-duplicates the
 *   producer's own retries and keeps order per partition.
 * - Brokers: KAFKA_BROKERS (local mode, plaintext), or in AWS the IAM bootstrap brokers of
 *   MSK_CLUSTER_ARN (GetBootstrapBrokers), TLS and SASL/OAUTHBEARER signed by
 *   aws-msk-iam-sasl-signer-js with the function's role.
 * - One connected producer per container, created on first publish and reused by later invocations.
 * - No compression: records are small JSON documents and saga latency matters more than bytes.
 */
import { GetBootstrapBrokersCommand, type KafkaClient } from '@aws-sdk/client-kafka';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import {
  CompressionTypes,
  Kafka,
  type Message,
  Partitioners,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import { awsRegion, kafkaClient } from '../aws/clients';
import { MissingConfigurationError } from '../env';
import { isMessageType, topicOf } from '../events/codec';
import { type EventEnvelope, HEADERS } from '../events/envelope';
import { EventPublishError, type EventPublisher, type PublishContext } from '../ports/event-publisher';

// kafkajs prints a partitioner migration notice on every producer otherwise.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly ssl: boolean;
  readonly sasl?: SASLOptions;
}

/** Where the brokers are: KAFKA_BROKERS wins (local mode), else the MSK cluster's IAM brokers. */
export async function resolveKafkaConnection(
  env: NodeJS.ProcessEnv = process.env,
  client: Pick<KafkaClient, 'send'> = kafkaClient(),
): Promise<KafkaConnection> {
  const brokerList = env.KAFKA_BROKERS?.trim();
  if (brokerList) {
    return { brokers: splitBrokers(brokerList), ssl: false };
  }
  const clusterArn = env.MSK_CLUSTER_ARN?.trim();
  if (!clusterArn) {
    throw new MissingConfigurationError('Neither KAFKA_BROKERS nor MSK_CLUSTER_ARN is set');
  }
  const output = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
  const iamBrokers = output.BootstrapBrokerStringSaslIam;
  if (!iamBrokers) {
    throw new MissingConfigurationError(
      `MSK cluster ${clusterArn} has no IAM bootstrap brokers; enable IAM auth`,
    );
  }
  const region = awsRegion();
  return {
    brokers: splitBrokers(iamBrokers),
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      // Called on every (re)connection, so the short-lived token is always fresh.
      oauthBearerProvider: async () => {
        const { token } = await generateAuthToken({ region });
        return { value: token };
      },
    },
  };
}

function splitBrokers(list: string): string[] {
  return list
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}

export function createProducer(connection: KafkaConnection, clientId = defaultClientId()): Producer {
  const kafka = new Kafka({
    clientId,
    brokers: [...connection.brokers],
    ssl: connection.ssl,
    ...(connection.sasl ? { sasl: connection.sasl } : {}),
  });
  return kafka.producer({
    idempotent: true,
    // kafkajs guarantees idempotent, ordered delivery only with a single request in flight.
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Murmur2 like the Java client, so an orderId maps to the same partition whoever produces it.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

function defaultClientId(): string {
  return process.env.POWERTOOLS_SERVICE_NAME ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'order-pipeline';
}

/** Record headers of an envelope (CONTRACTS.md, "Kafka records"). */
export function recordHeaders(
  envelope: EventEnvelope,
  traceHeader: string | undefined,
): Record<string, string> {
  return {
    ...(traceHeader ? { [HEADERS.traceId]: traceHeader } : {}),
    [HEADERS.correlationId]: envelope.correlationId,
    [HEADERS.eventType]: envelope.eventType,
    [HEADERS.eventVersion]: String(envelope.eventVersion),
  };
}

export class KafkaEventPublisher implements EventPublisher {
  /** @param producer resolves to a connected producer; called on every publish. */
  public constructor(private readonly producer: () => Promise<Producer>) {}

  public async publish(events: readonly EventEnvelope[], context: PublishContext = {}): Promise<void> {
    if (events.length === 0) return;
    const traceHeader = context.traceHeader ?? process.env._X_AMZN_TRACE_ID;
    const byTopic = new Map<string, Message[]>();
    for (const envelope of events) {
      if (!isMessageType(envelope.eventType)) {
        throw new EventPublishError(`Cannot publish unknown message type '${envelope.eventType}'`);
      }
      const topic = topicOf(envelope.eventType);
      const messages = byTopic.get(topic) ?? [];
      messages.push({
        key: envelope.orderId,
        value: JSON.stringify(envelope),
        headers: recordHeaders(envelope, traceHeader),
        timestamp: String(Date.parse(envelope.timestamp)),
      });
      byTopic.set(topic, messages);
    }
    try {
      const producer = await this.producer();
      await producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        acks: -1,
        compression: CompressionTypes.None,
      });
    } catch (error) {
      throw new EventPublishError(`Publishing ${events.length} record(s) failed`, { cause: error });
    }
  }
}

let sharedProducer: Promise<Producer> | undefined;

/** The container's producer: connected once, reused by every invocation. */
export function sharedKafkaProducer(): Promise<Producer> {
  sharedProducer ??= (async () => {
    const producer = createProducer(await resolveKafkaConnection());
    await producer.connect();
    return producer;
  })().catch((error: unknown) => {
    // Do not cache a failed connection: the next invocation tries again.
    sharedProducer = undefined;
    throw error;
  });
  return sharedProducer;
}

/**
 * Starts connecting the container's producer while the module loads (Lambda's init phase), so the
 * first saga step of a fresh container does not spend its step timeout on the broker handshake.
 * Without broker configuration (unit tests) it does nothing; a failure is retried on first use.
 */
export function connectKafkaProducerEarly(): void {
  if (process.env.KAFKA_BROKERS || process.env.MSK_CLUSTER_ARN) {
    sharedKafkaProducer().catch(() => undefined);
  }
}

/** Disconnects the container's producer (local mode shutdown, integration tests). */
export async function disconnectSharedKafkaProducer(): Promise<void> {
  const pending = sharedProducer;
  sharedProducer = undefined;
  if (pending) {
    await (await pending.catch(() => undefined))?.disconnect();
  }
}

/** The EventPublisher every handler uses. */
export function eventPublisherFromEnvironment(): EventPublisher {
  return new KafkaEventPublisher(sharedKafkaProducer);
}
