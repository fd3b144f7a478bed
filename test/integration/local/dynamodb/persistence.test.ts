import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../../../local/dynamodb/database';
import { Journal, JournalCorruptError } from '../../../../local/dynamodb/journal';
import { createKeyedTable, failureOf, sdkClient, startTestServer, type TestServer } from './dynamodb-fixture';

const REPOSITORY = join(__dirname, '../../../..');

async function createOrders(local: TestServer): Promise<void> {
  await local.client.send(
    new CreateTableCommand({
      TableName: 'orders',
      KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'orderId', AttributeType: 'S' },
        { AttributeName: 'customerId', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byCustomer',
          KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}

const orderOf = async (local: TestServer, orderId: string) =>
  (await local.documents.send(new GetCommand({ TableName: 'orders', Key: { orderId } }))).Item;

/** The CLI as the local mode runs it; resolves with its endpoint once it prints its ready line. */
function startCli(dataDir: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'local/dynamodb/main.ts', '--port', '0', '--data-dir', dataDir],
    { cwd: REPOSITORY, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The CLI exited with ${code} before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const endpoint = /^DynamoDB-compatible server listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(
        line,
      )?.[1];
      if (endpoint) resolve({ child, endpoint });
    });
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('DynamoDB-compatible server: persistence', () => {
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  const children: ChildProcess[] = [];

  function dataDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'dynamodb-persistence-'));
    dirs.push(dir);
    return dir;
  }

  async function start(dir: string): Promise<TestServer> {
    const local = await startTestServer({ dataDir: dir });
    servers.push(local);
    return local;
  }

  afterEach(async () => {
    // A failed assertion must not leave a CLI running.
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const local of servers.splice(0)) await local.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps tables, items, indexes and time to live across a restart on the same data directory', async () => {
    // Prepare
    const dir = dataDir();
    const first = await start(dir);
    await createOrders(first);
    await first.client.send(
      new UpdateTimeToLiveCommand({
        TableName: 'orders',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
    for (const orderId of ['o-1', 'o-2', 'o-3']) {
      await first.documents.send(
        new PutCommand({ TableName: 'orders', Item: { orderId, customerId: 'c-1', total: 10 } }),
      );
    }
    await first.documents.send(
      new PutCommand({ TableName: 'orders', Item: { orderId: 'o-2', customerId: 'c-2', total: 0.25 } }),
    );
    await first.close();

    // Act
    const second = await start(dir);
    const { Items } = await second.documents.send(
      new QueryCommand({
        TableName: 'orders',
        IndexName: 'byCustomer',
        KeyConditionExpression: 'customerId = :c',
        ExpressionAttributeValues: { ':c': 'c-1' },
      }),
    );
    const ttl = await second.client.send(new DescribeTimeToLiveCommand({ TableName: 'orders' }));

    // Assess
    expect(Items?.map((item) => item.orderId)).toEqual(['o-1', 'o-3']);
    expect(await orderOf(second, 'o-2')).toEqual({ orderId: 'o-2', customerId: 'c-2', total: 0.25 });
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });

  it('ignores a torn last journal line and keeps every complete record before it', async () => {
    // Prepare
    const dir = dataDir();
    const first = await start(dir);
    await createOrders(first);
    await first.documents.send(new PutCommand({ TableName: 'orders', Item: { orderId: 'acknowledged' } }));
    await first.close();
    const journal = join(dir, 'journal.jsonl');
    appendFileSync(
      journal,
      `${JSON.stringify({ writes: [{ table: 'orders', put: { orderId: { S: 'complete' } } }] })}\n`,
    );
    appendFileSync(journal, '{"writes":[{"table":"orders","put":{"orderId":{"S":"tor');

    // Act
    const second = await start(dir);
    const { Items } = await second.documents.send(new ScanCommand({ TableName: 'orders' }));

    // Assess
    expect(Items?.map((item) => item.orderId).sort()).toEqual(['acknowledged', 'complete']);
    expect(readFileSync(journal, 'utf8')).not.toContain('tor"');
  });

  it('refuses to start on a journal damaged in the middle', async () => {
    // Prepare
    const dir = dataDir();
    const first = await start(dir);
    await createOrders(first);
    await first.close();
    const journal = join(dir, 'journal.jsonl');
    appendFileSync(journal, 'not json at all\n{"deleteTable":"orders"}\n');

    // Act
    const started = await failureOf(startTestServer({ dataDir: dir }));

    // Assess
    expect(started).toBeInstanceOf(JournalCorruptError);
  });

  it('compacts the journal into the snapshot once it outgrows its threshold', () => {
    // Prepare
    const dir = dataDir();
    const db = new Database();
    const journal = Journal.open({
      dataDir: dir,
      apply: (record) => db.apply(record),
      dump: () => db.dump(),
      log: () => {},
      compactAfterBytes: 10_000,
    });
    db.attach(journal);
    db.commit({
      createTable: {
        name: 'counters',
        id: 'id',
        createdAt: 0,
        key: { hash: { name: 'pk', type: 'S' } },
        attributes: [{ name: 'pk', type: 'S' }],
        indexes: [],
        billingMode: 'PAY_PER_REQUEST',
      },
    });

    // Act: 500 overwrites of one item, about 60 bytes each.
    for (let count = 0; count < 500; count += 1) {
      db.commit({ writes: [{ table: 'counters', put: { pk: { S: 'hits' }, count: { N: String(count) } } }] });
    }
    journal.close();
    const reloaded = new Database();
    Journal.open({
      dataDir: dir,
      apply: (record) => reloaded.apply(record),
      dump: () => reloaded.dump(),
      log: () => {},
    }).close();

    // Assess
    expect(statSync(join(dir, 'journal.jsonl')).size).toBeLessThan(10_000);
    expect(reloaded.table('counters').get({ pk: { S: 'hits' } })).toEqual({
      pk: { S: 'hits' },
      count: { N: '499' },
    });
  });

  it('loses nothing acknowledged when the CLI is killed with SIGKILL, and exits cleanly on SIGTERM', async () => {
    // Prepare
    const dir = dataDir();
    const first = await startCli(dir);
    children.push(first.child);
    const client = sdkClient(first.endpoint);
    const documents = DynamoDBDocumentClient.from(client);
    await createKeyedTable(client, 'acks', 'pk');
    await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        documents.send(
          new PutCommand({
            TableName: 'acks',
            Item: { pk: `ack-${index}` },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      ),
    );
    client.destroy();

    // Act
    const killed = exitOf(first.child);
    first.child.kill('SIGKILL');
    await killed;
    const second = await startCli(dir);
    children.push(second.child);
    const again = sdkClient(second.endpoint);
    const { Count } = await again.send(new ScanCommand({ TableName: 'acks', Select: 'COUNT' }));
    again.destroy();
    const stopped = exitOf(second.child);
    second.child.kill('SIGTERM');

    // Assess
    expect(Count).toBe(50);
    expect(await stopped).toEqual({ code: 0, signal: null });
  });

  it('writes a snapshot a restart can read even when the journal is gone', async () => {
    // Prepare
    const dir = dataDir();
    const first = await start(dir);
    await createOrders(first);
    await first.documents.send(new PutCommand({ TableName: 'orders', Item: { orderId: 'before-restart' } }));
    await first.close();
    await (await start(dir)).close();
    writeFileSync(join(dir, 'journal.jsonl'), '');

    // Act
    const third = await start(dir);

    // Assess
    expect(await orderOf(third, 'before-restart')).toEqual({ orderId: 'before-restart' });
  });
});
