/**
 * A Kafka admin client for reading offsets (end offsets of topics, committed offsets of consumer
 * groups), on the same connection as the producer: KAFKA_BROKERS in plaintext locally, the MSK
 * cluster's IAM brokers over TLS with SASL/OAUTHBEARER in AWS (`resolveKafkaConnection`).
 *
 * Its requests are cut short: a reader of offsets that waits on a broker failing over would hold up
 * whoever asked (a checkout) for kafkajs's default 30 s, while a later reading costs nothing.
 * kafkajs is loaded on first use, as for the producer.
 */
import type { Admin } from 'kafkajs';
import { ContainerClient } from './container-client';
import { type KafkaConnection, resolveKafkaConnection } from './producer';
import { loadKafkajs } from './request-queue-idle';

/** Connecting and each request give up after this long; one retry after a short pause. */
export const ADMIN_TIMEOUTS = {
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 1_000,
  retry: { initialRetryTime: 100, retries: 1, maxRetryTime: 300 },
} as const;

/** An admin client with the pipeline's connection settings, not yet connected. */
export async function createAdmin(
  connection: KafkaConnection,
  clientId = process.env.POWERTOOLS_SERVICE_NAME ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'order-pipeline',
): Promise<Admin> {
  const { Kafka } = await loadKafkajs();
  const kafka = new Kafka({
    clientId,
    brokers: [...connection.brokers],
    ssl: connection.ssl,
    ...(connection.sasl ? { sasl: connection.sasl } : {}),
    connectionTimeout: ADMIN_TIMEOUTS.connectionTimeoutMs,
    requestTimeout: ADMIN_TIMEOUTS.requestTimeoutMs,
    retry: { ...ADMIN_TIMEOUTS.retry },
  });
  return kafka.admin({ retry: { ...ADMIN_TIMEOUTS.retry } });
}

const containerAdmin = new ContainerClient(async () => createAdmin(await resolveKafkaConnection()));

/** The container's admin client: connected once, reused by every invocation. */
export function sharedKafkaAdmin(): Promise<Admin> {
  return containerAdmin.get();
}

/** Replaces the container's admin client after a failed request, so the next one starts clean. */
export async function discardSharedKafkaAdmin(failed: Admin): Promise<void> {
  await containerAdmin.discard(failed).catch(() => undefined);
}

/** Disconnects the container's admin client (local mode shutdown, tests). */
export function disconnectSharedKafkaAdmin(): Promise<void> {
  return containerAdmin.disconnect();
}
