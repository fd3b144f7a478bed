/**
 * The topic catalogue: the one definition of every Kafka topic. The CDK app turns it into
 * `AWS::MSK::Topic` resources, handlers publish to the names below, and the local mode creates
 * the same topics on its broker. Pure data: no CDK, SDK or Node imports, so every part can read it.
 */

export interface TopicSpec {
  /** Topic name on the cluster. */
  readonly name: string;
  /** Partitions; every record is keyed by order id, so one order stays on one partition. */
  readonly partitions: number;
  /** How long records are kept, in hours. */
  readonly retentionHours: number;
  /** What travels on the topic. */
  readonly description: string;
}

const HOURS_PER_DAY = 24;

/**
 * How long a consumer's dead-letter topic keeps a failed record: two weeks, time for a failure
 * found after a long weekend to be diagnosed, fixed, deployed and redriven. The record's content
 * lives here (Lambda writes the failed records themselves to a Kafka on-failure destination), so a
 * redrive does not depend on the source topic still holding it: the saga command topics keep only
 * 3 days. Failed records are rare, so the storage is small.
 */
export const DEAD_LETTER_RETENTION_DAYS = 14;

/**
 * A consumer's dead-letter topic, `dead-letters.<consumer>`: the on-failure destination of each of
 * its event source mappings and where its handler diverts poison records, so an operator finds
 * every record the consumer gave up on in one place. Keyed like the sources (Lambda produces with
 * the failed record's own key), so one order's failures stay in order on one partition.
 */
function deadLetterTopic<Consumer extends string>(consumer: Consumer) {
  return {
    name: `dead-letters.${consumer}`,
    partitions: 4,
    retentionHours: DEAD_LETTER_RETENTION_DAYS * HOURS_PER_DAY,
    description: `Records the ${consumer} consumer gave up on, with their content and why: npm run dlq`,
  } as const;
}

export const TOPICS = {
  orderEvents: {
    name: 'orders.events',
    partitions: 32,
    retentionHours: 7 * HOURS_PER_DAY,
    description: 'Order lifecycle events: OrderPlaced, OrderConfirmed, OrderFailed, OrderNeedsAttention',
  },
  paymentEvents: {
    name: 'payments.events',
    partitions: 16,
    retentionHours: 30 * HOURS_PER_DAY,
    description: 'Payment outcomes: PaymentCaptured, PaymentDeclined, PaymentRefunded',
  },
  inventoryEvents: {
    name: 'inventory.events',
    partitions: 16,
    retentionHours: 7 * HOURS_PER_DAY,
    description: 'Stock outcomes: StockReserved, StockReservationFailed, StockReleased',
  },
  fulfilmentEvents: {
    name: 'fulfillment.events',
    partitions: 16,
    retentionHours: 7 * HOURS_PER_DAY,
    description: 'Shipments: ShipmentCreated',
  },
  notificationCommands: {
    name: 'notifications.commands',
    partitions: 8,
    retentionHours: 3 * HOURS_PER_DAY,
    description: 'Requests to send a customer e-mail: SendEmail',
  },
  inventoryCommands: {
    name: 'inventory.commands',
    partitions: 16,
    retentionHours: 3 * HOURS_PER_DAY,
    description: 'Saga commands for the inventory service: ReserveStock, ReleaseStock',
  },
  paymentCommands: {
    name: 'payments.commands',
    partitions: 16,
    retentionHours: 3 * HOURS_PER_DAY,
    description: 'Saga commands for the payment service: ChargeCard, RefundCharge',
  },
  inventoryServiceDeadLetters: deadLetterTopic('inventory-service'),
  paymentServiceDeadLetters: deadLetterTopic('payment-service'),
  notificationDeadLetters: deadLetterTopic('notification'),
  analyticsDeadLetters: deadLetterTopic('analytics'),
  loyaltyDeadLetters: deadLetterTopic('loyalty'),
  fulfilmentDeadLetters: deadLetterTopic('fulfilment'),
  orderReadModelDeadLetters: deadLetterTopic('order-read-model'),
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof TOPICS;
export type TopicName = (typeof TOPICS)[TopicKey]['name'];

export const ALL_TOPICS: readonly TopicSpec[] = Object.values(TOPICS);

/** Cluster-wide durability settings; the MSK configuration and the local broker both use them. */
export const REPLICATION_FACTOR = 3;
export const MIN_IN_SYNC_REPLICAS = 2;

export function retentionMs(topic: TopicSpec): number {
  return topic.retentionHours * 60 * 60 * 1000;
}
