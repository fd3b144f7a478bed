/**
 * The real parts of the local mode together: Kafka (or the cluster `KAFKA_BROKERS` names) and the
 * project's DynamoDB-compatible server; topics from the catalogue, tables from the synthesized
 * templates, and the demo catalogue. Everything is checked (Java, Maven, ports) before anything starts, and a
 * failure while starting stops what did start.
 */
import { join } from 'node:path';
import { TABLE_ENV_VARS } from '../../lib/config/functions';
import { resourcesOfType, type StackTemplate } from '../runtime/cfn-template';
import { LOCAL_ACCOUNT } from '../runtime/local-resources';
import { localDynamoDbClient } from './aws-clients';
import { createTablesFromTemplate, tableDefinitionsFromTemplate, tableEnvironment } from './cfn-tables';
import { onShutdownSignal } from './child-registry';
import type { LocalComponent } from './component';
import { seedCatalogue } from './demo-catalogue';
import { DynamoDbServer } from './dynamodb-server';
import { TemplateResourceError } from './errors';
import { type BrokerCount, durabilityFor, KAFKA_ARTIFACTS, KafkaCluster } from './kafka-cluster';
import { ensureTopics } from './kafka-topics';
import { warmUpCoordinators } from './kafka-warmup';
import { artifactsCached, ensureArtifacts, secondsSince } from './maven-artifacts';
import { localDir } from './paths';
import { assertPortFree, checkJava, checkMaven } from './preflight';

export interface LocalServicesOptions {
  /** Kafka nodes to start. @default 1 */
  readonly brokers?: BrokerCount;
  /** @default KAFKA_PORT, else 9092 */
  readonly kafkaPort?: number;
  /** @default DYNAMODB_PORT, else 8000 */
  readonly dynamodbPort?: number;
  /**
   * An existing cluster to use instead of starting one; topics are still ensured on it.
   * @default KAFKA_BROKERS (comma list), else none
   */
  readonly kafkaBrokers?: readonly string[];
  /**
   * Whether KAFKA_BROKERS from the environment names the cluster when `kafkaBrokers` is not given
   * (false: a test's private stack, whose process has the harness's KAFKA_BROKERS, starts its own).
   * @default true
   */
  readonly kafkaBrokersFromEnv?: boolean;
  /** Where KAFKA_BROKERS is read from. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default `.local` */
  readonly dataDir?: string;
  /** Templates whose tables are created. @default none */
  readonly templates?: readonly StackTemplate[];
  /** Seed the demo catalogue into the table that `INVENTORY_TABLE_NAME` maps to. @default 'keep' */
  readonly seed?: 'keep' | 'overwrite' | 'none';
  /** @default console.log */
  readonly log?: (line: string) => void;
}

export interface LocalServicesInfo {
  readonly kafkaBrokers: readonly string[];
  readonly dynamodbEndpoint: string;
  /** Logical id -> table name, over all templates. */
  readonly tables: Readonly<Record<string, string>>;
  /** The variables handlers read: KAFKA_BROKERS, AWS_ENDPOINT_URL_*, *_TABLE_NAME, region and credentials. */
  readonly environment: Readonly<Record<string, string>>;
  /** Seconds each step took, for the start-up report. */
  readonly timings: Readonly<Record<string, number>>;
}

export class LocalServices {
  readonly kafka: KafkaCluster | undefined;
  readonly dynamodb: DynamoDbServer;
  private readonly externalBrokers: readonly string[] | undefined;
  private readonly log: (line: string) => void;
  private removeSignalHook: (() => void) | undefined;

  constructor(private readonly options: LocalServicesOptions = {}) {
    const dataDir = options.dataDir ?? localDir();
    const logDir = join(dataDir, 'logs');
    this.log = options.log ?? console.log;
    const fromEnv = (
      options.kafkaBrokersFromEnv === false ? undefined : (options.env ?? process.env).KAFKA_BROKERS
    )
      ?.split(',')
      .map((broker) => broker.trim())
      .filter(Boolean);
    this.externalBrokers = options.kafkaBrokers ?? (fromEnv && fromEnv.length > 0 ? fromEnv : undefined);
    this.kafka = this.externalBrokers
      ? undefined
      : new KafkaCluster({
          brokers: options.brokers,
          port: options.kafkaPort,
          dataDir: join(dataDir, 'kafka'),
          logDir,
          log: this.log,
        });
    this.dynamodb = new DynamoDbServer({
      port: options.dynamodbPort,
      dataDir: join(dataDir, 'dynamodb'),
      logDir,
      log: this.log,
    });
  }

  get components(): readonly LocalComponent[] {
    return [...(this.kafka ? [this.kafka] : []), this.dynamodb];
  }

  /** Kafka bootstrap servers: the started cluster's or the external one's. */
  get kafkaBrokers(): readonly string[] {
    return this.externalBrokers ?? this.kafka!.bootstrapServers;
  }

  async start(): Promise<LocalServicesInfo> {
    const timings: Record<string, number> = {};
    await this.preflight();
    // Jars first: a first-use fetch that fails must not leave a broker running.
    await timed(timings, 'fetch', async () => {
      if (this.kafka) await ensureArtifacts(KAFKA_ARTIFACTS, this.log);
    });
    this.removeSignalHook = onShutdownSignal(() => this.stop());
    try {
      await timed(timings, 'start', () =>
        Promise.all(
          this.components.map((component) => timed(timings, component.name, () => component.start())),
        ),
      );
      return await timed(timings, 'provision', () => this.provision(timings));
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /**
   * Uses parts that already run on the configured ports (a second test run, a user's running local
   * mode): starts nothing, only makes sure topics, tables and the catalogue exist.
   */
  async attach(): Promise<LocalServicesInfo> {
    const timings: Record<string, number> = {};
    return timed(timings, 'provision', () => this.provision(timings));
  }

  async stop(): Promise<void> {
    this.removeSignalHook?.();
    await Promise.allSettled(this.components.map((component) => component.stop()));
  }

  private async preflight(): Promise<void> {
    for (const stack of this.options.templates ?? []) refuseQueues(stack);
    checkJava();
    if (this.kafka && !artifactsCached(KAFKA_ARTIFACTS)) checkMaven();
    for (const component of this.components) {
      for (const { port, envName } of component.ports()) {
        await assertPortFree(port, envName);
      }
    }
  }

  private async provision(timings: Record<string, number>): Promise<LocalServicesInfo> {
    const brokers = this.kafkaBrokers;
    const durability = durabilityFor(this.kafka?.brokers ?? 3);
    const topics = await timed(timings, 'topics', () => ensureTopics(brokers, durability));
    this.log(
      `Topics: ${topics.created.length} created, ${topics.existing.length + topics.grown.length} kept.`,
    );
    await timed(timings, 'coordinators', () => warmUpCoordinators(brokers));

    const client = localDynamoDbClient(this.dynamodb.endpoint);
    const tables: Record<string, string> = {};
    const tableEnv: Record<string, string> = {};
    try {
      await timed(timings, 'tables', async () => {
        for (const stack of this.options.templates ?? []) {
          const naming = { stackName: stack.stackName };
          Object.assign(tables, await createTablesFromTemplate(client, stack.template, naming));
          Object.assign(
            tableEnv,
            tableEnvironment(tableDefinitionsFromTemplate(stack.template, naming), TABLE_ENV_VARS),
          );
        }
      });
      const inventory = tableEnv[TABLE_ENV_VARS.inventory];
      const seed = this.options.seed ?? 'keep';
      if (seed !== 'none' && inventory) {
        const written = await seedCatalogue(client, inventory, { overwrite: seed === 'overwrite' });
        this.log(`Demo catalogue: ${written} stock items written to ${inventory}.`);
      }
    } finally {
      client.destroy();
    }
    return {
      kafkaBrokers: brokers,
      dynamodbEndpoint: this.dynamodb.endpoint,
      tables,
      environment: {
        KAFKA_BROKERS: brokers.join(','),
        AWS_ENDPOINT_URL_DYNAMODB: this.dynamodb.endpoint,
        ...tableEnv,
        // The DynamoDB server accepts any credentials; a developer's own stay untouched.
        AWS_REGION: process.env.AWS_REGION ?? LOCAL_ACCOUNT.region,
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      },
      timings,
    };
  }
}

/**
 * The pipeline keeps what it must not lose in Kafka and DynamoDB (its failure destinations are
 * dead-letter topics), so the local mode runs no SQS; a template that declares a queue is refused
 * here rather than left without one.
 */
function refuseQueues(stack: StackTemplate): void {
  const queues = resourcesOfType(stack.template, 'AWS::SQS::Queue').map(([logicalId]) => logicalId);
  if (queues.length > 0) {
    throw new TemplateResourceError(
      `${stack.stackName} declares SQS queues (${queues.join(', ')}), which the local mode does not run`,
    );
  }
}

async function timed<T>(timings: Record<string, number>, step: string, action: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await action();
  timings[step] = Number(secondsSince(started));
  return result;
}
