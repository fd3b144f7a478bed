import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TOPICS } from '../../../lib/config/topics';
import { localDynamoDbClient } from '../../../local/infra/aws-clients';
import { DynamoDbServer } from '../../../local/infra/dynamodb-server';
import { repositoryRoot } from '../../../local/infra/paths';
import { type PrivateStack, startPrivateStack } from '../harness/private-stack';

// Private instances on their own ports and folders: the fault scenarios kill these, never the harness's.
// Ports and folder follow this run's slot, so that concurrent runs stay apart.
const { portOffset } = inject('localServices');
const FAULT_DIR = join(repositoryRoot(), '.local', 'integration', `faults-${portOffset}`);
const quiet = (): void => undefined;

describe('the DynamoDB server killed with SIGKILL and restarted', () => {
  const dataDir = join(FAULT_DIR, 'dynamodb');
  rmSync(dataDir, { recursive: true, force: true });
  const dynamodb = new DynamoDbServer({
    port: 28_100 + portOffset,
    dataDir,
    logDir: join(FAULT_DIR, 'logs'),
    log: quiet,
  });

  afterAll(async () => {
    await dynamodb.stop();
  });

  it('keeps what was written before the kill', async () => {
    // Prepare
    await dynamodb.start();
    const client = localDynamoDbClient(dynamodb.endpoint);
    await client.send(
      new CreateTableCommand({
        TableName: 'lifecycle',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      }),
    );
    await client.send(new PutItemCommand({ TableName: 'lifecycle', Item: { pk: { S: 'before-kill' } } }));

    // Act
    await dynamodb.kill();
    const whileDown = client.send(
      new GetItemCommand({ TableName: 'lifecycle', Key: { pk: { S: 'before-kill' } } }),
    );
    await expect(whileDown).rejects.toThrow();
    await dynamodb.start();
    const { Item } = await client.send(
      new GetItemCommand({ TableName: 'lifecycle', Key: { pk: { S: 'before-kill' } } }),
    );

    // Assess
    expect(Item).toEqual({ pk: { S: 'before-kill' } });
    client.destroy();
  });
});

describe('a private three-broker stack losing one broker (reliability scenario 3)', () => {
  let privateStack: PrivateStack;

  beforeAll(async () => {
    privateStack = await startPrivateStack({ brokers: 3 });
  });

  afterAll(async () => {
    await privateStack?.stack.stop();
  });

  it('replicates the catalogue 3 ways (min.insync 2) and keeps acknowledging writes with acks=all', async () => {
    // Prepare
    const { stack, info } = privateStack;
    // Retries outlast the fencing of the killed broker (broker.session.timeout.ms) and the leader election.
    const kafka = new Kafka({
      clientId: 'three-brokers',
      brokers: [...info.kafkaBrokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 3_000 },
    });
    const admin = kafka.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPICS.paymentEvents.name] });
    const [config] = (
      await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: TOPICS.paymentEvents.name, configNames: ['min.insync.replicas'] }],
      })
    ).resources;
    const producer = kafka.producer({ idempotent: true, retry: { retries: 20, maxRetryTime: 3_000 } });
    await producer.connect();
    const orderId = randomUUID();

    // Act
    await stack.kafka!.nodes[1]!.kill();
    const acknowledged = await producer.send({
      topic: TOPICS.paymentEvents.name,
      acks: -1,
      messages: [{ key: orderId, value: 'captured while a broker is down' }],
    });
    await stack.kafka!.nodes[1]!.start();
    const brokersAfter = (await admin.describeCluster()).brokers.length;

    // Assess
    expect(info.kafkaBrokers).toHaveLength(3);
    expect(metadata.topics[0]!.partitions.every((partition) => partition.replicas.length === 3)).toBe(true);
    expect(config?.configEntries[0]?.configValue).toBe('2');
    expect(acknowledged[0]!.errorCode).toBe(0);
    expect(brokersAfter).toBe(3);
    await producer.disconnect();
    await admin.disconnect();
  });
});
