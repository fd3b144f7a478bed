/**
 * Apache Kafka in KRaft mode, run from the broker's jars on Maven Central: one node (the default)
 * or three (replication factor 3, min.insync.replicas 2, as on MSK) for the reliability scenarios.
 * Each node is broker and controller at once; the quorum is static (`controller.quorum.voters`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { ComponentPort, LocalComponent } from './component';
import { portFromEnv } from './component';
import { type ComponentArtifacts, ensureArtifacts, secondsSince } from './maven-artifacts';
import { localDir } from './paths';
import { assertPortFree, checkJava } from './preflight';
import { javaCommand, ServiceProcess, waitUntilReady } from './service-process';

export const KAFKA_VERSION = '4.4.0';

export const KAFKA_ARTIFACTS: ComponentArtifacts = {
  component: 'kafka',
  displayName: `Apache Kafka ${KAFKA_VERSION}`,
  artifacts: [
    { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: KAFKA_VERSION },
    // The broker logs through SLF4J and ships no binding; the simple one writes to the log file.
    { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: '1.7.36' },
  ],
};

/** Broker N listens on `port + N - 1`; its controller listener is `CONTROLLER_PORT_OFFSET` higher. */
export const CONTROLLER_PORT_OFFSET = 1000;

export type BrokerCount = 1 | 3;

export interface KafkaClusterOptions {
  /**
   * Number of KRaft nodes.
   * @default 1
   */
  readonly brokers?: BrokerCount;
  /**
   * Client port of the first node; the others follow it.
   * @default KAFKA_PORT, else 9092
   */
  readonly port?: number;
  /**
   * Where node data lives (`<dataDir>/node-<id>`).
   * @default `.local/kafka`
   */
  readonly dataDir?: string;
  /**
   * Where node logs go (`<logDir>/kafka-<id>.log`).
   * @default `.local/logs`
   */
  readonly logDir?: string;
  /**
   * Seconds to wait for the cluster to answer.
   * @default 180
   */
  readonly readyTimeoutSeconds?: number;
  /** Progress messages (first-use fetch, timings). @default console.log */
  readonly log?: (line: string) => void;
}

/** The broker settings the cluster size implies (one source for server.properties and topics). */
export function durabilityFor(brokers: BrokerCount): {
  replicationFactor: number;
  minInsyncReplicas: number;
} {
  return brokers === 3
    ? { replicationFactor: 3, minInsyncReplicas: 2 }
    : { replicationFactor: 1, minInsyncReplicas: 1 };
}

export class KafkaNode {
  readonly process: ServiceProcess;

  constructor(
    readonly nodeId: number,
    readonly port: number,
    readonly controllerPort: number,
    readonly dataDir: string,
    private readonly configFile: string,
    private readonly readyTimeoutMs: number,
    libDir: string,
    logFile: string,
    heap: string,
  ) {
    this.process = new ServiceProcess({
      name: `Kafka node ${nodeId}`,
      ...javaCommand({
        libDir,
        mainClass: 'kafka.Kafka',
        args: [configFile],
        jvmOptions: [
          `-Xmx${heap}`,
          '-Xms128m',
          // Serial GC: fewest threads on a 2-core machine that also runs the handlers.
          '-XX:+UseSerialGC',
          '-Djava.awt.headless=true',
          '-Dorg.slf4j.simpleLogger.showDateTime=true',
          "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
          '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
        ],
      }),
      logFile,
    });
  }

  get bootstrapServer(): string {
    return `127.0.0.1:${this.port}`;
  }

  get formatted(): boolean {
    return existsSync(join(this.dataDir, 'meta.properties'));
  }

  /** Formats the node's storage (only once: a formatted node keeps its data across restarts). */
  async format(libDir: string, clusterId: string, logFile: string): Promise<void> {
    if (this.formatted) {
      return;
    }
    const tool = new ServiceProcess({
      name: `Kafka storage format (node ${this.nodeId})`,
      ...javaCommand({
        libDir,
        mainClass: 'kafka.tools.StorageTool',
        args: ['format', '--cluster-id', clusterId, '--config', this.configFile, '--ignore-formatted'],
        jvmOptions: ['-Xmx256m', '-XX:+UseSerialGC', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn'],
      }),
      logFile,
    });
    tool.start();
    const code = await tool.exited();
    if (code !== 0 || !this.formatted) {
      throw tool.startError(`failed (exit code ${code})`);
    }
  }

  /** Starts this node and waits until it serves clients (used alone to bring back a killed broker). */
  async start(): Promise<void> {
    if (this.process.running) {
      return;
    }
    await assertPortFree(this.port, 'KAFKA_PORT');
    await assertPortFree(this.controllerPort, 'KAFKA_PORT (controller listener)');
    this.process.start();
    await waitUntilReady(
      this.process,
      () => brokerAnswers(this.bootstrapServer, this.nodeId),
      this.readyTimeoutMs,
    );
  }

  stop(): Promise<void> {
    return this.process.stop();
  }

  kill(): Promise<void> {
    return this.process.kill();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

export class KafkaCluster implements LocalComponent {
  readonly brokers: BrokerCount;
  readonly port: number;
  readonly dataDir: string;
  readonly logDir: string;
  private nodeList: KafkaNode[] | undefined;
  private readonly readyTimeoutMs: number;
  private readonly log: (line: string) => void;

  constructor(options: KafkaClusterOptions = {}) {
    this.brokers = options.brokers ?? 1;
    this.port = options.port ?? portFromEnv('KAFKA_PORT', 9092);
    this.dataDir = options.dataDir ?? join(localDir(), 'kafka');
    this.logDir = options.logDir ?? join(localDir(), 'logs');
    this.readyTimeoutMs = (options.readyTimeoutSeconds ?? 180) * 1000;
    this.log = options.log ?? console.log;
  }

  get name(): string {
    return `Kafka (${this.brokers} ${this.brokers === 1 ? 'broker' : 'brokers'})`;
  }

  /** `host:port` of every node, for `KAFKA_BROKERS`. */
  get bootstrapServers(): string[] {
    return this.nodePorts().map((node) => `127.0.0.1:${node.port}`);
  }

  /** The running nodes, to kill or restart one of them (scenario: one broker of three lost). */
  get nodes(): readonly KafkaNode[] {
    if (!this.nodeList) {
      throw new Error(`${this.name} has not been started`);
    }
    return this.nodeList;
  }

  ports(): readonly ComponentPort[] {
    return this.nodePorts().flatMap((node) => [
      { port: node.port, envName: 'KAFKA_PORT' },
      {
        port: node.controllerPort,
        envName: `KAFKA_PORT (controller listener = KAFKA_PORT + ${CONTROLLER_PORT_OFFSET})`,
      },
    ]);
  }

  async start(): Promise<void> {
    checkJava();
    if (this.nodeList?.every((node) => node.process.running)) {
      return;
    }
    for (const { port, envName } of this.ports()) {
      await assertPortFree(port, envName);
    }
    const libDir = await ensureArtifacts(KAFKA_ARTIFACTS, this.log);
    const started = Date.now();
    const nodes = this.prepareNodes(libDir);
    const clusterId = this.clusterId();
    for (const node of nodes) {
      await node.format(libDir, clusterId, join(this.logDir, `kafka-${node.nodeId}.log`));
    }
    for (const node of nodes) {
      node.process.start();
    }
    // Every node must be up before any answers: a KRaft quorum of three needs two voters to elect.
    await Promise.all(
      nodes.map((node) =>
        waitUntilReady(
          node.process,
          () => brokerAnswers(node.bootstrapServer, node.nodeId),
          this.readyTimeoutMs,
        ),
      ),
    );
    await waitUntilReady(
      nodes[0]!.process,
      () => clusterHasBrokers(this.bootstrapServers, nodes.length),
      this.readyTimeoutMs,
    );
    this.log(`${this.name} ready on ${this.bootstrapServers.join(',')} in ${secondsSince(started)} s.`);
  }

  async stop(): Promise<void> {
    await Promise.all((this.nodeList ?? []).map((node) => node.stop()));
  }

  async kill(): Promise<void> {
    await Promise.all((this.nodeList ?? []).map((node) => node.kill()));
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private nodePorts(): { nodeId: number; port: number; controllerPort: number }[] {
    return Array.from({ length: this.brokers }, (_, index) => ({
      nodeId: index + 1,
      port: this.port + index,
      controllerPort: this.port + index + CONTROLLER_PORT_OFFSET,
    }));
  }

  private prepareNodes(libDir: string): KafkaNode[] {
    if (this.nodeList) {
      return this.nodeList;
    }
    const ports = this.nodePorts();
    const voters = ports.map((node) => `${node.nodeId}@127.0.0.1:${node.controllerPort}`).join(',');
    // Three JVMs share two cores and the handlers: a smaller heap each.
    const heap = this.brokers === 1 ? '512m' : '384m';
    this.nodeList = ports.map(({ nodeId, port, controllerPort }) => {
      const dataDir = join(this.dataDir, `node-${nodeId}`);
      mkdirSync(dataDir, { recursive: true });
      const configFile = join(this.dataDir, `server-${nodeId}.properties`);
      writeFileSync(
        configFile,
        serverProperties({ nodeId, port, controllerPort, voters, dataDir, brokers: this.brokers }),
      );
      return new KafkaNode(
        nodeId,
        port,
        controllerPort,
        dataDir,
        configFile,
        this.readyTimeoutMs,
        libDir,
        join(this.logDir, `kafka-${nodeId}.log`),
        heap,
      );
    });
    return this.nodeList;
  }

  /** One id per data folder, kept so a restart finds storage formatted for the same cluster. */
  private clusterId(): string {
    const file = join(this.dataDir, 'cluster.id');
    if (existsSync(file)) {
      return readFileSync(file, 'utf8').trim();
    }
    const id = newClusterId();
    writeFileSync(file, id);
    return id;
  }
}

/**
 * Kafka's cluster id: 16 random bytes, URL-safe base64 without padding (22 characters). Like Kafka's
 * own Uuid.randomUuid, never one that starts with '-': kafka-storage reads `--cluster-id -x...` as a
 * missing value followed by an unknown option, and one random id in 64 starts so.
 */
export function newClusterId(random: () => Buffer = () => randomBytes(16)): string {
  for (;;) {
    const id = random().toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export interface ServerPropertiesInput {
  readonly nodeId: number;
  readonly port: number;
  readonly controllerPort: number;
  readonly voters: string;
  readonly dataDir: string;
  readonly brokers: BrokerCount;
}

/** The broker configuration of one combined (broker + controller) KRaft node. */
export function serverProperties(input: ServerPropertiesInput): string {
  const { replicationFactor, minInsyncReplicas } = durabilityFor(input.brokers);
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': input.nodeId,
    'controller.quorum.voters': input.voters,
    listeners: `PLAINTEXT://127.0.0.1:${input.port},CONTROLLER://127.0.0.1:${input.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${input.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': input.dataDir,
    // Topics come from the catalogue only, as on MSK where every topic is an AWS::MSK::Topic.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'default.replication.factor': replicationFactor,
    'min.insync.replicas': minInsyncReplicas,
    'unclean.leader.election.enable': false,
    'offsets.topic.replication.factor': replicationFactor,
    'transaction.state.log.replication.factor': replicationFactor,
    'transaction.state.log.min.isr': minInsyncReplicas,
    'share.coordinator.state.topic.replication.factor': replicationFactor,
    'share.coordinator.state.topic.min.isr': minInsyncReplicas,
    // Consumers of a fresh group start at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms': 0,
    // A killed broker is fenced and its partitions get new leaders in ~6 s instead of 9 s; not
    // lower, since a loaded 2-core machine must not fence a live but slow broker.
    'broker.heartbeat.interval.ms': 1000,
    'broker.session.timeout.ms': 6000,
    // Few threads: the machine has two cores for brokers, emulators and handlers together.
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 4,
    'num.replica.fetchers': 1,
    'num.recovery.threads.per.data.dir': 1,
    'log.cleaner.threads': 1,
  };
  return `# Generated by local/infra/kafka-cluster.ts; rewritten on every start.\n${Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

function admin(brokers: readonly string[]) {
  return new Kafka({
    clientId: 'order-pipeline-local-infra',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  }).admin();
}

/** True when the node at `bootstrapServer` answers metadata requests and lists itself. */
async function brokerAnswers(bootstrapServer: string, nodeId: number): Promise<boolean> {
  const client = admin([bootstrapServer]);
  try {
    await client.connect();
    const cluster = await client.describeCluster();
    return cluster.brokers.some((broker) => broker.nodeId === nodeId);
  } finally {
    await client.disconnect().catch(() => undefined);
  }
}

async function clusterHasBrokers(bootstrapServers: readonly string[], count: number): Promise<boolean> {
  const client = admin(bootstrapServers);
  try {
    await client.connect();
    const cluster = await client.describeCluster();
    return cluster.brokers.length >= count && cluster.controller !== null;
  } finally {
    await client.disconnect().catch(() => undefined);
  }
}
