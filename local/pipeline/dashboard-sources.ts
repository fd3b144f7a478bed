/**
 * The dashboard's port implemented with the running parts: lag and counters from the event source
 * mapping emulator, saga outcomes from the Step Functions emulator, recent orders from the orders
 * table, e-mails from the mailbox folder, events produced from the topics' end offsets.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  type ConsumerLag,
  type DashboardSources,
  type MailboxEntry,
  type RecentOrder,
  type SagaCounts,
  UnknownConsumerError,
} from '../dashboard/sources';
import type { EventSourceMappings } from '../runtime/event-source-mapping';
import type { MappingControl } from '../runtime/mapping-control';
import type { LocalStepFunctions } from '../stepfunctions';
import type { PipelineKafka } from './kafka-tools';

export interface PipelineDashboardSourcesOptions {
  /** The event source mappings, in this process or (also) in a consumer process. */
  readonly mappings: MappingControl;
  /** Function logical id -> consumer name (analytics, loyalty, ...). */
  readonly consumerNames: ReadonlyMap<string, string>;
  readonly stepFunctions: LocalStepFunctions;
  readonly stateMachineArn: string;
  readonly db: DynamoDBDocumentClient;
  readonly ordersTable: string;
  readonly mailboxDir: string;
  readonly kafka: PipelineKafka;
}

/** Orders scanned at most for "recent orders": the page shows 20; a big table must not stall it. */
const MAX_SCANNED_ORDERS = 2_000;

export class PipelineDashboardSources implements DashboardSources {
  constructor(private readonly options: PipelineDashboardSourcesOptions) {}

  private lastLags: Awaited<ReturnType<EventSourceMappings['getLag']>> = [];
  private lastProduced = 0;

  async consumers(): Promise<readonly ConsumerLag[]> {
    const { mappings, consumerNames } = this.options;
    // The broker answers "not the coordinator" for a while after start or under load: the page
    // keeps the last lag it saw instead of failing (the dashboard samples every second).
    const lags = await mappings.getLag().then(
      (current) => {
        this.lastLags = current;
        return current;
      },
      () => this.lastLags,
    );
    const byName = new Map<
      string,
      { groupId: string; paused: boolean; lag: Record<string, number>; processed: number }
    >();
    for (const stats of mappings.stats()) {
      const name = consumerNames.get(stats.functionLogicalId) ?? stats.functionLogicalId;
      const entry = byName.get(name) ?? {
        groupId: stats.consumerGroupId,
        paused: false,
        lag: {},
        processed: 0,
      };
      entry.paused ||= stats.paused;
      entry.processed += stats.recordsIn;
      for (const topic of stats.topics) entry.lag[topic] ??= 0;
      byName.set(name, entry);
    }
    for (const lag of lags) {
      const entry = [...byName.values()].find((candidate) => candidate.groupId === lag.consumerGroupId);
      if (entry) entry.lag[lag.topic] = (entry.lag[lag.topic] ?? 0) + lag.lag;
    }
    return [...byName].map(([name, entry]) => ({
      name,
      groupId: entry.groupId,
      paused: entry.paused,
      lagByTopic: entry.lag,
      recordsProcessed: entry.processed,
    }));
  }

  async saga(): Promise<SagaCounts> {
    const counts = this.options.stepFunctions.counts(this.options.stateMachineArn);
    return {
      started: counts.started,
      succeeded: counts.succeeded,
      failed: counts.failed,
      timedOut: counts.timedOut,
      running: counts.running,
    };
  }

  async recentOrders(limit: number): Promise<readonly RecentOrder[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.db.send(
        new ScanCommand({
          TableName: this.options.ordersTable,
          ProjectionExpression: 'orderId, #status, #history, #total, currency, updatedAt, createdAt',
          ExpressionAttributeNames: { '#status': 'status', '#history': 'history', '#total': 'total' },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < MAX_SCANNED_ORDERS);
    return items
      .map(toRecentOrder)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .slice(0, limit);
  }

  async mailbox(limit: number): Promise<readonly MailboxEntry[]> {
    const dir = this.options.mailboxDir;
    const files = (await readdir(dir).catch(() => [] as string[])).filter(
      (file) => file.endsWith('.json') && !file.startsWith('.'),
    );
    const entries = await Promise.all(
      files.map(async (file) => {
        try {
          const mail = JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>;
          return {
            to: String(mail.to ?? ''),
            subject: String(mail.subject ?? ''),
            sentAt: String(mail.sentAt ?? ''),
          };
        } catch {
          return undefined;
        }
      }),
    );
    return entries
      .filter((entry): entry is MailboxEntry => entry !== undefined)
      .sort((a, b) => b.sentAt.localeCompare(a.sentAt))
      .slice(0, limit);
  }

  async eventsProduced(): Promise<number> {
    try {
      this.lastProduced = await this.options.kafka.endOffsetSum();
    } catch {
      // Same as the lag: a transient broker error shows the last count.
    }
    return this.lastProduced;
  }

  async pause(consumer: string): Promise<void> {
    this.setPaused(consumer, true);
  }

  async resume(consumer: string): Promise<void> {
    this.setPaused(consumer, false);
  }

  private setPaused(consumer: string, paused: boolean): void {
    const logicalIds = [...this.options.consumerNames]
      .filter(([, name]) => name === consumer)
      .map(([id]) => id);
    if (logicalIds.length === 0) throw new UnknownConsumerError(consumer);
    for (const logicalId of logicalIds) {
      if (paused) this.options.mappings.pause(logicalId);
      else this.options.mappings.resume(logicalId);
    }
  }
}

function toRecentOrder(item: Record<string, unknown>): RecentOrder {
  const history = Array.isArray(item.history) ? (item.history as { status?: string; reason?: string }[]) : [];
  const reason = history.find((entry) => entry.status === 'FAILED')?.reason;
  return {
    orderId: String(item.orderId),
    status: String(item.status ?? 'UNKNOWN'),
    ...(reason ? { reason } : {}),
    total: Number(item.total ?? 0),
    currency: String(item.currency ?? ''),
    updatedAt: String(item.updatedAt ?? item.createdAt ?? ''),
  };
}
