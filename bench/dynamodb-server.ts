/**
 * The project's DynamoDB-compatible server under the pipeline's write pattern: conditional PutItem/s
 * (attribute_not_exists, as every consumer's once-only write) and two-item TransactWriteItems/s (a
 * conditional stock decrement plus an increment, as a reservation), from 8 concurrent SDK clients,
 * with 100, 1,000 and 10,000 items stored. The server runs as the local mode runs it: its CLI in a
 * child process, journal on. The clients run in worker threads, so that the SDK's own CPU cost
 * (about three times the server's per call) is spread over the cores instead of capping the figure.
 * Also measured: the server's CPU time per call (its capacity whatever else loads the machine), the
 * CLI's start-up (empty, and after a SIGKILL with everything the run wrote), and that the
 * transactions conserved the total stock exactly.
 *
 * `npx tsx bench/dynamodb-server.ts [--seconds 10] [--threads 2]` writes
 * bench/results/dynamodb-server.json.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { repositoryRoot } from '../local/infra/paths';
import { machineInfo, type Percentiles, percentiles, round2, writeResult } from './lib/results';

const CLIENTS = 8;
const TIERS = [100, 1_000, 10_000] as const;
const WARM_UP_MS = 2_000;
const INITIAL_STOCK = 1_000_000_000;
/** An order-sized item: a few hundred bytes. */
const PAYLOAD = 'x'.repeat(300);

/** What a worker thread is asked to run on its clients. */
interface Phase {
  readonly operation: 'put' | 'move';
  readonly table: string;
  readonly items: number;
  readonly ms: number;
  readonly run: string;
}

interface PhaseResult {
  readonly latencies: number[];
  readonly errors: number;
}

interface Rate {
  readonly operations: number;
  readonly perSecond: number;
  readonly errors: number;
  readonly latencyMs: Percentiles;
  /** CPU time per call: the server's (its own capacity, whatever loads the machine) and the clients'. */
  readonly serverCpuMicros: number;
  readonly clientCpuMicros: number;
}

interface TierFigures {
  readonly itemsStored: number;
  readonly conditionalPutItem: Rate;
  readonly transactWriteItems: Rate;
}

interface ServerProcess {
  readonly endpoint: string;
  readonly startupMs: number;
  readonly child: ChildProcess;
}

function client(endpoint: string): DynamoDBClient {
  // One attempt: a failure is counted, never hidden by a retry.
  return new DynamoDBClient({
    endpoint,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
  });
}

function conditionalPut(table: string, pk: string): PutItemCommand {
  return new PutItemCommand({
    TableName: table,
    Item: { pk: { S: pk }, status: { S: 'PLACED' }, total: { N: '4999' }, payload: { S: PAYLOAD } },
    ConditionExpression: 'attribute_not_exists(pk)',
  });
}

/** Moves two units between two random stock items, the decrement conditional. */
function stockMove(table: string, items: number): TransactWriteItemsCommand {
  const from = Math.floor(Math.random() * items);
  const to = (from + 1 + Math.floor(Math.random() * (items - 1))) % items;
  const update = (index: number, expression: string, condition: string) => ({
    Update: {
      TableName: table,
      Key: { pk: { S: `SKU#${index}` } },
      UpdateExpression: expression,
      ConditionExpression: condition,
      ExpressionAttributeValues: { ':quantity': { N: '2' } },
    },
  });
  return new TransactWriteItemsCommand({
    TransactItems: [
      update(
        from,
        'SET available = available - :quantity',
        'attribute_exists(pk) AND available >= :quantity',
      ),
      update(to, 'SET available = available + :quantity', 'attribute_exists(pk)'),
    ],
  });
}

/** Worker thread: runs each phase it is sent back to back on its clients until the phase's time is up. */
function serveWorker(): void {
  const { endpoint, clientIds } = workerData as { endpoint: string; clientIds: number[] };
  const clients = clientIds.map((id) => ({ id, db: client(endpoint) }));
  parentPort!.on('message', async (phase: Phase | 'stop') => {
    if (phase === 'stop') {
      for (const { db } of clients) db.destroy();
      parentPort!.close();
      return;
    }
    const latencies: number[] = [];
    let errors = 0;
    const deadline = performance.now() + phase.ms;
    await Promise.all(
      clients.map(async ({ id, db }) => {
        for (let sequence = 0; performance.now() < deadline; sequence += 1) {
          const sent = performance.now();
          try {
            if (phase.operation === 'put')
              await db.send(conditionalPut(phase.table, `ORDER#${phase.run}-${id}-${sequence}`));
            else await db.send(stockMove(phase.table, phase.items));
            latencies.push(performance.now() - sent);
          } catch {
            errors += 1;
          }
        }
      }),
    );
    parentPort!.postMessage({ latencies, errors } satisfies PhaseResult);
  });
}

/** Starts the CLI and resolves once it prints its ready line. */
function startServer(dataDir: string): Promise<ServerProcess> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/dynamodb/main.ts', '--port', '0', '--data-dir', dataDir],
    { cwd: repositoryRoot(), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The server exited with ${code} before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const endpoint = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (endpoint) resolve({ endpoint, startupMs: round2(performance.now() - started), child });
    });
  });
}

function stopServer(server: ServerProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    server.child.removeAllListeners('exit');
    server.child.once('exit', () => resolve());
    server.child.kill(signal);
  });
}

/** CPU time of a process so far, from /proc (Linux; clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Runs a phase on every worker at once and merges what they measured. */
async function measure(server: ServerProcess, workers: readonly Worker[], phase: Phase): Promise<Rate> {
  const serverCpu = cpuMsOf(server.child.pid!);
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  const results = await Promise.all(
    workers.map(
      (worker) =>
        new Promise<PhaseResult>((resolve, reject) => {
          worker.once('error', reject);
          worker.once('message', (result: PhaseResult) => {
            worker.off('error', reject);
            resolve(result);
          });
          worker.postMessage(phase);
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(clientCpu);
  const latencies = results.flatMap((result) => result.latencies);
  const operations = Math.max(1, latencies.length);
  return {
    operations: latencies.length,
    perSecond: round2(latencies.length / seconds),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    latencyMs: percentiles(latencies),
    serverCpuMicros: Math.round(((cpuMsOf(server.child.pid!) - serverCpu) * 1000) / operations),
    clientCpuMicros: Math.round((user + system) / operations),
  };
}

async function seed(db: DynamoDBClient, table: string, items: number): Promise<void> {
  await db.send(
    new CreateTableCommand({
      TableName: table,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const batches: Promise<unknown>[] = [];
  for (let start = 0; start < items; start += 25) {
    const indexes = Array.from({ length: Math.min(25, items - start) }, (_, offset) => start + offset);
    const RequestItems = {
      [table]: indexes.map((index) => ({
        PutRequest: {
          Item: {
            pk: { S: `SKU#${index}` },
            available: { N: String(INITIAL_STOCK) },
            payload: { S: PAYLOAD },
          },
        },
      })),
    };
    batches.push(db.send(new BatchWriteItemCommand({ RequestItems })));
    if (batches.length === CLIENTS) await Promise.all(batches.splice(0));
  }
  await Promise.all(batches);
}

/** How far the stock items' total moved from what was seeded: 0 when every transaction was atomic. */
async function stockDrift(db: DynamoDBClient, table: string, items: number): Promise<number> {
  let total = 0;
  let startKey: Record<string, never> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'begins_with(pk, :sku)',
        ProjectionExpression: 'available',
        ExpressionAttributeValues: { ':sku': { S: 'SKU#' } },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) total += Number(item.available?.N ?? 0);
    startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (startKey);
  return total - items * INITIAL_STOCK;
}

async function runTier(
  server: ServerProcess,
  workers: readonly Worker[],
  items: number,
  ms: number,
): Promise<TierFigures> {
  const table = `bench-${items}`;
  const db = client(server.endpoint);
  await seed(db, table, items);
  const phase = (operation: Phase['operation'], run: string, length: number): Phase => ({
    operation,
    table,
    items,
    ms: length,
    run,
  });
  await measure(server, workers, phase('put', 'warm-up', WARM_UP_MS));
  const conditionalPutItem = await measure(server, workers, phase('put', 'measured', ms));
  await measure(server, workers, phase('move', 'warm-up', WARM_UP_MS));
  const transactWriteItems = await measure(server, workers, phase('move', 'measured', ms));
  const drift = await stockDrift(db, table, items);
  db.destroy();
  if (drift !== 0) throw new Error(`Transactions on ${table} changed the total stock by ${drift}`);
  return { itemsStored: items, conditionalPutItem, transactWriteItems };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '10' }, threads: { type: 'string', default: '2' } },
  });
  const ms = Number(values.seconds) * 1000;
  const threads = Number(values.threads);
  const started = new Date();
  const machine = machineInfo();
  const dataDir = mkdtempSync(join(tmpdir(), 'dynamodb-bench-'));
  let server: ServerProcess | undefined;
  try {
    server = await startServer(dataDir);
    const emptyStartupMs = server.startupMs;
    const endpoint = server.endpoint;
    const workers = Array.from(
      { length: threads },
      (_, thread) =>
        // Loader hooks are per thread: the worker registers tsx before it loads this same file.
        new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(__filename)});`, {
          eval: true,
          workerData: {
            endpoint,
            clientIds: Array.from({ length: CLIENTS }, (_, id) => id).filter((id) => id % threads === thread),
          },
        }),
    );
    const tiers: TierFigures[] = [];
    for (const items of TIERS) tiers.push(await runTier(server, workers, items, ms));
    for (const worker of workers) worker.postMessage('stop');

    // Everything acknowledged must survive a SIGKILL; the restart replays and compacts it.
    await stopServer(server, 'SIGKILL');
    server = await startServer(dataDir);
    const check = client(server.endpoint);
    let storedItems = 0;
    for (const items of TIERS) {
      let startKey: Record<string, never> | undefined;
      do {
        const page = await check.send(
          new ScanCommand({ TableName: `bench-${items}`, Select: 'COUNT', ExclusiveStartKey: startKey }),
        );
        storedItems += page.Count ?? 0;
        startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
      } while (startKey);
    }
    check.destroy();
    const restart = { itemsStored: storedItems, startupMs: server.startupMs };
    await stopServer(server, 'SIGTERM');

    const figures = { clients: CLIENTS, threads, emptyStartupMs, restartAfterSigkill: restart, tiers };
    const settings = { clients: CLIENTS, threads, seconds: ms / 1000, warmUpSeconds: WARM_UP_MS / 1000 };
    const file = writeResult('dynamodb-server', 'full', started, machine, settings, figures);
    console.log(
      `\nDynamoDB-compatible server, ${CLIENTS} clients on ${threads} threads, ${ms / 1000} s per figure`,
    );
    console.table(
      tiers.map((tier) => ({
        'items stored': tier.itemsStored,
        'conditional PutItem/s': tier.conditionalPutItem.perSecond,
        'put p99 ms': tier.conditionalPutItem.latencyMs.p99,
        'put server µs': tier.conditionalPutItem.serverCpuMicros,
        '2-item TransactWriteItems/s': tier.transactWriteItems.perSecond,
        'tx p99 ms': tier.transactWriteItems.latencyMs.p99,
        'tx server µs': tier.transactWriteItems.serverCpuMicros,
        errors: tier.conditionalPutItem.errors + tier.transactWriteItems.errors,
      })),
    );
    console.log(
      `CLI start-up: ${emptyStartupMs} ms empty; ${restart.startupMs} ms after SIGKILL with ${restart.itemsStored} items. ` +
        `Load average ${machine.loadavgAtStart.join(' ')} at start. ${file}`,
    );
  } finally {
    server?.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  serveWorker();
}
