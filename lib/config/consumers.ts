/**
 * The consumer catalogue: every Lambda that an MSK event source mapping triggers, with the
 * mapping's settings. The CDK app builds the mappings from it; the local mode reads the same
 * settings back from the synthesized template, so the two cannot drift apart.
 */
import { TOPICS, type TopicName } from './topics';

export type ConsumerName =
  | 'inventoryService'
  | 'paymentService'
  | 'notification'
  | 'analytics'
  | 'loyalty'
  | 'fulfilment'
  | 'orderReadModel';

export interface ConsumerSpec {
  readonly name: ConsumerName;
  /** Handler entry, relative to the repository root. */
  readonly entry: string;
  /** Kafka consumer group id: ASCII, no ':' (MSK event source mapping rule). */
  readonly consumerGroupId: string;
  /** Topics the mapping subscribes to (one mapping per topic). */
  readonly topics: readonly TopicName[];
  /** Records per invocation. */
  readonly batchSize: number;
  /** How long the poller gathers records before invoking, in seconds. */
  readonly maxBatchingWindowSeconds: number;
  /** Retries of a failing batch (after bisecting) before its records go to the on-failure destination. */
  readonly maxRetryAttempts: number;
  /** Records older than this go to the on-failure destination instead of the handler, in seconds. */
  readonly maxRecordAgeSeconds: number;
  /** Key prefix in the shared idempotency table; `undefined` for services that are idempotent by design. */
  readonly idempotencyKeyPrefix?: string;
  /** Whether the consumer is on the checkout's critical path (saga services) or a side effect. */
  readonly critical: boolean;
}

/**
 * Retries of a side-effect consumer's failing batch: with the mapping's backoff about two to three
 * minutes, so a table or broker restart does not send good records to the on-failure queue (with 5
 * retries, OrderConfirmed records met during a 10 s DynamoDB Local restart went there and the
 * loyalty points and shipments of those orders were never made: RELIABILITY.md, scenario 4).
 * Poison records do not wait for this: the handler sends them to the on-failure queue at once.
 */
const SIDE_EFFECT_RETRY_ATTEMPTS = 60;

/**
 * How old a saga command may be and still reach its service: hours, not the step timeout. A stale
 * ReserveStock or ChargeCard is refused by the service itself (its task token fails the heartbeat),
 * while a compensation (ReleaseStock, RefundCharge) must still run however late it arrives: with a
 * 60 s limit, the commands of an order that waited out its compensation retries behind a stopped
 * service expired unprocessed and its reservation stayed held (RELIABILITY.md, scenario 7).
 */
const SAGA_COMMAND_MAX_AGE_SECONDS = 6 * 60 * 60;

export const CONSUMERS: readonly ConsumerSpec[] = [
  {
    name: 'inventoryService',
    entry: 'lambdas/inventory/handlers/inventory-commands.ts',
    consumerGroupId: 'order-pipeline.inventory-service',
    topics: [TOPICS.inventoryCommands.name],
    // Saga steps wait on this consumer: invoke at once, small batches.
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxRetryAttempts: 3,
    maxRecordAgeSeconds: SAGA_COMMAND_MAX_AGE_SECONDS,
    critical: true,
  },
  {
    name: 'paymentService',
    entry: 'lambdas/payment/handlers/payment-commands.ts',
    consumerGroupId: 'order-pipeline.payment-service',
    topics: [TOPICS.paymentCommands.name],
    batchSize: 10,
    maxBatchingWindowSeconds: 0,
    maxRetryAttempts: 3,
    maxRecordAgeSeconds: SAGA_COMMAND_MAX_AGE_SECONDS,
    critical: true,
  },
  {
    name: 'notification',
    entry: 'lambdas/notification/handlers/notification.ts',
    consumerGroupId: 'order-pipeline.notification',
    topics: [TOPICS.orderEvents.name, TOPICS.notificationCommands.name],
    batchSize: 50,
    maxBatchingWindowSeconds: 1,
    maxRetryAttempts: SIDE_EFFECT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: 6 * 60 * 60,
    idempotencyKeyPrefix: 'notification',
    critical: false,
  },
  {
    name: 'analytics',
    entry: 'lambdas/analytics/handlers/analytics.ts',
    consumerGroupId: 'order-pipeline.analytics',
    topics: [TOPICS.orderEvents.name],
    // Aggregates tolerate delay; large batches drain a backlog fast.
    batchSize: 500,
    maxBatchingWindowSeconds: 5,
    maxRetryAttempts: SIDE_EFFECT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: 24 * 60 * 60,
    idempotencyKeyPrefix: 'analytics',
    critical: false,
  },
  {
    name: 'loyalty',
    entry: 'lambdas/loyalty/handlers/loyalty.ts',
    consumerGroupId: 'order-pipeline.loyalty',
    topics: [TOPICS.orderEvents.name, TOPICS.paymentEvents.name],
    batchSize: 100,
    maxBatchingWindowSeconds: 2,
    maxRetryAttempts: SIDE_EFFECT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: 24 * 60 * 60,
    idempotencyKeyPrefix: 'loyalty',
    critical: false,
  },
  {
    name: 'fulfilment',
    entry: 'lambdas/fulfilment/handlers/fulfilment.ts',
    consumerGroupId: 'order-pipeline.fulfilment',
    topics: [TOPICS.orderEvents.name],
    batchSize: 50,
    maxBatchingWindowSeconds: 1,
    maxRetryAttempts: SIDE_EFFECT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: 6 * 60 * 60,
    idempotencyKeyPrefix: 'fulfilment',
    critical: false,
  },
  {
    name: 'orderReadModel',
    entry: 'lambdas/order-read-model/handlers/order-read-model.ts',
    consumerGroupId: 'order-pipeline.order-read-model',
    topics: [
      TOPICS.orderEvents.name,
      TOPICS.paymentEvents.name,
      TOPICS.inventoryEvents.name,
      TOPICS.fulfillmentEvents.name,
    ],
    // The read model answers GET /orders/{id}: keep it close to real time.
    batchSize: 100,
    maxBatchingWindowSeconds: 0,
    maxRetryAttempts: SIDE_EFFECT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: 24 * 60 * 60,
    idempotencyKeyPrefix: 'order-read-model',
    critical: false,
  },
];

/** Consumer group ids must be ASCII without ':' for MSK event source mappings. */
export function isValidConsumerGroupId(id: string): boolean {
  return /^[\x21-\x7e]{1,200}$/.test(id) && !id.includes(':');
}
