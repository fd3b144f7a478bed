/**
 * Runs the DynamoDB-compatible server:
 *   node --import tsx local/dynamodb/main.ts [--port 8000] [--host 127.0.0.1] [--data-dir .local/dynamodb]
 * Prints one line on stdout when ready; other lines go to stderr. SIGTERM and SIGINT close it
 * cleanly; after a SIGKILL every acknowledged write is still in the data directory.
 */
import { parseArgs } from 'node:util';
import { startDynamoDbServer } from './server';

const USAGE =
  'Usage: main.ts [--port 8000] [--host 127.0.0.1] [--data-dir <dir>] [--ttl-sweep-interval-ms 5000]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8000' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      'ttl-sweep-interval-ms': { type: 'string' },
    },
  });
  const port = Number(values.port);
  const sweep =
    values['ttl-sweep-interval-ms'] === undefined ? undefined : Number(values['ttl-sweep-interval-ms']);
  if (!Number.isInteger(port) || port < 0 || port > 65_535 || (sweep !== undefined && !(sweep > 0))) {
    throw new RangeError(`Invalid arguments. ${USAGE}`);
  }
  const server = await startDynamoDbServer({
    port,
    host: values.host,
    dataDir: values['data-dir'],
    ttlSweepIntervalMs: sweep,
    log: (line) => console.error(line),
  });
  console.log(`DynamoDB-compatible server listening on ${server.endpoint}`);
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
