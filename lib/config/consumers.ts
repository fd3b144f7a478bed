/**
 * The consumer catalogue: every Lambda that an MSK event source mapping triggers, with the
 * mapping's settings and, as for every function of the function catalogue (functions.ts), what it
 * is wired to. The CDK app builds the mappings from it; the local mode reads the same settings back
 * from the synthesized template, so the two cannot drift apart.
 */
import type { FunctionSpec } from './functions';
import { TOPICS, type TopicName } from './topics';

export type ConsumerName =
  | 'inventoryService'
  | 'paymentService'
  | 'notification'
  | 'analytics'
  | 'loyalty'
  | 'fulfilment'
  | 'orderReadModel';

/** One MSK event source mapping of a consumer: one topic, read in a consumer group of its own. */
export interface ConsumerMapping {
  readonly topic: TopicName;
  /**
   * Kafka consumer group id of this mapping alone: Lambda requires it to be unique among all Kafka
   * event sources, and MSK publishes the lag metrics (AWS/Kafka) per group and topic under it.
   */
  readonly consumerGroupId: string;
}

export interface ConsumerSpec extends FunctionSpec {
  readonly name: ConsumerName;
  /** Topics the consumer reads, one mapping each. */
  readonly topics: readonly TopicName[];
  /** The consumer's mappings, one per topic in the order of `topics`, each with its group id. */
  readonly mappings: readonly ConsumerMapping[];
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
  /**
   * The consumer's dead-letter topic: every mapping's on-failure destination and its handler's
   * poison-record sink. Lambda refuses a destination that is one of the mapping's source topics.
   */
  readonly deadLetterTopic: TopicName;
}

/**
 * Retries of a consumer's failing batch: with the mapping's backoff about two to three minutes,
 * longer than a table restart or a broker failover lasts, so a good record met during one is
 * retried until it succeeds instead of going to the dead-letter topic (a handful of retries is spent
 * within seconds). For a side effect that would be the customer's loyalty points or shipment never
 * made; for a saga command, a reservation whose StockReserved could not be published yet, left for
 * the step to time out, or a compensation never run.
 * Poison records do not wait for this: the handler sends them to the dead-letter topic at once.
 */
const TRANSIENT_RETRY_ATTEMPTS = 60;

/**
 * How old a saga command may be and still reach its service: hours, not the step timeout. A stale
 * ReserveStock or ChargeCard is refused by the service itself (its task token fails the heartbeat),
 * while a compensation (ReleaseStock, RefundCharge) must still run however late it arrives: a
 * compensation queued behind a stopped service that expired unprocessed would leave the stock
 * reserved, or the card charged, for an order that failed.
 */
const SAGA_COMMAND_MAX_AGE_SECONDS = 6 * 60 * 60;

/** First part of every consumer group id of the pipeline. */
const GROUP_ID_PREFIX = 'order-pipeline';

/**
 * Orders (record keys) of one partition a consumer works on at once within an invocation; each
 * order's own records stay in offset order. A partition's throughput is this many orders per
 * record time, bounded by the batch size, so it sets with the partitions what a topic carries.
 */
export const KEYS_IN_FLIGHT_PER_PARTITION = 16;

/** The consumers as declared; `CONSUMERS` adds their mappings. */
const DECLARED_CONSUMERS: readonly Omit<ConsumerSpec, 'mappings'>[] = [
  {
    name: 'inventoryService',
    description: 'Inventory service: reserves and releases stock for the saga',
    tables: { inventory: 'readWrite' },
    publishesTo: [TOPICS.inventoryEvents.name],
    sagaRole: 'service',
    localConcurrency: 4,
    deadLetterTopic: TOPICS.inventoryServiceDeadLetters.name,
    entry: 'lambdas/inventory/handlers/inventory-commands.ts',
    topics: [TOPICS.inventoryCommands.name],
    // Saga steps wait on this consumer: invoke at once. When a backlog forms, a batch this size lets
    // each partition work on KEYS_IN_FLIGHT_PER_PARTITION orders at once.
    batchSize: 25,
    maxBatchingWindowSeconds: 0,
    maxRetryAttempts: TRANSIENT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: SAGA_COMMAND_MAX_AGE_SECONDS,
  },
  {
    name: 'paymentService',
    description: 'Payment service: charges and refunds for the saga',
    tables: { payments: 'readWrite' },
    publishesTo: [TOPICS.paymentEvents.name],
    sagaRole: 'service',
    localConcurrency: 3,
    deadLetterTopic: TOPICS.paymentServiceDeadLetters.name,
    entry: 'lambdas/payment/handlers/payment-commands.ts',
    topics: [TOPICS.paymentCommands.name],
    batchSize: 25,
    maxBatchingWindowSeconds: 0,
    maxRetryAttempts: TRANSIENT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: SAGA_COMMAND_MAX_AGE_SECONDS,
  },
  {
    name: 'notification',
    description: 'Notification: order confirmation and failure e-mails',
    tables: { idempotency: 'readWrite' },
    sendsEmail: true,
    deadLetterTopic: TOPICS.notificationDeadLetters.name,
    entry: 'lambdas/notification/handlers/notification.ts',
    topics: [TOPICS.orderEvents.name, TOPICS.notificationCommands.name],
    batchSize: 50,
    maxBatchingWindowSeconds: 1,
    maxRetryAttempts: TRANSIENT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: 6 * 60 * 60,
    idempotencyKeyPrefix: 'notification',
  },
  {
    name: 'analytics',
    description: 'Analytics: daily order and SKU aggregates',
    tables: { analytics: 'readWrite' },
    deadLetterTopic: TOPICS.analyticsDeadLetters.name,
    entry: 'lambdas/analytics/handlers/analytics.ts',
    topics: [TOPICS.orderEvents.name],
    // Aggregates tolerate delay; large batches drain a backlog fast.
    batchSize: 500,
    maxBatchingWindowSeconds: 5,
    maxRetryAttempts: TRANSIENT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: 24 * 60 * 60,
  },
  {
    name: 'loyalty',
    description: 'Loyalty: points credited on confirmation, taken back on refund',
    tables: { loyalty: 'readWrite' },
    deadLetterTopic: TOPICS.loyaltyDeadLetters.name,
    entry: 'lambdas/loyalty/handlers/loyalty.ts',
    topics: [TOPICS.orderEvents.name, TOPICS.paymentEvents.name],
    batchSize: 100,
    maxBatchingWindowSeconds: 2,
    maxRetryAttempts: TRANSIENT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: 24 * 60 * 60,
  },
  {
    name: 'fulfilment',
    description: 'Fulfilment: creates shipments for confirmed orders',
    tables: { shipments: 'readWrite', orders: 'read' },
    publishesTo: [TOPICS.fulfilmentEvents.name],
    deadLetterTopic: TOPICS.fulfilmentDeadLetters.name,
    entry: 'lambdas/fulfilment/handlers/fulfilment.ts',
    topics: [TOPICS.orderEvents.name],
    batchSize: 50,
    maxBatchingWindowSeconds: 1,
    maxRetryAttempts: TRANSIENT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: 6 * 60 * 60,
  },
  {
    name: 'orderReadModel',
    description: 'Order read model: projection of all order events behind GET /orders/{id}',
    tables: { orders: 'readWrite' },
    deadLetterTopic: TOPICS.orderReadModelDeadLetters.name,
    entry: 'lambdas/order-read-model/handlers/order-read-model.ts',
    topics: [
      TOPICS.orderEvents.name,
      TOPICS.paymentEvents.name,
      TOPICS.inventoryEvents.name,
      TOPICS.fulfilmentEvents.name,
    ],
    // The read model answers GET /orders/{id}: keep it close to real time.
    batchSize: 100,
    maxBatchingWindowSeconds: 0,
    maxRetryAttempts: TRANSIENT_RETRY_ATTEMPTS,
    maxRecordAgeSeconds: 24 * 60 * 60,
  },
];

/** Every consumer of the pipeline with its mappings; the CDK app builds one mapping per entry. */
export const CONSUMERS: readonly ConsumerSpec[] = DECLARED_CONSUMERS.map((consumer) => ({
  ...consumer,
  mappings: consumer.topics.map((topic) => ({
    topic,
    consumerGroupId: consumerGroupIdOf(consumer, topic),
  })),
}));

/** A mapping of a saga service: the command topic it reads and the group it reads it in. */
export interface SagaCommandMapping extends ConsumerMapping {
  readonly consumer: ConsumerName;
}

/**
 * The mappings the saga waits on: those of the saga services (inventoryService on
 * inventory.commands, paymentService on payments.commands). Their consumer lag is the queue a new
 * order joins, so checkout's admission control reads it and may read nothing else.
 */
export function sagaCommandMappings(consumers: readonly ConsumerSpec[] = CONSUMERS): SagaCommandMapping[] {
  return consumers
    .filter((consumer) => consumer.sagaRole === 'service')
    .flatMap((consumer) => consumer.mappings.map((mapping) => ({ ...mapping, consumer: consumer.name })));
}

/** `orderReadModel` -> `order-read-model`. */
function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * The group id a consumer with one topic reads in: `order-pipeline.<consumer>`, e.g.
 * `order-pipeline.analytics`. The four one-topic consumers were deployed with it, and a group id
 * cannot change without replacing the mapping (and starting a new group), so it stays.
 */
export function consumerLevelGroupId(name: ConsumerName): string {
  return `${GROUP_ID_PREFIX}.${kebabCase(name)}`;
}

/**
 * The consumer group id of one mapping, the single rule for all of them:
 * `order-pipeline.<consumer>` for a consumer with one topic, `order-pipeline.<consumer>.<topic>`
 * (e.g. `order-pipeline.loyalty.payments.events`) for each topic of a consumer with several. Lambda
 * requires each Kafka event source to have its own group id ("Customizable consumer group ID",
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-consumer-group-id.html). Adding a topic to a
 * one-topic consumer therefore moves its existing mapping to a new group: see
 * docs/infrastructure.md, "Moving mappings to their own consumer groups".
 */
export function consumerGroupIdOf(consumer: Pick<ConsumerSpec, 'name' | 'topics'>, topic: TopicName): string {
  return consumer.topics.length === 1
    ? consumerLevelGroupId(consumer.name)
    : `${consumerLevelGroupId(consumer.name)}.${topic}`;
}

/** Consumer group ids must be ASCII without ':' for MSK event source mappings. */
export function isValidConsumerGroupId(id: string): boolean {
  return /^[\x21-\x7e]{1,200}$/.test(id) && !id.includes(':');
}

/** A mapping as the CDK app is about to create it: whose it is, its topics and its group. */
export interface MappingDeclaration {
  readonly consumer: string;
  readonly topics: readonly string[];
  readonly consumerGroupId: string;
}

/** The mappings of these consumers, flattened, as `checkConsumerMappings` reads them. */
export function mappingDeclarationsOf(consumers: readonly ConsumerSpec[]): MappingDeclaration[] {
  return consumers.flatMap((consumer) =>
    consumer.mappings.map((mapping) => ({
      consumer: consumer.name,
      topics: [mapping.topic],
      consumerGroupId: mapping.consumerGroupId,
    })),
  );
}

/** Mappings that Lambda would refuse; the message lists every offending value. */
export class InvalidConsumerMappingsError extends Error {
  public readonly problems: readonly string[];

  public constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super(`The MSK event source mappings cannot be deployed:\n- ${problems.join('\n- ')}`, options);
    this.name = 'InvalidConsumerMappingsError';
    this.problems = problems;
  }
}

/**
 * Refuses, at synthesis, mappings that Lambda refuses at deployment: a consumer group id that two
 * mappings share (it must be unique among all Kafka event sources), a mapping without exactly one
 * topic (Lambda takes one topic per Kafka mapping: `Topics`, "Maximum number of 1 item", API
 * CreateEventSourceMapping), and a group id MSK cannot report lag for (non-ASCII, or with ':').
 * @throws {InvalidConsumerMappingsError} naming each offending mapping and value.
 */
export function checkConsumerMappings(mappings: readonly MappingDeclaration[]): void {
  const problems: string[] = [];
  const describe = (mapping: MappingDeclaration): string =>
    `${mapping.consumer} on ${mapping.topics.length > 0 ? mapping.topics.join(', ') : '(no topic)'}`;
  for (const mapping of mappings) {
    if (mapping.topics.length !== 1) {
      problems.push(
        `the mapping of ${mapping.consumer} in group '${mapping.consumerGroupId}' has ${mapping.topics.length} topics (${JSON.stringify(mapping.topics)}); a Kafka event source mapping takes exactly one`,
      );
    }
    if (!isValidConsumerGroupId(mapping.consumerGroupId)) {
      problems.push(
        `the consumer group id of ${describe(mapping)} must be 1-200 printable ASCII characters without ':', got '${mapping.consumerGroupId}'`,
      );
    }
  }
  const byGroup = new Map<string, MappingDeclaration[]>();
  for (const mapping of mappings) {
    byGroup.set(mapping.consumerGroupId, [...(byGroup.get(mapping.consumerGroupId) ?? []), mapping]);
  }
  for (const [group, sharing] of byGroup) {
    if (sharing.length > 1) {
      problems.push(
        `consumer group id '${group}' is used by ${sharing.length} mappings (${sharing.map(describe).join('; ')}); each Kafka event source needs its own`,
      );
    }
  }
  if (problems.length > 0) throw new InvalidConsumerMappingsError(problems);
}
