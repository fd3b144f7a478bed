/**
 * A DynamoDB-compatible HTTP server (AWS JSON 1.0: `POST /` with `X-Amz-Target:
 * DynamoDB_20120810.<Operation>`), open source with the project. Any credentials and region are
 * accepted and share one database.
 *
 * A request's body is read asynchronously; it is then parsed and executed synchronously, up to and
 * including its journal write, within one turn of the event loop. Requests are therefore applied
 * one at a time and transactions are serializable.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CapacityMeter } from './capacity';
import { Database } from './database';
import { SerializationError, UnknownOperationError, ValidationError, wireError } from './errors';
import { Journal } from './journal';
import { OPERATIONS, type OperationContext, TransactionTokens } from './operations';
import { asInput } from './operations/input';

export interface DynamoDbServerOptions {
  /** @default 8000; 0 picks a free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Directory of the snapshot and journal. @default none: the data lives in memory only */
  readonly dataDir?: string;
  /** Start-up, persistence and internal-error lines. @default discarded */
  readonly log?: (line: string) => void;
  /** How often items whose TTL has passed are deleted. @default 5000 */
  readonly ttlSweepIntervalMs?: number;
}

export interface RunningDynamoDbServer {
  readonly port: number;
  readonly endpoint: string;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
/** DynamoDB's limit on an HTTP request. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const DEFAULT_TTL_SWEEP_MS = 5_000;
const CAPACITY_PATH = '/_local/consumed-capacity';
/** Longer than the SDK keeps idle sockets, so it never reuses one the server is closing. */
const KEEP_ALIVE_MS = 65_000;

export async function startDynamoDbServer(
  options: DynamoDbServerOptions = {},
): Promise<RunningDynamoDbServer> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  const db = new Database();
  const journal =
    options.dataDir === undefined
      ? undefined
      : Journal.open({
          dataDir: options.dataDir,
          apply: (record) => db.apply(record),
          dump: () => db.dump(),
          log,
        });
  if (journal !== undefined) db.attach(journal);
  const context: OperationContext = { db, tokens: new TransactionTokens(), capacity: new CapacityMeter() };

  const server = createServer((request, response) => handle(context, request, response, log));
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  try {
    await listen(server, options.port ?? 8000, host);
  } catch (error) {
    journal?.close();
    throw error;
  }
  const sweeper = setInterval(() => {
    try {
      db.sweepExpired(Date.now() / 1000);
    } catch (error) {
      log(`TTL sweep failed: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }, options.ttlSweepIntervalMs ?? DEFAULT_TTL_SWEEP_MS);
  sweeper.unref();

  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    endpoint: `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(sweeper);
        server.close(() => {
          journal?.close();
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function handle(
  context: OperationContext,
  request: IncomingMessage,
  response: ServerResponse,
  log: (line: string) => void,
): void {
  if (request.url?.startsWith(CAPACITY_PATH)) {
    capacityEndpoint(context.capacity, request, response);
    return;
  }
  if (request.method !== 'POST') {
    // DynamoDB answers a GET on / with a health line; load balancers and probes use it.
    request.resume();
    response.writeHead(request.method === 'GET' ? 200 : 405, { 'Content-Type': 'text/plain' });
    response.end('healthy: DynamoDB-compatible server');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
  });
  request.on('error', () => response.destroy());
  request.on('end', () => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const { status, body } =
      size > MAX_REQUEST_BYTES
        ? wireError(new ValidationError(`Request size exceeded ${MAX_REQUEST_BYTES} bytes`))
        : execute(context, target, Buffer.concat(chunks, size).toString('utf8'), log);
    const text = JSON.stringify(body);
    response.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.0',
      'Content-Length': Buffer.byteLength(text),
      'x-amzn-RequestId': randomUUID(),
    });
    response.end(text);
  });
}

/** Outside the DynamoDB protocol: the consumed-capacity report and its reset, for benchmarks. */
function capacityEndpoint(capacity: CapacityMeter, request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  if (request.method === 'GET' && request.url === CAPACITY_PATH) {
    const text = JSON.stringify(capacity.report());
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
    });
    response.end(text);
  } else if (request.method === 'POST' && request.url === `${CAPACITY_PATH}/reset`) {
    capacity.reset();
    response.writeHead(204);
    response.end();
  } else {
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('Not found');
  }
}

function execute(
  context: OperationContext,
  target: string,
  body: string,
  log: (line: string) => void,
): { readonly status: number; readonly body: Record<string, unknown> } {
  try {
    const operation = target.startsWith(TARGET_PREFIX)
      ? OPERATIONS.get(target.slice(TARGET_PREFIX.length))
      : undefined;
    if (operation === undefined) throw new UnknownOperationError(target);
    let input: unknown;
    try {
      input = body === '' ? {} : JSON.parse(body);
    } catch (error) {
      throw new SerializationError('The request body is not valid JSON', { cause: error });
    }
    return { status: 200, body: operation(context, asInput(input, 'The request body')) };
  } catch (error) {
    const wire = wireError(error);
    if (wire.status === 500)
      log(`Internal error in ${target}: ${error instanceof Error ? error.stack : String(error)}`);
    return wire;
  }
}
