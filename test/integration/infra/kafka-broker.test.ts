import { randomUUID } from 'node:crypto';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALL_TOPICS, retentionMs, TOPICS } from '../../../lib/config/topics';

describe('local Kafka broker (KRaft, started by the integration harness)', () => {
  const { kafkaBrokers } = inject('localServices');
  const kafka = new Kafka({ clientId: 'infra-test', brokers: [...kafkaBrokers], logLevel: logLevel.NOTHING });
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.disconnect();
  });

  it('answers as a one-node cluster at the exported KAFKA_BROKERS', async () => {
    // Prepare / Act
    const cluster = await admin.describeCluster();

    // Assess
    expect(process.env.KAFKA_BROKERS).toBe(kafkaBrokers.join(','));
    expect(cluster.brokers).toHaveLength(1);
    expect(cluster.controller).not.toBeNull();
  });

  it('has every topic of the catalogue with its partitions, retention and min.insync.replicas', async () => {
    // Prepare
    const names = ALL_TOPICS.map((topic) => topic.name);

    // Act
    const metadata = await admin.fetchTopicMetadata({ topics: names });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({
        type: 2,
        name,
        configNames: ['retention.ms', 'min.insync.replicas'],
      })),
    });

    // Assess
    for (const topic of ALL_TOPICS) {
      const found = metadata.topics.find((candidate) => candidate.name === topic.name);
      expect(found?.partitions, topic.name).toHaveLength(topic.partitions);
      const entries = configs.resources.find(
        (resource) => resource.resourceName === topic.name,
      )?.configEntries;
      const value = (name: string) => entries?.find((entry) => entry.configName === name)?.configValue;
      expect(value('retention.ms'), topic.name).toBe(String(retentionMs(topic)));
      expect(value('min.insync.replicas'), topic.name).toBe('1');
    }
  });

  it('creates no topic on demand, as on MSK where topics come from the catalogue only', async () => {
    // Prepare
    const producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
    await producer.connect();

    // Act
    const sending = producer.send({ topic: `not-in-catalogue-${randomUUID()}`, messages: [{ value: 'x' }] });

    // Assess
    await expect(sending).rejects.toThrow();
    await producer.disconnect();
  });

  it('round-trips a keyed record with acks=all: same key, same partition, headers kept', async () => {
    // Prepare
    const orderId = randomUUID();
    const producer = kafka.producer({ idempotent: true });
    const consumer = kafka.consumer({ groupId: `infra-test-${orderId}` });
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.orderEvents.name, fromBeginning: true });
    const received = new Promise<{ partition: number; value: string; eventType: string }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (message.key?.toString() === orderId) {
            resolve({
              partition,
              value: message.value!.toString(),
              eventType: message.headers?.['event-type']?.toString() ?? '',
            });
          }
        },
      });
    });

    // Act
    const [first, second] = await Promise.all(
      [1, 2].map((n) =>
        producer.send({
          topic: TOPICS.orderEvents.name,
          acks: -1,
          messages: [
            { key: orderId, value: JSON.stringify({ orderId, n }), headers: { 'event-type': 'OrderPlaced' } },
          ],
        }),
      ),
    );
    const record = await received;

    // Assess
    expect(first![0]!.partition).toBe(second![0]!.partition);
    expect(record.partition).toBe(first![0]!.partition);
    expect(record.eventType).toBe('OrderPlaced');
    expect(JSON.parse(record.value)).toMatchObject({ orderId });
    await consumer.disconnect();
    await producer.disconnect();
  });
});
