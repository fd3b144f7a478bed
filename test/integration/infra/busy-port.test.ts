import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { DynamoDbServer } from '../../../local/infra/dynamodb-server';
import { PortInUseError } from '../../../local/infra/errors';
import { KafkaCluster } from '../../../local/infra/kafka-cluster';
import { LocalServices } from '../../../local/infra/local-services';

async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('a busy port', () => {
  // Ports of this run's slot, so that concurrent runs do not take each other's.
  const base = 29_000 + inject('localServices').portOffset;
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('stops Kafka from starting with a message naming the port and its variable', async () => {
    // Prepare
    server = await occupy(base + 10);
    const kafka = new KafkaCluster({
      port: base + 10,
      dataDir: '/tmp/order-pipeline-unused',
      log: () => undefined,
    });

    // Act
    const starting = kafka.start();

    // Assess
    await expect(starting).rejects.toBeInstanceOf(PortInUseError);
    await expect(starting).rejects.toThrow(
      `Port ${base + 10} (KAFKA_PORT) is already in use: another process listens on 127.0.0.1:${base + 10}`,
    );
  });

  it('stops the whole local stack before anything starts (nothing half-starts)', async () => {
    // Prepare
    server = await occupy(base + 24);
    const stack = new LocalServices({
      kafkaPort: base + 20,
      dynamodbPort: base + 24,
      kafkaBrokersFromEnv: false,
      dataDir: '/tmp/order-pipeline-unused',
      log: () => undefined,
    });

    // Act
    const starting = stack.start();

    // Assess
    await expect(starting).rejects.toThrow(`Port ${base + 24} (DYNAMODB_PORT) is already in use`);
    const ports = await Promise.all(
      [base + 20].map(
        (port) =>
          new Promise<boolean>((resolve) => {
            const probe = createServer();
            probe.once('error', () => resolve(false));
            probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
          }),
      ),
    );
    expect(ports).toEqual([true]);
  });

  it('names DYNAMODB_PORT for the DynamoDB server', async () => {
    // Prepare
    server = await occupy(base + 30);

    // Act
    const starting = new DynamoDbServer({ port: base + 30, log: () => undefined }).start();

    // Assess
    await expect(starting).rejects.toThrow(`Port ${base + 30} (DYNAMODB_PORT) is already in use`);
  });
});
