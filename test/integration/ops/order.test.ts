/**
 * `npm run order` against the local mode: the real orders table, the local Step Functions
 * endpoint and the broker, reached through the same outputs and variables the CLI reads.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repositoryRoot } from '../../../local/infra/paths';
import { type RunningPipeline, startPipeline, writeToolFiles } from '../../../local/pipeline';
import { lookUpOrder } from '../../../scripts/ops/order-lookup';
import type { OrderReport, TopicRecords } from '../../../scripts/ops/order-report';
import { localTargetOf, OpsError, type OpsTarget } from '../../../scripts/ops/target';
import { orderBody, Shop } from '../e2e/shop';

let pipeline: RunningPipeline;
let shop: Shop;
let target: OpsTarget;

beforeAll(async () => {
  pipeline = await startPipeline({ profile: 'test', infrastructure: inject('localServices') });
  shop = new Shop(pipeline);
  target = localTargetOf(pipeline.stackOutputs, pipeline.toolEnvironment);
});

afterAll(async () => {
  await pipeline?.stop();
});

/** An order placed with `token` that has reached `status`, every consumer done with it. */
async function settledOrder(token: string, status: string): Promise<string> {
  const customerId = `cust-${randomUUID().slice(0, 8)}`;
  const placed = await shop.placeOrder(customerId, orderBody({ payment: { token } }));
  const orderId = placed.body.orderId!;
  await shop.waitForStatus(customerId, orderId, [status], 60_000);
  await pipeline.waitForConsumersIdle();
  return orderId;
}

function topic(report: OrderReport, name: string): TopicRecords {
  if (!report.records.available) throw new Error(`records not read: ${report.records.reason}`);
  const found = report.records.topics.find((entry) => entry.topic === name);
  if (found === undefined) throw new Error(`no ${name} in the report`);
  return found;
}

function eventTypes(report: OrderReport, name: string): string[] {
  return topic(report, name).records.map((record) => record.eventType);
}

describe('npm run order against the local mode', () => {
  let confirmedId: string;

  beforeAll(async () => {
    confirmedId = await settledOrder('tok_approve', 'CONFIRMED');
  }, 120_000);

  it('shows a confirmed order, its saga step by step and its records on every topic', async () => {
    // Prepare: the confirmed order of beforeAll

    // Act
    const report = await lookUpOrder(target, confirmedId);

    // Assess
    expect(report.order?.status).toBe('CONFIRMED');
    expect(report.order?.history.map((entry) => entry.status)).toEqual([
      'PENDING',
      'STOCK_RESERVED',
      'PAID',
      'CONFIRMED',
    ]);
    expect(report.order?.total).toBeGreaterThan(0);
    if (!report.saga.found) throw new Error('the saga execution was not found');
    expect(report.saga.status).toBe('SUCCEEDED');
    const tasks = report.saga.states.filter((state) => state.type === 'Task');
    expect(tasks.map((state) => state.name)).toEqual(['ReserveInventory', 'ProcessPayment', 'ConfirmOrder']);
    expect(tasks.every((state) => state.outcome === 'succeeded' && state.attempts === 1)).toBe(true);
    // ConfirmOrder ends the execution: the happy path has no Succeed state of its own.
    expect(report.saga.states.at(-1)).toMatchObject({ name: 'ConfirmOrder', outcome: 'succeeded' });
    expect(report.saga.states).toHaveLength(tasks.length);
    expect(eventTypes(report, 'orders.events')).toEqual(['OrderPlaced', 'OrderConfirmed']);
    expect(eventTypes(report, 'inventory.commands')).toEqual(['ReserveStock']);
    expect(eventTypes(report, 'payments.commands')).toEqual(['ChargeCard']);
    expect(eventTypes(report, 'inventory.events')).toEqual(['StockReserved']);
    expect(eventTypes(report, 'payments.events')).toEqual(['PaymentCaptured']);
    if (!report.records.available) throw new Error('records not read');
    for (const { records } of report.records.topics) {
      const offsets = records.map((record) => BigInt(record.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(records.every((record) => /^[0-9a-f-]{36}$/.test(record.eventId))).toBe(true);
    }
    expect(topic(report, 'orders.events').records[0]?.eventId).toBe(report.order?.history[0]?.eventId);
  });

  it('stops a topic at the record limit and says where', async () => {
    // Prepare: the confirmed order has two records on orders.events after its creation

    // Act
    const report = await lookUpOrder(target, confirmedId, { maxRecordsPerTopic: 1 });

    // Assess
    const orders = topic(report, 'orders.events');
    expect(orders.scanned).toBe(1);
    expect(orders.stoppedEarly).toMatch(/^record limit of 1 reached at offset \d+$/);
    expect(orders.records.length).toBeLessThanOrEqual(1);
  });

  it('still shows status and saga when the broker cannot be reached, and says why', async () => {
    // Prepare: nothing listens on port 1
    const unreachable = localTargetOf(pipeline.stackOutputs, {
      ...pipeline.toolEnvironment,
      KAFKA_BROKERS: '127.0.0.1:1',
    });

    // Act
    const report = await lookUpOrder(unreachable, confirmedId, { kafkaTimeoutMs: 5_000 });

    // Assess
    expect(report.order?.status).toBe('CONFIRMED');
    expect(report.saga.found && report.saga.status).toBe('SUCCEEDED');
    expect(report.records).toMatchObject({
      available: false,
      reason: expect.stringContaining('Kafka could not be read from the brokers 127.0.0.1:1'),
    });
  });

  it('looks the MSK brokers up when no broker list is given, and says why the records are missing', async () => {
    // Prepare: a deployed stage's shape, whose MSK API does not answer
    const { KAFKA_BROKERS: _brokers, ...withoutBrokers } = pipeline.toolEnvironment;
    const environment = { ...process.env };
    delete environment.KAFKA_BROKERS;
    const stage = localTargetOf(
      {
        ...pipeline.stackOutputs,
        KafkaClusterArn: 'arn:aws:kafka:eu-central-1:000000000000:cluster/order-pipeline-dev/00000000-0000',
      },
      { ...withoutBrokers, AWS_ENDPOINT_URL_KAFKA: 'http://127.0.0.1:1' },
      environment,
    );

    // Act
    const report = await lookUpOrder(stage, confirmedId, { kafkaTimeoutMs: 5_000 });

    // Assess
    expect(report.order?.status).toBe('CONFIRMED');
    expect(report.records).toMatchObject({
      available: false,
      reason: expect.stringMatching(
        /^Kafka could not be read from the MSK cluster \(its brokers are inside the VPC/,
      ),
    });
  });

  it('runs as a CLI on the files npm start writes: text, --json, and exit code 1 for an unknown order', async () => {
    // Prepare: the two files npm start writes into .local/, in a folder of their own
    const dataDir = mkdtempSync(join(tmpdir(), 'order-cli-'));
    writeToolFiles(dataDir, 'OrderPipeline-dev-App', pipeline.stackOutputs, pipeline.toolEnvironment);
    // Asynchronously: the pipeline's endpoints answer from this very process.
    const run = (...args: string[]) =>
      promisify(execFile)('npx', ['tsx', 'scripts/ops/order.ts', ...args], {
        cwd: repositoryRoot(),
        env: { ...process.env, LOCAL_DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 60_000,
      }).then(
        ({ stdout, stderr }) => ({ status: 0, stdout, stderr }),
        (error: { code?: number; stdout: string; stderr: string }) => ({
          status: error.code,
          stdout: error.stdout,
          stderr: error.stderr,
        }),
      );

    try {
      // Act
      const [text, json, unknown] = await Promise.all([
        run(confirmedId),
        run(confirmedId, '--json'),
        run(randomUUID()),
      ]);

      // Assess
      expect(text.status).toBe(0);
      expect(text.stdout).toContain('Status: CONFIRMED');
      expect(text.stdout).toMatch(/ReserveInventory\s+Task\s+.+succeeded/);
      expect(json.status).toBe(0);
      const parsed = JSON.parse(json.stdout) as OrderReport;
      expect(parsed.orderId).toBe(confirmedId);
      expect(parsed.saga.found && parsed.saga.status).toBe('SUCCEEDED');
      expect(unknown.status).toBe(1);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr.trim()).toMatch(/^Order [0-9a-f-]{36} is unknown in the local mode: .+$/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('shows a declined order as FAILED with the compensations in its saga', async () => {
    // Prepare
    const orderId = await settledOrder('tok_decline', 'FAILED');

    // Act
    const report = await lookUpOrder(target, orderId);

    // Assess
    expect(report.order).toMatchObject({ status: 'FAILED', failureReason: 'PAYMENT_DECLINED' });
    if (!report.saga.found) throw new Error('the saga execution was not found');
    expect(report.saga).toMatchObject({ status: 'FAILED', error: 'OrderFailed' });
    const payment = report.saga.states.find((state) => state.name === 'ProcessPayment');
    expect(payment).toMatchObject({ outcome: 'caught', attempts: 1 });
    expect(payment?.failures).toEqual([
      expect.objectContaining({ type: 'TaskFailed', error: 'PaymentDeclined', retried: false }),
    ]);
    const names = report.saga.states.map((state) => state.name);
    const afterPayment = names.slice(names.indexOf('ProcessPayment') + 1);
    expect(afterPayment).toEqual([
      'ReasonPaymentDeclined',
      'RefundCharge',
      'ReleaseStock',
      'FailOrder',
      'OrderFailed',
    ]);
    expect(eventTypes(report, 'payments.events')).toEqual(['PaymentDeclined']);
    expect(eventTypes(report, 'inventory.commands')).toEqual(['ReserveStock', 'ReleaseStock']);
    expect(eventTypes(report, 'orders.events')).toEqual(['OrderPlaced', 'OrderFailed']);
  }, 120_000);

  it('refuses an unknown order and an id that is no order id with a clear error', async () => {
    // Prepare
    const unknownId = randomUUID();

    // Act
    const [unknown, malformed] = await Promise.allSettled([
      lookUpOrder(target, unknownId),
      lookUpOrder(target, 'not-an-order'),
    ]);

    // Assess
    expect(unknown).toMatchObject({ status: 'rejected', reason: expect.any(OpsError) });
    expect(unknown).toMatchObject({
      reason: { message: expect.stringContaining(`Order ${unknownId} is unknown in the local mode`) },
    });
    expect(malformed).toMatchObject({
      status: 'rejected',
      reason: { message: "'not-an-order' is not an order id: order ids are UUIDs" },
    });
  });
});
