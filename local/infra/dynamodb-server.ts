/**
 * The project's own DynamoDB-compatible server (`local/dynamodb`), run as a Node child process so
 * that the fault-injection scenarios can stop, kill and restart it like any other real part. It
 * keeps its tables in a journal under `dataDir`, so a restart or a SIGKILL keeps what was written.
 */
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from './aws-clients';
import { portFromEnv } from './component';
import { localDir, repositoryRoot } from './paths';
import type { CommandLine } from './service-process';
import { type ReadinessProbe, SinglePortService } from './single-port-service';

export interface DynamoDbServerOptions {
  /** @default DYNAMODB_PORT, else 8000 */
  readonly port?: number;
  /** @default `.local/dynamodb` */
  readonly dataDir?: string;
  /** @default `.local/logs` */
  readonly logDir?: string;
  /** Seconds to wait for it to answer (a loaded 2-core machine compiles the TypeScript slowly). @default 60 */
  readonly readyTimeoutSeconds?: number;
  /** @default console.log */
  readonly log?: (line: string) => void;
}

export class DynamoDbServer extends SinglePortService {
  constructor(options: DynamoDbServerOptions = {}) {
    super({
      name: 'DynamoDB server',
      port: options.port ?? portFromEnv('DYNAMODB_PORT', 8000),
      portEnvName: 'DYNAMODB_PORT',
      dataDir: options.dataDir ?? join(localDir(), 'dynamodb'),
      logDir: options.logDir ?? join(localDir(), 'logs'),
      logFileName: 'dynamodb.log',
      readyTimeoutSeconds: options.readyTimeoutSeconds ?? 60,
      log: options.log ?? console.log,
    });
  }

  protected async launch(): Promise<CommandLine> {
    const root = repositoryRoot();
    return {
      // The same Node that runs the local mode; `--import tsx` resolves from the repository root.
      command: process.execPath,
      args: [
        '--import',
        'tsx',
        join(root, 'local', 'dynamodb', 'main.ts'),
        '--port',
        String(this.port),
        '--data-dir',
        this.dataDir,
        '--ignore-interrupt',
      ],
      cwd: root,
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
