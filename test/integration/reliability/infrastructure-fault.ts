/**
 * The shape of the infrastructure fault scenarios (broker SIGKILL, one broker of three lost, a
 * rolling broker restart, the DynamoDB server restarted, a critical consumer stalled): a private set
 * of real parts so the harness's shared ones stay up, the whole pipeline on them, a stream of
 * orders, the fault injected once a number of orders is in, then the books. Returns the written
 * result; the test asserts on it.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Kafka, logLevel } from 'kafkajs';
import type { LocalServices } from '../../../local/infra/local-services';
import { type RunningPipeline, startPipeline } from '../../../local/pipeline';
import { startPrivateStack } from '../harness/private-stack';
import { Ledger } from './ledger';
import { openBooks, placeOrders, planOrders, type ScenarioResult, sleep, writeResult } from './scenario';

export interface InfrastructureFault {
  readonly id: string;
  readonly title: string;
  readonly fault: string;
  readonly brokers: 1 | 3;
  /** Orders to place; with `loadUntilHealed`, the most that may be placed. */
  readonly orders: number;
  /** The fault starts once this many orders were answered. */
  readonly injectAfter: number;
  /**
   * Keep placing orders until `inject` has returned, so a fault that lasts (a rolling restart, a
   * stalled consumer) meets load from start to end; running out of `orders` first is a problem.
   * @default false: the orders are placed and the fault runs as long as it runs
   */
  readonly loadUntilHealed?: boolean;
  /** Injects the fault (and heals it, if the scenario heals); returns what it saw for the report. */
  readonly inject: (stack: LocalServices, pipeline: RunningPipeline) => Promise<FaultReport>;
}

export interface FaultReport {
  readonly notes: readonly string[];
  /** The fault did not happen as the scenario states it (e.g. a graceful stop that needed SIGKILL). */
  readonly problems?: readonly string[];
}

export async function runInfrastructureFault(scenario: InfrastructureFault): Promise<ScenarioResult> {
  const started = Date.now();
  const { stack, info } = await startPrivateStack({ brokers: scenario.brokers });
  const pipeline = await startPipeline({ profile: 'test', infrastructure: info }).catch(async (error) => {
    await stack.stop();
    throw error;
  });
  const ledger = new Ledger(pipeline.endpoints.dynamodb, pipeline.tables);
  const shipments = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: pipeline.endpoints.dynamodb,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    const initialStock = await openBooks(pipeline, ledger);
    const plans = planOrders(scenario.id.split('-')[1] ?? 'fault', scenario.orders);
    let answered = 0;
    let answeredDuringFault = 0;
    let injection: Promise<FaultReport> | undefined;
    let healed = false;
    const placed = await placeOrders(pipeline, plans, {
      parallel: 2,
      gapMs: 250,
      stopWhen: () => scenario.loadUntilHealed === true && healed,
      onPlaced: () => {
        answered += 1;
        if (injection && !healed) answeredDuringFault += 1;
        if (answered === scenario.injectAfter) {
          injection = scenario.inject(stack, pipeline).finally(() => {
            healed = true;
          });
        }
      },
    });
    const loadEndedEarly = scenario.loadUntilHealed === true && !healed;
    const fault: FaultReport = (await injection) ?? { notes: [], problems: ['the fault was never injected'] };
    // Steps that must happen (compensations, OrderPlaced/OrderFailed) retry for minutes after an
    // outage (MUST_HAPPEN_RETRY, waits of up to 60 s), and consumer groups take a while to rejoin a
    // restarted broker: give the sagas that long to end instead of reading the books half-way.
    await ledger.waitForTerminal(placed, ['CONFIRMED', 'FAILED', 'NEEDS_ATTENTION'], SAGAS_SETTLE_MS);
    const idle = await pipeline.waitForConsumersIdle().then(
      () => undefined,
      (error: Error) => error.message,
    );
    const verdict = await ledger.verifyEventually(placed, initialStock, ['CONFIRMED', 'FAILED'], 60_000);
    // Every confirmation must have reached fulfilment: an acknowledged OrderConfirmed was not lost.
    const confirmedIds: string[] = [];
    for (const order of placed) {
      if (order.orderId && (await ledger.status(order.orderId)) === 'CONFIRMED')
        confirmedIds.push(order.orderId);
    }
    const unshipped: string[] = [];
    for (const orderId of confirmedIds) {
      const { Item } = await shipments.send(
        new GetCommand({ TableName: pipeline.tables.shipments, Key: { orderId } }),
      );
      if (!Item) unshipped.push(orderId);
    }
    return writeResult(
      {
        id: scenario.id,
        title: scenario.title,
        fault: scenario.fault,
        durationSeconds: Math.round((Date.now() - started) / 1000),
        notes: [
          ...fault.notes,
          `fault injected after ${scenario.injectAfter} of ${placed.length} orders; ${answeredDuringFault} orders answered while it lasted; ${confirmedIds.length - unshipped.length}/${confirmedIds.length} confirmed orders shipped (OrderConfirmed reached fulfilment)`,
        ],
        problems: [
          ...(fault.problems ?? []),
          ...(loadEndedEarly
            ? [`all ${scenario.orders} orders were placed before the fault healed: part of it met no load`]
            : []),
          ...(scenario.loadUntilHealed && answeredDuringFault === 0
            ? ['no order was answered while the fault lasted']
            : []),
          ...(idle ? [`consumers did not drain: ${idle}`] : []),
          ...unshipped.map((id) => `confirmed order ${id} has no shipment`),
        ],
      },
      verdict,
    );
  } finally {
    shipments.destroy();
    ledger.close();
    await pipeline.stop();
    await stack.stop();
  }
}

export const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/**
 * Waits until every partition of every topic, the internal ones (consumer offsets, transaction
 * state) included, has all its replicas in sync: the point at which MSK patching moves on to the
 * next broker. Two readings in a row, since a broker that has just come back may answer metadata
 * from a view that is a moment old.
 */
export async function waitForReplicasInSync(brokers: readonly string[], timeoutMs = 300_000): Promise<void> {
  const admin = new Kafka({
    clientId: 'reliability-replicas-in-sync',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  const deadline = Date.now() + timeoutMs;
  let lagging = 'no metadata yet';
  try {
    await admin.connect();
    for (let readingsInSync = 0; readingsInSync < 2; ) {
      if (Date.now() > deadline) {
        throw new Error(`Replicas not in sync after ${timeoutMs / 1000} s: ${lagging}`);
      }
      const outOfSync = await admin
        .listTopics()
        .then((topics) => admin.fetchTopicMetadata({ topics }))
        .then(({ topics }) =>
          topics.flatMap(({ name, partitions }) =>
            partitions
              .filter((p) => p.leader < 0 || p.isr.length < p.replicas.length)
              .map((p) => `${name}-${p.partitionId} (isr ${p.isr.join(',')} of ${p.replicas.join(',')})`),
          ),
        )
        .catch((error: Error) => [error.message]);
      lagging = outOfSync.length > 0 ? `${outOfSync.length}: ${outOfSync.slice(0, 5).join('; ')}` : '';
      readingsInSync = outOfSync.length === 0 ? readingsInSync + 1 : 0;
      await sleep(1_000);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** How long the sagas may take to end once the fault has healed. */
const SAGAS_SETTLE_MS = 360_000;

/** Test timeout of a fault scenario: start-up, warm-up, orders, the fault, the sagas settling, the books. */
export const INFRASTRUCTURE_FAULT_TIMEOUT_MS = 900_000;
