import { describe, expect, it, vi } from 'vitest';
import { TemplateResourceError } from '../../../../local/infra/errors';
import {
  durabilityFor,
  KAFKA_ARTIFACTS,
  KafkaCluster,
  newClusterId,
  serverProperties,
} from '../../../../local/infra/kafka-cluster';
import { LocalServices } from '../../../../local/infra/local-services';
import { pomFor } from '../../../../local/infra/maven-artifacts';

function parse(properties: string): Record<string, string> {
  return Object.fromEntries(
    properties
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('serverProperties', () => {
  it('configures a combined KRaft node for one broker with replication 1', () => {
    // Act
    const props = parse(
      serverProperties({
        nodeId: 1,
        port: 9092,
        controllerPort: 10092,
        voters: '1@127.0.0.1:10092',
        dataDir: '/d',
        brokers: 1,
      }),
    );

    // Assess
    expect(props).toMatchObject({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:10092',
      listeners: 'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:10092',
      'auto.create.topics.enable': 'false',
      'num.partitions': '1',
      'offsets.topic.replication.factor': '1',
      'min.insync.replicas': '1',
      'group.initial.rebalance.delay.ms': '0',
      'log.dirs': '/d',
    });
  });

  it('asks for replication 3 and min.insync.replicas 2 on three brokers, as on MSK', () => {
    // Act
    const props = parse(
      serverProperties({
        nodeId: 2,
        port: 9093,
        controllerPort: 10093,
        voters: 'v',
        dataDir: '/d',
        brokers: 3,
      }),
    );

    // Assess
    expect(durabilityFor(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(props['default.replication.factor']).toBe('3');
    expect(props['min.insync.replicas']).toBe('2');
    expect(props['transaction.state.log.min.isr']).toBe('2');
  });
});

describe('KafkaCluster', () => {
  it('puts broker N on port + N - 1 with its controller listener 1000 higher', () => {
    // Prepare
    const cluster = new KafkaCluster({ brokers: 3, port: 19_092, dataDir: '/unused', log: () => undefined });

    // Act
    const ports = cluster.ports().map(({ port }) => port);

    // Assess
    expect(cluster.bootstrapServers).toEqual(['127.0.0.1:19092', '127.0.0.1:19093', '127.0.0.1:19094']);
    expect(ports).toEqual([19_092, 20_092, 19_093, 20_093, 19_094, 20_094]);
    expect(cluster.name).toBe('Kafka (3 brokers)');
  });
});

describe('pomFor', () => {
  it('lists the component artifacts as dependencies of a pom-packaged project', () => {
    // Act
    const pom = pomFor(KAFKA_ARTIFACTS);

    // Assess
    expect(pom).toContain('<packaging>pom</packaging>');
    expect(pom).toContain('<groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>');
  });
});

describe('LocalServices with an existing cluster', () => {
  it('starts no broker when KAFKA_BROKERS names one, and uses it', () => {
    // Prepare
    const env = { KAFKA_BROKERS: 'kafka-a:9092, kafka-b:9092' };

    // Act
    const stack = new LocalServices({ dataDir: '/unused', log: () => undefined, env });

    // Assess
    expect(stack.kafka).toBeUndefined();
    expect(stack.kafkaBrokers).toEqual(['kafka-a:9092', 'kafka-b:9092']);
    expect(stack.components.map((component) => component.name)).toEqual(['DynamoDB server']);
  });

  it('starts its own broker when told to ignore KAFKA_BROKERS', () => {
    // Act
    const stack = new LocalServices({
      dataDir: '/unused',
      kafkaPort: 39_092,
      kafkaBrokersFromEnv: false,
      log: () => undefined,
      env: { KAFKA_BROKERS: 'elsewhere:9092' },
    });

    // Assess
    expect(stack.kafkaBrokers).toEqual(['127.0.0.1:39092']);
  });
});

describe('newClusterId', () => {
  it('is 22 URL-safe characters and never starts with "-", which kafka-storage would read as an option', () => {
    // Prepare: the first draw encodes to "-..." (0xf8 >> 2 = 62), the second to "AAAA..."
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0)];

    // Act
    const id = newClusterId(() => draws.shift()!);
    const real = newClusterId();

    // Assess
    expect(id).toBe('A'.repeat(22));
    expect(draws).toHaveLength(0);
    expect(real).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});

describe('LocalServices and the templates it is given', () => {
  it('refuses a template that declares an SQS queue before anything starts', async () => {
    // Prepare
    const stack = new LocalServices({
      dataDir: '/unused',
      log: () => undefined,
      env: { KAFKA_BROKERS: 'kafka-a:9092' },
      templates: [
        {
          stackName: 'OrderPipeline-dev-App',
          path: 'OrderPipeline-dev-App.template.json',
          template: { Resources: { FailureQueue: { Type: 'AWS::SQS::Queue' } } },
        },
      ],
    });

    const startServer = vi.spyOn(stack.dynamodb, 'start');

    // Act
    const starting = stack.start();

    // Assess
    await expect(starting).rejects.toBeInstanceOf(TemplateResourceError);
    await expect(starting).rejects.toThrow(
      'OrderPipeline-dev-App declares SQS queues (FailureQueue), which the local mode does not run',
    );
    expect(startServer).not.toHaveBeenCalled();
  });
});
