/**
 * The kafkajs client of an operator tool: the brokers resolved as the functions resolve them
 * (KAFKA_BROKERS locally; the stage's MSK IAM brokers, signed with the caller's credentials, on
 * AWS), with GetBootstrapBrokers asked in the target's region and endpoint rather than the
 * process's.
 */
import { KafkaClient } from '@aws-sdk/client-kafka';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { type KafkaConnection, resolveKafkaConnection } from '../../lambdas/shared/kafka/producer';
import { clientConfigOf, kafkaEnvironmentOf, OpsError, type OpsTarget } from './target';

export interface OpsKafka {
  readonly kafka: Kafka;
  readonly connection: KafkaConnection;
}

export async function opsKafka(target: OpsTarget, clientId: string): Promise<OpsKafka> {
  const msk = new KafkaClient(clientConfigOf(target, 'KAFKA'));
  try {
    // The token is signed with the operator's credentials, from the SDK's default chain.
    const connection = await resolveKafkaConnection(kafkaEnvironmentOf(target), msk, msk.config.credentials);
    const kafka = new Kafka({
      clientId,
      brokers: [...connection.brokers],
      ssl: connection.ssl,
      ...(connection.sasl ? { sasl: connection.sasl } : {}),
      // Brokers out of reach (on AWS: outside the VPC) fail in seconds instead of retrying for minutes.
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
      retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2_000 },
      // The tool says what failed; kafkajs's own error log would only repeat it.
      logLevel: logLevel.NOTHING,
    });
    return { kafka, connection };
  } finally {
    msk.destroy();
  }
}

/** The tool's client with a connected admin; brokers out of reach are an OpsError naming them. */
export async function opsKafkaAdmin(
  target: OpsTarget,
  clientId: string,
): Promise<OpsKafka & { admin: Admin }> {
  const { kafka, connection } = await opsKafka(target, clientId);
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (error) {
    throw new OpsError(
      `Could not reach Kafka at ${connection.brokers.join(',')}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return { kafka, connection, admin };
}
