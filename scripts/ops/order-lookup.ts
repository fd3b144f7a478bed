/**
 * `npm run order`: everything the pipeline knows about one order, read with the same SDK calls
 * locally and on AWS. The orders table's item (the read model: status, history, totals), the saga
 * execution named after the order (DescribeExecution, GetExecutionHistory to its end), and the
 * order's records on every topic (order-records.ts). Kafka is optional: on AWS the brokers are
 * inside the VPC, so when they cannot be reached the report still has status and saga, and says
 * why the records are missing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { executionArnOf } from '../../lambdas/checkout/adapters/sfn-saga-starter';
import { orderIdSchema } from '../../lambdas/shared/events/payloads';
import { OPERATOR_OUTPUTS } from '../../lib/config/operator-outputs';
import { ALL_TOPICS } from '../../lib/config/topics';
import { opsKafka } from './kafka-client';
import { readOrderRecords } from './order-records';
import {
  type OrderReport,
  type OrderSummary,
  type RecordsReport,
  type SagaReport,
  summariseExecution,
} from './order-report';
import { clientConfigOf, OpsError, type OpsTarget, outputOf } from './target';

export interface LookupOptions {
  /** Records (of any order) read per topic partition. @default 10,000 */
  readonly maxRecordsPerTopic?: number;
  /** Time for reading the topics, connecting included. @default 30 s */
  readonly kafkaTimeoutMs?: number;
}

/**
 * How far before the order's creation its partitions are read from: record timestamps are the
 * publishing function's clock, the creation time the checkout's.
 */
export const CLOCK_MARGIN_MS = 60_000;
const DEFAULT_MAX_RECORDS_PER_TOPIC = 10_000;
const DEFAULT_KAFKA_TIMEOUT_MS = 30_000;
/** GetExecutionHistory's largest page. */
const HISTORY_PAGE_SIZE = 1_000;

/**
 * The order's report.
 * @throws {OpsError} for an id that is not an order id, an order the pipeline does not know, or a
 *   table or state machine that cannot be read.
 */
export async function lookUpOrder(
  target: OpsTarget,
  orderId: string,
  options: LookupOptions = {},
): Promise<OrderReport> {
  if (!orderIdSchema.safeParse(orderId).success) {
    throw new OpsError(`'${orderId}' is not an order id: order ids are UUIDs`);
  }
  const [order, saga] = await Promise.all([readOrder(target, orderId), readSaga(target, orderId)]);
  if (order === undefined && !saga.found) {
    throw new OpsError(
      `Order ${orderId} is unknown in ${target.description}: no item in the orders table and no saga execution`,
    );
  }
  const createdAt = order?.createdAt ?? (saga.found ? saga.startDate : undefined);
  const records = await readRecords(target, orderId, createdAt, options);
  return { orderId, target: target.description, order, saga, records };
}

async function readOrder(target: OpsTarget, orderId: string): Promise<OrderSummary | undefined> {
  const tableName = outputOf(target, OPERATOR_OUTPUTS.ordersTable);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfigOf(target, 'DYNAMODB')));
  try {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : orderSummaryOf(Item);
  } catch (error) {
    throw new OpsError(`Could not read table ${tableName} in ${target.description}: ${messageOf(error)}`, {
      cause: error,
    });
  } finally {
    client.destroy();
  }
}

/** The read model's item (order-view.ts) as the report shows it; internals (applied ids, version) left out. */
export function orderSummaryOf(item: Record<string, unknown>): OrderSummary {
  const history = Array.isArray(item.history) ? (item.history as OrderSummary['history']) : [];
  const failure = history.findLast(
    (entry) => (entry.status === 'FAILED' || entry.status === 'NEEDS_ATTENTION') && entry.reason,
  );
  return {
    status: typeof item.status === 'string' ? item.status : 'PENDING',
    ...(failure?.reason ? { failureReason: failure.reason } : {}),
    ...(typeof item.total === 'number' ? { total: item.total } : {}),
    ...(typeof item.currency === 'string' ? { currency: item.currency } : {}),
    ...(Array.isArray(item.items) ? { items: item.items as OrderSummary['items'] } : {}),
    ...(typeof item.createdAt === 'string' ? { createdAt: item.createdAt } : {}),
    ...(typeof item.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
    history: history.map(({ status, at, reason, eventId }) => ({
      status,
      at,
      ...(reason ? { reason } : {}),
      ...(eventId ? { eventId } : {}),
    })),
  };
}

async function readSaga(target: OpsTarget, orderId: string): Promise<SagaReport> {
  // The checkout names the execution after the order (sfn-saga-starter.ts).
  const executionArn = executionArnOf(outputOf(target, OPERATOR_OUTPUTS.stateMachine), orderId);
  const client = new SFNClient(clientConfigOf(target, 'SFN'));
  try {
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new GetExecutionHistoryCommand({
          executionArn,
          maxResults: HISTORY_PAGE_SIZE,
          includeExecutionData: false,
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return {
      found: true,
      ...summariseExecution(
        {
          executionArn,
          status: execution.status ?? 'UNKNOWN',
          ...(execution.startDate ? { startDate: execution.startDate } : {}),
          ...(execution.stopDate ? { stopDate: execution.stopDate } : {}),
          ...(execution.error ? { error: execution.error } : {}),
          ...(execution.cause ? { cause: execution.cause } : {}),
        },
        events,
      ),
    };
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionDoesNotExist')
      return { found: false, executionArn };
    throw new OpsError(
      `Could not read the saga execution ${executionArn} in ${target.description}: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    client.destroy();
  }
}

async function readRecords(
  target: OpsTarget,
  orderId: string,
  createdAt: string | undefined,
  options: LookupOptions,
): Promise<RecordsReport> {
  if (createdAt === undefined) {
    return {
      available: false,
      reason: 'neither the orders table nor the saga says when the order was created',
    };
  }
  const from = new Date(Date.parse(createdAt) - CLOCK_MARGIN_MS);
  const timeoutMs = options.kafkaTimeoutMs ?? DEFAULT_KAFKA_TIMEOUT_MS;
  try {
    const { kafka } = await opsKafka(target, 'order-pipeline-ops-order');
    const topics = await withTimeout(
      readOrderRecords(kafka, {
        orderId,
        from,
        topics: ALL_TOPICS.map((topic) => topic.name),
        maxRecordsPerTopic: options.maxRecordsPerTopic ?? DEFAULT_MAX_RECORDS_PER_TOPIC,
        timeoutMs,
      }),
      // The read stops itself at timeoutMs; this only bounds connecting and planning on top.
      timeoutMs + 15_000,
    );
    return { available: true, from: from.toISOString(), topics };
  } catch (error) {
    const where = target.environment.KAFKA_BROKERS
      ? `the brokers ${target.environment.KAFKA_BROKERS}`
      : 'the MSK cluster (its brokers are inside the VPC: run the tool where it reaches them, e.g. a bastion or a VPN)';
    return { available: false, reason: `Kafka could not be read from ${where}: ${messageOf(error)}` };
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1_000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
