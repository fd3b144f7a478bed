/**
 * Benchmark 3, idempotency cost: the analytics consumer's own handler (createAnalyticsHandler, the
 * code the Lambda runs) over identical backlogs of MSK batches against the benchmark's DynamoDB
 * Local, once with the real idempotency layer (Powertools, DynamoDB persistence) and once with a
 * pass-through persistence store that remembers nothing, i.e. the same code path minus the layer's
 * storage. A third run replays the first backlog (every event a duplicate). DynamoDB calls are
 * counted per command by an SDK middleware on the clients.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MSKEvent } from 'aws-lambda';
import { CONSUMERS } from '../lib/config/consumers';
import { TOPICS } from '../lib/config/topics';
import { buildMskEvent, type KafkaRecord } from '../local/runtime/msk-event';
import type { BenchContext } from './lib/context';
import { orderEventSource } from './lib/order-events';
import { machineInfo, round2, writeResult } from './lib/results';

// The handler module reads these when it loads; set before the dynamic import below.
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
process.env.POWERTOOLS_TRACE_ENABLED = 'false';
process.env.POWERTOOLS_SERVICE_NAME ??= 'bench-analytics';

export interface IdempotencyRun {
  readonly label: string;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly dynamoDbCalls: Record<string, number>;
  readonly dynamoDbCallsPerEvent: number;
  readonly failedItems: number;
  /** Batches processed before the time box ended (the replay reuses exactly these). */
  readonly batches: number;
}

/** OrderPlaced + OrderConfirmed per order, as the analytics mapping would deliver them. */
function backlog(orders: number, batchSize: number, seed: number): MSKEvent[] {
  const eventsOf = orderEventSource(seed);
  const records: KafkaRecord[] = [];
  for (let i = 0; i < orders; i++) {
    for (const event of eventsOf(i)) {
      records.push({
        topic: TOPICS.orderEvents.name,
        partition: i % 32,
        offset: String(records.length),
        timestamp: String(Date.now()),
        key: Buffer.from(event.key),
        value: Buffer.from(event.value),
        headers: event.headers,
      });
    }
  }
  const batches: MSKEvent[] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    batches.push(
      buildMskEvent(records.slice(i, i + batchSize), {
        eventSourceArn: 'arn:aws:kafka:local:bench',
        bootstrapServers: ['127.0.0.1:9092'],
      }),
    );
  }
  return batches;
}

function countingClient(endpoint: string, region: string, counts: Record<string, number>): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown');
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  return client;
}

export async function runIdempotencyCost(ctx: BenchContext): Promise<string> {
  const started = new Date();
  const machine = machineInfo();
  const { info } = await ctx.environment();
  const spec = CONSUMERS.find((consumer) => consumer.name === 'analytics')!;
  const orders = ctx.quick ? 150 : 2000;
  const region = info.environment.AWS_REGION ?? 'eu-central-1';
  const analyticsTable = info.environment.ANALYTICS_TABLE_NAME!;
  const idempotencyTable = info.environment.IDEMPOTENCY_TABLE_NAME!;
  const { createAnalyticsHandler } = await import('../lambdas/analytics/handlers/analytics');
  const { DynamoDbAnalyticsStore } = await import('../lambdas/analytics/adapters/dynamodb-analytics-store');
  const { DynamoDBPersistenceLayer } = await import('@aws-lambda-powertools/idempotency/dynamodb');
  const { BasePersistenceLayer, IdempotencyRecord } = await import(
    '@aws-lambda-powertools/idempotency/persistence'
  );
  const { IdempotencyItemNotFoundError } = await import('@aws-lambda-powertools/idempotency');

  /** Remembers nothing: every event runs as if first seen, with no storage call. */
  class PassThroughPersistence extends BasePersistenceLayer {
    protected async _deleteRecord(): Promise<void> {}
    protected async _getRecord(idempotencyKey: string): Promise<InstanceType<typeof IdempotencyRecord>> {
      throw new IdempotencyItemNotFoundError(idempotencyKey);
    }
    protected async _putRecord(): Promise<void> {}
    protected async _updateRecord(): Promise<void> {}
  }

  const context = {
    getRemainingTimeInMillis: () => 60_000,
    functionName: 'bench-analytics',
    awsRequestId: 'bench',
  } as unknown as import('aws-lambda').Context;

  const timeBoxMs = ctx.quick ? 8_000 : 30_000;
  const measure = async (
    label: string,
    backlogBatches: MSKEvent[],
    idempotent: boolean,
  ): Promise<IdempotencyRun> => {
    const counts: Record<string, number> = {};
    const client = countingClient(info.dynamodbEndpoint, region, counts);
    const handler = createAnalyticsHandler({
      store: new DynamoDbAnalyticsStore(DynamoDBDocumentClient.from(client), analyticsTable),
      failedRecordSink: { send: async () => undefined },
      idempotencyStore: idempotent
        ? new DynamoDBPersistenceLayer({ tableName: idempotencyTable, awsSdkV3Client: client })
        : new PassThroughPersistence(),
    });
    let failedItems = 0;
    const batches: MSKEvent[] = [];
    const t0 = performance.now();
    // One execution environment, batches one after the other, as one Lambda poller would deliver them;
    // time-boxed so a slow machine still finishes in the run's budget.
    for (const batch of backlogBatches) {
      if (performance.now() - t0 > timeBoxMs) break;
      const response = await handler(batch, context);
      failedItems += response.batchItemFailures.length;
      batches.push(batch);
    }
    const events = batches.reduce((sum, batch) => sum + Object.values(batch.records).flat().length, 0);
    const seconds = (performance.now() - t0) / 1000;
    client.destroy();
    const calls = Object.values(counts).reduce((a, b) => a + b, 0);
    ctx.log(
      `idempotency: ${label}: ${round2(events / seconds)} events/s, ${round2(calls / events)} calls/event`,
    );
    return {
      label,
      events,
      seconds: round2(seconds),
      eventsPerSecond: round2(events / seconds),
      dynamoDbCalls: counts,
      dynamoDbCallsPerEvent: round2(calls / events),
      failedItems,
      batches: batches.length,
    };
  };

  // Warm-up (connections, JIT) on a small backlog of its own, not counted.
  await measure('warm-up', backlog(20, spec.batchSize, 7), true);
  const withoutBacklog = backlog(orders, spec.batchSize, 1);
  const withBacklog = backlog(orders, spec.batchSize, 1);
  const without = await measure('without idempotency (pass-through store)', withoutBacklog, false);
  const withLayer = await measure('with idempotency (DynamoDB persistence)', withBacklog, true);
  const replay = await measure(
    'with idempotency, same backlog again (all duplicates)',
    withBacklog.slice(0, withLayer.batches),
    true,
  );
  return writeResult(
    'idempotency-cost',
    ctx.quick ? 'quick' : 'full',
    started,
    machine,
    {
      consumer: 'analytics (createAnalyticsHandler)',
      orders,
      eventsPerOrder: 2,
      batchSize: spec.batchSize,
      backlogs:
        'same seed and cart shapes; fresh order and event ids per backlog so neither run sees the other',
      timeBoxSecondsPerRun: timeBoxMs / 1000,
      execution:
        'in the bench process, one handler instance, batches sequential, the DynamoDB server of the bench stack',
    },
    {
      runs: [without, withLayer, replay],
      overhead: round2(without.eventsPerSecond / withLayer.eventsPerSecond),
      extraCallsPerEvent: round2(withLayer.dynamoDbCallsPerEvent - without.dynamoDbCallsPerEvent),
    },
  );
}
