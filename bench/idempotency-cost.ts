/**
 * Benchmark 3, idempotency cost: what the Powertools idempotency layer costs a consumer whose
 * writes are already conditional. Subject: analytics, whose counters go into one transaction with
 * the order's "counted" marker (put only if absent). Over identical backlogs of MSK batches against
 * the benchmark stack's DynamoDB server, once the consumer's own handler (createAnalyticsHandler,
 * the code the Lambda runs: the conditional write alone) and once the same use case and store
 * behind makeEventProcessorIdempotent with its DynamoDB persistence (lock PutItem and result
 * UpdateItem per event, as the notification consumer runs its e-mails). Each then gets its first
 * backlog again, every event a duplicate. DynamoDB calls are counted per command by an SDK
 * middleware on the clients.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, MSKEvent } from 'aws-lambda';
import type { AggregatedEvent } from '../lambdas/analytics/domain/aggregates';
import type { KafkaBatchResponse } from '../lambdas/shared/kafka/batch';
import { CONSUMERS } from '../lib/config/consumers';
import { TABLE_ENV_VARS } from '../lib/config/functions';
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
  const analyticsTable = info.environment[TABLE_ENV_VARS.analytics]!;
  const idempotencyTable = info.environment[TABLE_ENV_VARS.idempotency]!;
  const { createAnalyticsHandler } = await import('../lambdas/analytics/handlers/analytics');
  const { DynamoDbAnalyticsStore } = await import('../lambdas/analytics/adapters/dynamodb-analytics-store');
  const { recordOrderEvent } = await import('../lambdas/analytics/use-cases/record-order-event');
  const { isAggregatedType } = await import('../lambdas/analytics/domain/aggregates');
  const { makeEventProcessorIdempotent } = await import('../lambdas/shared/idempotency');
  const { processKafkaBatch } = await import('../lambdas/shared/kafka/batch');
  const { DynamoDBPersistenceLayer } = await import('@aws-lambda-powertools/idempotency/dynamodb');
  const failedRecordSink = { send: async () => undefined };

  type Handler = (event: MSKEvent, context: Context) => Promise<KafkaBatchResponse>;
  /** The same use case and store with the idempotency layer in front, keyed by eventId. */
  const layeredHandler = (client: DynamoDBClient): Handler => {
    const store = new DynamoDbAnalyticsStore(DynamoDBDocumentClient.from(client), analyticsTable);
    const recordOnce = makeEventProcessorIdempotent(
      'bench-analytics',
      async (record: { readonly envelope: AggregatedEvent }) => ({
        outcome: await recordOrderEvent(store, record.envelope),
      }),
      {
        persistenceStore: new DynamoDBPersistenceLayer({
          tableName: idempotencyTable,
          awsSdkV3Client: client,
        }),
      },
    );
    return (event, context) => {
      recordOnce.registerLambdaContext(context);
      return processKafkaBatch(
        event,
        async (record) => {
          if (!isAggregatedType(record.envelope.eventType)) return;
          await recordOnce(record as typeof record & { readonly envelope: AggregatedEvent });
        },
        { failedRecordSink, consumer: 'bench-analytics' },
      );
    };
  };
  const handlers: Readonly<Record<'conditional' | 'layered', (client: DynamoDBClient) => Handler>> = {
    conditional: (client) =>
      createAnalyticsHandler({
        store: new DynamoDbAnalyticsStore(DynamoDBDocumentClient.from(client), analyticsTable),
        failedRecordSink,
      }),
    layered: layeredHandler,
  };

  const context = {
    getRemainingTimeInMillis: () => 60_000,
    functionName: 'bench-analytics',
    awsRequestId: 'bench',
  } as unknown as Context;

  const timeBoxMs = ctx.quick ? 8_000 : 30_000;
  const measure = async (
    label: string,
    backlogBatches: MSKEvent[],
    path: keyof typeof handlers,
  ): Promise<IdempotencyRun> => {
    const counts: Record<string, number> = {};
    const client = countingClient(info.dynamodbEndpoint, region, counts);
    const handler = handlers[path](client);
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

  // Warm-up (connections, JIT) of both paths on small backlogs of their own, not counted.
  await measure('warm-up', backlog(20, spec.batchSize, 7), 'conditional');
  await measure('warm-up', backlog(20, spec.batchSize, 8), 'layered');
  const conditionalBacklog = backlog(orders, spec.batchSize, 1);
  const layeredBacklog = backlog(orders, spec.batchSize, 1);
  const conditional = await measure(
    'conditional writes only (the analytics handler)',
    conditionalBacklog,
    'conditional',
  );
  const layered = await measure(
    'with the idempotency layer (DynamoDB persistence)',
    layeredBacklog,
    'layered',
  );
  const conditionalReplay = await measure(
    'conditional writes only, same backlog again (all duplicates)',
    conditionalBacklog.slice(0, conditional.batches),
    'conditional',
  );
  const layeredReplay = await measure(
    'with the idempotency layer, same backlog again (all duplicates)',
    layeredBacklog.slice(0, layered.batches),
    'layered',
  );
  return writeResult(
    'idempotency-cost',
    ctx.quick ? 'quick' : 'full',
    started,
    machine,
    {
      consumer: 'analytics (createAnalyticsHandler vs its use case behind makeEventProcessorIdempotent)',
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
      runs: [conditional, layered, conditionalReplay, layeredReplay],
      overhead: round2(conditional.eventsPerSecond / layered.eventsPerSecond),
      extraCallsPerEvent: round2(layered.dynamoDbCallsPerEvent - conditional.dynamoDbCallsPerEvent),
    },
  );
}
