/**
 * The function catalogue: every Lambda function of the pipeline, with its entry, the tables it
 * reads or writes, the topics it publishes to and its part in the checkout saga. The CDK app builds
 * each function and its least-privilege grants from it, handlers read their tables and settings
 * from the variables named here, and the local mode and the benchmarks find entries and local
 * concurrency here. The Kafka consumers, with their mappings, are declared in the consumer
 * catalogue (consumers.ts); this module adds the functions that API Gateway and Step Functions
 * invoke. Pure data, like the topic catalogue, so handlers can import it.
 */
import { CONSUMERS } from './consumers';
import { TOPICS, type TopicName } from './topics';

export type TableName =
  | 'orders'
  | 'inventory'
  | 'payments'
  | 'loyalty'
  | 'analytics'
  | 'shipments'
  | 'idempotency';

/**
 * Environment variable a function reads a table's name from; the CDK app sets it on every function
 * the table is granted to, and the local mode points it at the local table.
 */
export const TABLE_ENV_VARS: Readonly<Record<TableName, string>> = {
  orders: 'ORDERS_TABLE_NAME',
  inventory: 'INVENTORY_TABLE_NAME',
  payments: 'PAYMENTS_TABLE_NAME',
  loyalty: 'LOYALTY_TABLE_NAME',
  analytics: 'ANALYTICS_TABLE_NAME',
  shipments: 'SHIPMENTS_TABLE_NAME',
  idempotency: 'IDEMPOTENCY_TABLE_NAME',
};

/** A setting, other than a table name, that the CDK app hands a function in its environment. */
export type FunctionSetting =
  | 'pipelineFunction'
  | 'mskClusterArn'
  | 'deadLetterTopic'
  | 'stateMachineArn'
  | 'idempotencyTtlSeconds'
  | 'emailTransport'
  | 'senderEmail';

/**
 * Environment variable each setting travels in. The CDK app sets it on the functions that need it
 * and handlers read it through lambdas/shared/env.ts; the local mode and the benchmarks set or
 * replace the same variables, so the names must agree everywhere.
 */
export const SETTING_ENV_VARS: Readonly<Record<FunctionSetting, string>> = {
  /** The function's name in this catalogue, on every function: how the local mode finds its entry. */
  pipelineFunction: 'PIPELINE_FUNCTION',
  /** The cluster a producing function asks for its brokers; the local mode gives brokers instead. */
  mskClusterArn: 'MSK_CLUSTER_ARN',
  /** A consumer's dead-letter topic, where its handler writes poison records. */
  deadLetterTopic: 'DEAD_LETTER_TOPIC',
  /** The saga the checkout function starts. */
  stateMachineArn: 'STATE_MACHINE_ARN',
  /** How long idempotency records live, on every function granted the idempotency table. */
  idempotencyTtlSeconds: 'IDEMPOTENCY_TTL_SECONDS',
  /** How the e-mail sending consumer sends: `ses` in AWS, `mailbox` in the local mode. */
  emailTransport: 'EMAIL_TRANSPORT',
  /** The SES identity e-mails come from. */
  senderEmail: 'SENDER_EMAIL',
};

export type TableAccess = 'read' | 'readWrite';

/**
 * A function's part in the checkout saga: `starter` starts one execution per order, `publisher` is
 * what every task of the state machine invokes to publish its step's command with the task token,
 * and a `service` answers those task tokens, so it is on checkout's critical path.
 */
export type SagaRole = 'starter' | 'publisher' | 'service';

export interface FunctionSpec {
  /** Pipeline name in the shop's words: the Powertools service name and `PIPELINE_FUNCTION`. */
  readonly name: string;
  /** Handler entry, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Tables the function may touch, mirroring what its adapters use; each sets its table variable. */
  readonly tables: Readonly<Partial<Record<TableName, TableAccess>>>;
  /**
   * Topics it publishes to (a consumer also writes to its dead-letter topic).
   * @default publishes nothing
   */
  readonly publishesTo?: readonly TopicName[];
  /** @default no part in the saga */
  readonly sagaRole?: SagaRole;
  /**
   * Sends e-mail through SES from the shop's sender identity.
   * @default sends no e-mail
   */
  readonly sendsEmail?: boolean;
  /**
   * Environments the local mode keeps for the function, all warmed at start: the saga's critical
   * path gets the most, so a burst of orders does not queue into the 5 s / 10 s step timeouts.
   * @default the local function pool's default, one of them warmed
   */
  readonly localConcurrency?: number;
}

/** The functions invoked directly, by API Gateway or Step Functions, rather than by a mapping. */
export const INVOKED_FUNCTIONS = {
  checkout: {
    name: 'checkout',
    entry: 'lambdas/checkout/handlers/place-order.ts',
    description:
      'POST /orders: prices the order, stores it and starts the saga (202), or refuses it at capacity (503)',
    tables: { orders: 'readWrite', inventory: 'read' },
    sagaRole: 'starter',
    localConcurrency: 3,
  },
  getOrder: {
    name: 'get-order',
    entry: 'lambdas/order-read-model/handlers/get-order.ts',
    description: 'GET /orders/{orderId}: the order’s status and history from the read model',
    tables: { orders: 'read' },
  },
  sagaPublisher: {
    name: 'saga-publisher',
    entry: 'lambdas/saga/handlers/saga-publisher.ts',
    description: 'Saga command publisher: publishes each step’s command or event with its task token',
    tables: {},
    publishesTo: [TOPICS.orderEvents.name, TOPICS.inventoryCommands.name, TOPICS.paymentCommands.name],
    sagaRole: 'publisher',
    localConcurrency: 4,
  },
} as const satisfies Record<string, FunctionSpec>;

/** Every function of the pipeline: the Kafka consumers and the invoked ones. */
export const PIPELINE_FUNCTIONS: readonly FunctionSpec[] = [
  ...CONSUMERS,
  ...Object.values(INVOKED_FUNCTIONS),
];
