/** Amazon DynamoDB Local, run from its jars on Maven Central with its SQLite native libraries. */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from './aws-clients';
import type { ComponentPort, LocalComponent } from './component';
import { portFromEnv } from './component';
import { JavaProcess, waitUntilReady } from './java-process';
import { type ComponentArtifacts, ensureArtifacts, secondsSince } from './maven-artifacts';
import { localDir } from './paths';
import { assertPortFree, checkJava } from './preflight';

export const DYNAMODB_LOCAL_VERSION = '2.6.1';

/** DynamoDBLocal's pom brings sqlite4java and its native libraries (`.so`, `.dylib`, `.dll`) as dependencies. */
export const DYNAMODB_LOCAL_ARTIFACTS: ComponentArtifacts = {
  component: 'dynamodb-local',
  displayName: `Amazon DynamoDB Local ${DYNAMODB_LOCAL_VERSION}`,
  artifacts: [{ groupId: 'com.amazonaws', artifactId: 'DynamoDBLocal', version: DYNAMODB_LOCAL_VERSION }],
};

export interface DynamoDbLocalOptions {
  /** @default DYNAMODB_PORT, else 8000 */
  readonly port?: number;
  /** @default `.local/dynamodb` */
  readonly dataDir?: string;
  /** @default `.local/logs` */
  readonly logDir?: string;
  /** Seconds to wait for it to answer; generous, since a loaded 2-core machine starts JVMs slowly. @default 180 */
  readonly readyTimeoutSeconds?: number;
  /** @default console.log */
  readonly log?: (line: string) => void;
}

export class DynamoDbLocal implements LocalComponent {
  readonly name = 'DynamoDB Local';
  readonly port: number;
  readonly dataDir: string;
  private readonly logDir: string;
  private readonly readyTimeoutMs: number;
  private readonly log: (line: string) => void;
  private process: JavaProcess | undefined;

  constructor(options: DynamoDbLocalOptions = {}) {
    this.port = options.port ?? portFromEnv('DYNAMODB_PORT', 8000);
    this.dataDir = options.dataDir ?? join(localDir(), 'dynamodb');
    this.logDir = options.logDir ?? join(localDir(), 'logs');
    this.readyTimeoutMs = (options.readyTimeoutSeconds ?? 180) * 1000;
    this.log = options.log ?? console.log;
  }

  /** For `AWS_ENDPOINT_URL_DYNAMODB`. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  ports(): readonly ComponentPort[] {
    return [{ port: this.port, envName: 'DYNAMODB_PORT' }];
  }

  async start(): Promise<void> {
    checkJava();
    if (this.process?.running) {
      return;
    }
    await assertPortFree(this.port, 'DYNAMODB_PORT');
    const libDir = await ensureArtifacts(DYNAMODB_LOCAL_ARTIFACTS, this.log);
    const started = Date.now();
    mkdirSync(this.dataDir, { recursive: true });
    this.process ??= new JavaProcess({
      name: this.name,
      libDir,
      mainClass: 'com.amazonaws.services.dynamodbv2.local.main.ServerRunner',
      // -sharedDb: one database whatever the region and credentials of the client.
      args: ['-port', String(this.port), '-dbPath', this.dataDir, '-sharedDb'],
      jvmOptions: [
        '-Xmx384m',
        '-XX:+UseSerialGC',
        // sqlite4java loads libsqlite4java-<os>-<arch>-<version>.so from here.
        `-Djava.library.path=${libDir}`,
      ],
      logFile: join(this.logDir, 'dynamodb-local.log'),
    });
    this.process.start();
    const client = localDynamoDbClient(this.endpoint);
    try {
      await waitUntilReady(
        this.process,
        async () => {
          await client.send(new ListTablesCommand({ Limit: 1 }));
          return true;
        },
        this.readyTimeoutMs,
      );
    } finally {
      client.destroy();
    }
    this.log(`${this.name} ready on ${this.endpoint} in ${secondsSince(started)} s.`);
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }

  async kill(): Promise<void> {
    await this.process?.kill();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
