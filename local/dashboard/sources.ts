/**
 * What the local dashboard shows, as a port: the `npm start` orchestrator adapts the event source
 * mappings, the Step Functions emulator, the orders table and the mailbox to it.
 */

export interface ConsumerLag {
  /** Consumer (event source mapping target) name, e.g. `analytics`. */
  readonly name: string;
  readonly groupId: string;
  readonly paused: boolean;
  /** Records not yet processed, per topic. */
  readonly lagByTopic: Readonly<Record<string, number>>;
  /** Records this consumer has handled since start. */
  readonly recordsProcessed: number;
}

export interface SagaCounts {
  readonly started: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly running: number;
}

export interface RecentOrder {
  readonly orderId: string;
  readonly status: string;
  readonly reason?: string;
  readonly total: number;
  readonly currency: string;
  readonly updatedAt: string;
}

export interface MailboxEntry {
  readonly to: string;
  readonly subject: string;
  readonly sentAt: string;
}

export interface DashboardSources {
  consumers(): Promise<readonly ConsumerLag[]>;
  saga(): Promise<SagaCounts>;
  recentOrders(limit: number): Promise<readonly RecentOrder[]>;
  mailbox(limit: number): Promise<readonly MailboxEntry[]>;
  /** Records produced to every topic since start (the dashboard derives events per second). */
  eventsProduced(): Promise<number>;
  pause(consumer: string): Promise<void>;
  resume(consumer: string): Promise<void>;
}

export class UnknownConsumerError extends Error {
  constructor(
    readonly consumer: string,
    options?: { cause?: unknown },
  ) {
    super(`Unknown consumer '${consumer}'`, options);
    this.name = 'UnknownConsumerError';
  }
}
