/**
 * The shape of the infrastructure fault scenarios (broker SIGKILL, one broker of three lost,
 * the DynamoDB server restarted): a private set of real parts so the harness's shared ones stay up, the
 * whole pipeline on them, a stream of orders, the fault injected once a number of orders is in,
 * then the books. Returns the written result; the test asserts on it.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '../../../local/infra/local-stack';
import { startPipeline } from '../../../local/pipeline';
import { startPrivateStack } from '../harness/private-stack';
import { Ledger } from './ledger';
import { openBooks, placeOrders, planOrders, type ScenarioResult, writeResult } from './scenario';

export interface InfrastructureFault {
  readonly id: string;
  readonly title: string;
  readonly fault: string;
  readonly brokers: 1 | 3;
  readonly orders: number;
  /** The fault starts once this many orders were answered. */
  readonly injectAfter: number;
  /** Injects the fault (and heals it, if the scenario heals); returns notes for the report. */
  readonly inject: (stack: LocalStack) => Promise<string[]>;
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
    let injection: Promise<string[]> | undefined;
    const faultStarted = { at: 0 };
    const placed = await placeOrders(pipeline, plans, {
      parallel: 2,
      gapMs: 250,
      onPlaced: () => {
        answered += 1;
        if (answered === scenario.injectAfter) {
          faultStarted.at = Date.now();
          injection = scenario.inject(stack);
        }
      },
    });
    const notes = (await injection) ?? ['the fault was never injected'];
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
          ...notes,
          `fault injected after ${scenario.injectAfter} of ${scenario.orders} orders; ${confirmedIds.length - unshipped.length}/${confirmedIds.length} confirmed orders shipped (OrderConfirmed reached fulfilment)`,
        ],
        problems: [
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

/** How long the sagas may take to end once the fault has healed. */
const SAGAS_SETTLE_MS = 360_000;

/** Test timeout of a fault scenario: start-up, warm-up, orders, the fault, the sagas settling, the books. */
export const INFRASTRUCTURE_FAULT_TIMEOUT_MS = 900_000;
