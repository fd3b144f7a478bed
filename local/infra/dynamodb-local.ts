/** Amazon DynamoDB Local, run from its jars on Maven Central with its SQLite native libraries. */

import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from './aws-clients';
import { portFromEnv } from './component';
import { JavaService, type ReadinessProbe } from './java-service';
import type { ComponentArtifacts } from './maven-artifacts';
import { localDir } from './paths';

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

export class DynamoDbLocal extends JavaService {
  constructor(options: DynamoDbLocalOptions = {}) {
    super({
      name: 'DynamoDB Local',
      port: options.port ?? portFromEnv('DYNAMODB_PORT', 8000),
      portEnvName: 'DYNAMODB_PORT',
      artifacts: DYNAMODB_LOCAL_ARTIFACTS,
      dataDir: options.dataDir ?? join(localDir(), 'dynamodb'),
      logDir: options.logDir ?? join(localDir(), 'logs'),
      logFileName: 'dynamodb-local.log',
      readyTimeoutSeconds: options.readyTimeoutSeconds ?? 180,
      log: options.log ?? console.log,
    });
  }

  protected launch(libDir: string) {
    return {
      mainClass: 'com.amazonaws.services.dynamodbv2.local.main.ServerRunner',
      // -sharedDb: one database whatever the region and credentials of the client.
      args: ['-port', String(this.port), '-dbPath', this.dataDir, '-sharedDb'],
      jvmOptions: [
        '-Xmx384m',
        '-XX:+UseSerialGC',
        // sqlite4java loads libsqlite4java-<os>-<arch>-<version>.so from here.
        `-Djava.library.path=${libDir}`,
      ],
    };
  }

  protected readinessProbe(): ReadinessProbe {
    const client = localDynamoDbClient(this.endpoint);
    return {
      ready: async () => {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return true;
      },
      close: () => client.destroy(),
    };
  }
}
