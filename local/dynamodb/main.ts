/**
 * Runs the DynamoDB-compatible server:
 *   node --import tsx local/dynamodb/main.ts [--port 8000] [--host 127.0.0.1] [--data-dir .local/dynamodb]
 * Prints one line on stdout when ready; other lines go to stderr. SIGTERM and SIGINT close it
 * cleanly; after a SIGKILL every acknowledged write is still in the data directory. Started by the
 * local mode it gets `--ignore-interrupt`: the local mode stops it after the consumers that use it,
 * so a terminal's Ctrl-C meant for the local mode must not stop it first.
 */
import { parseArgs } from 'node:util';
import { startDynamoDbServer } from './server';

const USAGE =
  'Usage: main.ts [--port 8000] [--host 127.0.0.1] [--data-dir <dir>] [--ttl-sweep-interval-ms 5000] [--ignore-interrupt]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8000' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      'ttl-sweep-interval-ms': { type: 'string' },
      'ignore-interrupt': { type: 'boolean', default: false },
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
  if (values['ignore-interrupt']) process.on('SIGINT', () => undefined);
  else process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
