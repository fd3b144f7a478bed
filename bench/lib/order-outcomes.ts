/**
 * Sees when each order is CONFIRMED or FAILED without polling the API (which would add load):
 * a Kafka consumer of its own group reads orders.events and notes the time an OrderConfirmed /
 * OrderFailed record for an order id arrives. Only the event-type header is read; the value is
 * parsed for OrderFailed alone, to keep the failure reason.
 */
import { randomUUID } from 'node:crypto';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '../../lib/config/topics';

export interface OrderOutcome {
  readonly status: 'CONFIRMED' | 'FAILED';
  readonly at: number;
  readonly reason?: string;
}

export class OrderOutcomeWatcher {
  readonly outcomes = new Map<string, OrderOutcome>();
  private readonly consumer: Consumer;

  constructor(brokers: readonly string[]) {
    const kafka = new Kafka({
      clientId: 'bench-outcomes',
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
    });
    this.consumer = kafka.consumer({ groupId: `bench.outcomes-${randomUUID()}`, maxWaitTimeInMs: 50 });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: TOPICS.orderEvents.name, fromBeginning: false });
    let assigned = false;
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      assigned = true;
    });
    await this.consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        const at = performance.now();
        for (const message of batch.messages) {
          const type = message.headers?.['event-type']?.toString();
          if (type !== 'OrderConfirmed' && type !== 'OrderFailed') continue;
          const orderId = message.key?.toString();
          if (!orderId || this.outcomes.has(orderId)) continue;
          if (type === 'OrderConfirmed') {
            this.outcomes.set(orderId, { status: 'CONFIRMED', at });
          } else {
            let reason: string | undefined;
            try {
              reason = (JSON.parse(message.value?.toString() ?? '{}') as { data?: { reason?: string } }).data
                ?.reason;
            } catch {
              reason = undefined;
            }
            this.outcomes.set(orderId, { status: 'FAILED', at, reason });
          }
        }
      },
    });
    // New group, latest offsets: the watcher must own its partitions before the first order.
    const deadline = Date.now() + 30_000;
    while (!assigned && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}
