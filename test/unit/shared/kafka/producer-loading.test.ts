import { describe, expect, it, vi } from 'vitest';

// Records which heavy modules have been loaded; each mock factory runs on the module's first import.
const loaded = vi.hoisted(() => new Set<string>());
vi.mock('kafkajs', () => {
  loaded.add('kafkajs');
  return {
    Kafka: function Kafka() {
      return { producer: () => ({}) };
    },
    Partitioners: { DefaultPartitioner: 'default-partitioner' },
  };
});
vi.mock('../../../../lambdas/shared/kafka/msk-iam-token', () => {
  loaded.add('msk-iam-token');
  return { environmentCredentials: () => async () => ({}), mskIamAuthToken: async () => ({ token: 't' }) };
});
vi.mock('../../../../lambdas/shared/aws/kafka', () => {
  loaded.add('aws/kafka');
  return { GetBootstrapBrokersCommand: class {}, kafkaClient: () => ({ send: async () => ({}) }) };
});

describe('Kafka producer module loading', () => {
  it('loads neither kafkajs, the MSK token signer nor the MSK client when the module loads', async () => {
    // Act
    await import('../../../../lambdas/shared/kafka/producer');

    // Assess
    expect([...loaded]).toEqual([]);
  });

  it('loads kafkajs when a producer is created, and the MSK modules only for MSK brokers', async () => {
    // Prepare
    const { createProducer, resolveKafkaConnection } = await import(
      '../../../../lambdas/shared/kafka/producer'
    );

    // Act
    await createProducer(await resolveKafkaConnection({ KAFKA_BROKERS: '127.0.0.1:9092' }));
    const afterLocal = [...loaded];
    await resolveKafkaConnection({ MSK_CLUSTER_ARN: 'arn:aws:kafka:x' }).catch(() => undefined);

    // Assess
    expect(afterLocal).toEqual(['kafkajs']);
    expect([...loaded].sort()).toEqual(['aws/kafka', 'kafkajs', 'msk-iam-token']);
  });
});
