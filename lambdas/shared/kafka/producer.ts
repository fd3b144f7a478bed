/**
 * The Kafka adapter of the EventPublisher port (kafkajs).
 *
 * - Idempotent producer, acks = all (-1), one request in flight: the broker de-duplicates the
 *   producer's own retries and keeps order per partition.
 * - Brokers: KAFKA_BROKERS (local mode, plaintext), or in AWS the IAM bootstrap brokers of
 *   MSK_CLUSTER_ARN (GetBootstrapBrokers), TLS and SASL/OAUTHBEARER with a token signed with the
 *   function's role (msk-iam-token.ts).
 * - One connected producer per container, created on first publish and reused by later invocations.
 * - No compression: records are small JSON documents and saga latency matters more than bytes.
 * - kafkajs, the MSK IAM token signer and the MSK client are loaded on first use (dynamic `import()`):
 *   esbuild keeps them in the bundle but evaluates them only when a producer is created, so a
 *   handler that never publishes, or publishes only on some paths, does not pay for them at init.
 */

import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { CompressionTypes, Message, Producer, SASLOptions } from 'kafkajs';
import { SETTING_ENV_VARS } from '../../../lib/config/functions';
import { awsRegion } from '../aws/region';
import { MissingConfigurationError, optionalSetting } from '../env';
import { isMessageType, topicOf } from '../events/codec';
import { type EventEnvelope, HEADERS } from '../events/envelope';
import { EventPublishError, type EventPublisher, type PublishContext } from '../ports/event-publisher';
import { ContainerClient } from './container-client';
import type { AwsCredentialsProvider } from './msk-iam-token';
import { loadKafkajs } from './request-queue-idle';

// kafkajs prints a partitioner migration notice on every producer otherwise.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

/** CompressionTypes.None, typed against kafkajs but without loading it for the enum object. */
const NO_COMPRESSION: CompressionTypes.None = 0;

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly ssl: boolean;
  readonly sasl?: SASLOptions;
}

/**
 * Where the brokers are: KAFKA_BROKERS wins (local mode), else the MSK cluster's IAM brokers.
 * @param credentials sign the MSK IAM token. @default the function's role (environmentCredentials)
 */
export async function resolveKafkaConnection(
  env: NodeJS.ProcessEnv = process.env,
  client?: Pick<KafkaClient, 'send'>,
  credentials?: AwsCredentialsProvider,
): Promise<KafkaConnection> {
  const brokerList = env.KAFKA_BROKERS?.trim();
  if (brokerList) {
    return { brokers: splitBrokers(brokerList), ssl: false };
  }
  const clusterArn = optionalSetting('mskClusterArn', env)?.trim();
  if (!clusterArn) {
    throw new MissingConfigurationError(`Neither KAFKA_BROKERS nor ${SETTING_ENV_VARS.mskClusterArn} is set`);
  }
  const [{ GetBootstrapBrokersCommand, kafkaClient }, { environmentCredentials, mskIamAuthToken }] =
    await Promise.all([import('../aws/kafka'), import('./msk-iam-token')]);
  const output = await (client ?? kafkaClient()).send(
    new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }),
  );
  const iamBrokers = output.BootstrapBrokerStringSaslIam;
  if (!iamBrokers) {
    throw new MissingConfigurationError(
      `MSK cluster ${clusterArn} has no IAM bootstrap brokers; enable IAM auth`,
    );
  }
  const region = awsRegion();
  const signWith = credentials ?? environmentCredentials();
  return {
    brokers: splitBrokers(iamBrokers),
    ssl: true,
    sasl: {
      mechanism: 'oauthbearer',
      // Called on every (re)connection, so the short-lived token is always fresh.
      oauthBearerProvider: async () => {
        const { token } = await mskIamAuthToken({ region, credentials: signWith });
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

/**
 * How long a publish is retried, connecting and sending (kafkajs uses the client's retry for both):
 * about two seconds. A publish while no broker answers then fails with EventPublishError well
 * inside the Lambda timeout and the caller's own retry (the saga's Retry, the event source
 * mapping's) decides how long to keep trying, instead of the invocation hanging until Lambda kills
 * it and its sandbox, or publishing a saga command after its step has timed out. kafkajs warns
 * that limited retries may break the idempotent producer's guarantees: a failed send rolls its
 * sequence numbers back, which is why a publisher drops a producer whose send failed (`discard`).
 */
export const PUBLISH_RETRY = { initialRetryTime: 300, retries: 3, maxRetryTime: 2_000 } as const;

/** A producer with the pipeline's settings, not yet connected; loads kafkajs on first call. */
export async function createProducer(
  connection: KafkaConnection,
  clientId = defaultClientId(),
): Promise<Producer> {
  const { Kafka, Partitioners } = await loadKafkajs();
  const kafka = new Kafka({
    clientId,
    brokers: [...connection.brokers],
    ssl: connection.ssl,
    ...(connection.sasl ? { sasl: connection.sasl } : {}),
    retry: { ...PUBLISH_RETRY },
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
  /**
   * @param producer resolves to a connected producer; called on every publish.
   * @param discard gets a producer whose send failed, before the error is thrown. kafkajs rolls the
   *   sequence numbers of a failed send back: had the broker stored that batch after all, the next,
   *   different batch would reuse them and be dropped as a duplicate. A new producer (new producer
   *   id) cannot collide. @default keeps the producer
   */
  public constructor(
    private readonly producer: () => Promise<Producer>,
    private readonly discard: (failed: Producer) => Promise<void> = async () => undefined,
  ) {}

  public async publish(events: readonly EventEnvelope[], context: PublishContext = {}): Promise<void> {
    if (events.length === 0) return;
    const traceHeader = context.traceHeader ?? process.env._X_AMZN_TRACE_ID;
    // One send per partition (topic and record key), in the order of each partition's first record,
    // each waiting for the one before. A kafkajs send that spans partition leaders retries only the
    // brokers that have not answered yet: when a failing-over partition's new leader is a broker
    // that already answered for another partition of the same send, that partition's records are
    // never sent and the send still resolves. A send to one partition cannot be split that way.
    const byPartition = new Map<string, { topic: string; messages: Message[] }>();
    for (const envelope of events) {
      if (!isMessageType(envelope.eventType)) {
        throw new EventPublishError(`Cannot publish unknown message type '${envelope.eventType}'`);
      }
      const topic = topicOf(envelope.eventType);
      const partition = `${topic}/${envelope.orderId}`;
      const batch = byPartition.get(partition) ?? { topic, messages: [] };
      batch.messages.push({
        key: envelope.orderId,
        value: JSON.stringify(envelope),
        headers: recordHeaders(envelope, traceHeader),
        timestamp: String(Date.parse(envelope.timestamp)),
      });
      byPartition.set(partition, batch);
    }
    let producer: Producer | undefined;
    try {
      producer = await this.producer();
      for (const batch of byPartition.values()) {
        await producer.sendBatch({ topicMessages: [batch], acks: -1, compression: NO_COMPRESSION });
      }
    } catch (error) {
      if (producer) await this.discard(producer).catch(() => undefined);
      throw new EventPublishError(`Publishing ${events.length} record(s) failed`, { cause: error });
    }
  }
}

const containerProducer = new ContainerClient(async () => createProducer(await resolveKafkaConnection()));

/** The container's producer: connected once, reused by every invocation. */
export function sharedKafkaProducer(): Promise<Producer> {
  return containerProducer.get();
}

/**
 * Starts connecting the container's producer while the module loads (Lambda's init phase), so the
 * first saga step of a fresh container does not spend its step timeout on the broker handshake.
 * Without broker configuration (unit tests) it does nothing; a failure is retried on first use.
 */
export function connectKafkaProducerEarly(): void {
  if (process.env.KAFKA_BROKERS || optionalSetting('mskClusterArn')) {
    sharedKafkaProducer().catch(() => undefined);
  }
}

/** Drops the container's producer after a failed send, so the next send gets a new producer id. */
export function discardSharedKafkaProducer(failed: Producer): Promise<void> {
  return containerProducer.discard(failed);
}

/** Disconnects the container's producer (local mode shutdown, integration tests). */
export function disconnectSharedKafkaProducer(): Promise<void> {
  return containerProducer.disconnect();
}

/** The EventPublisher every handler uses; a producer whose send failed is replaced (see `discard`). */
export function eventPublisherFromEnvironment(): EventPublisher {
  return new KafkaEventPublisher(sharedKafkaProducer, discardSharedKafkaProducer);
}
