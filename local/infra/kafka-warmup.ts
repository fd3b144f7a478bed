/**
 * Makes a fresh broker create and load its internal topics (consumer offsets, transaction state)
 * before the pipeline's first consumer group and idempotent producer arrive, so they do not start
 * with "coordinator is loading" errors and a consumer restart.
 */
import { Kafka, logLevel } from 'kafkajs';
import { delay } from './service-process';

export async function warmUpCoordinators(brokers: readonly string[], timeoutMs = 60_000): Promise<void> {
  const kafka = new Kafka({
    clientId: 'order-pipeline-warm-up',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const deadline = Date.now() + timeoutMs;
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, retry: { retries: 5 } });
  try {
    await admin.connect();
    // The group coordinator answers once __consumer_offsets exists and is loaded.
    await untilSucceeds(() => admin.describeGroups(['order-pipeline.warm-up']), deadline);
    // An idempotent producer's InitProducerId needs the transaction coordinator loaded.
    await untilSucceeds(() => producer.connect(), deadline);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function untilSucceeds(action: () => Promise<unknown>, deadline: number): Promise<void> {
  for (;;) {
    try {
      await action();
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await delay(250);
    }
  }
}
