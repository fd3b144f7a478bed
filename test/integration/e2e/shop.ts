/**
 * A customer's-eye client for the end-to-end tests: places orders through the local API and reads
 * the real tables, the mailbox and the dead-letter topics the local mode runs.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbAnalyticsStore } from '../../../lambdas/analytics/adapters/dynamodb-analytics-store';
import type { RunningPipeline } from '../../../local/pipeline';
import { sourceCoordinates } from '../../../scripts/ops/dead-letter';
import { consumerNameOf, DeadLetterTopic } from '../../../scripts/ops/dead-letter-topic';
import { localTargetOf } from '../../../scripts/ops/target';

export interface OrderView {
  readonly orderId: string;
  readonly status: string;
  readonly items: readonly { sku: string; quantity: number; unitPrice: number }[];
  readonly total: number;
  readonly currency: string;
  readonly history: readonly { status: string; at: string; reason?: string }[];
}

export interface PlaceOrderReply {
  readonly orderId?: string;
  readonly status?: string;
  readonly error?: { readonly code: string; readonly message: string; readonly details?: unknown[] };
}

export const ADDRESS = {
  name: 'Ada Lovelace',
  line1: '1 Analytical St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

export function orderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    items: [{ sku: 'SKU-1', quantity: 2 }],
    currency: 'EUR',
    payment: { token: 'tok_approve' },
    email: 'ada@example.com',
    shippingAddress: ADDRESS,
    ...overrides,
  };
}

export class Shop {
  readonly db: DynamoDBDocumentClient;
  /** Dead letters each consumer's `failures` already returned, by id. */
  private readonly drained = new Map<string, Set<string>>();

  constructor(readonly pipeline: RunningPipeline) {
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    this.db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: pipeline.endpoints.dynamodb, region: 'us-east-1', credentials }),
    );
  }

  async placeOrder(
    customerId: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: PlaceOrderReply; location: string | null }> {
    const res = await fetch(`${this.pipeline.apiUrl}/orders`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await this.pipeline.token(customerId)}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as PlaceOrderReply,
      location: res.headers.get('location'),
    };
  }

  async getOrder(customerId: string, orderId: string): Promise<{ status: number; body: OrderView }> {
    const res = await fetch(`${this.pipeline.apiUrl}/orders/${orderId}`, {
      headers: { authorization: `Bearer ${await this.pipeline.token(customerId)}` },
    });
    return { status: res.status, body: (await res.json()) as OrderView };
  }

  /** Polls GET /orders/{id} until the order reaches one of `statuses`. */
  async waitForStatus(
    customerId: string,
    orderId: string,
    statuses: readonly string[],
    timeoutMs = 30_000,
  ): Promise<OrderView> {
    return eventually(async () => {
      const { status, body } = await this.getOrder(customerId, orderId);
      if (status !== 200 || !statuses.includes(body.status)) {
        throw new Error(
          `order ${orderId} is ${status === 200 ? body.status : `HTTP ${status}`}, waiting for ${statuses.join('|')}`,
        );
      }
      return body;
    }, timeoutMs);
  }

  async stock(sku: string): Promise<number> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.pipeline.tables.inventory, Key: { pk: `SKU#${sku}` } }),
    );
    return Number(Item?.available);
  }

  async paymentEntries(orderId: string): Promise<Record<string, unknown>[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.pipeline.tables.payments,
        KeyConditionExpression: 'orderId = :o',
        ExpressionAttributeValues: { ':o': orderId },
      }),
    );
    return Items ?? [];
  }

  async loyaltyBalance(customerId: string): Promise<number> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.pipeline.tables.loyalty, Key: { customerId, entryId: 'BALANCE' } }),
    );
    return Number(Item?.points ?? 0);
  }

  async shipment(orderId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.pipeline.tables.shipments, Key: { orderId } }),
    );
    return Item;
  }

  /** Orders confirmed today (UTC) by the analytics day totals, read as the shop's reports read them. */
  async confirmedToday(): Promise<number> {
    const store = new DynamoDbAnalyticsStore(this.db, this.pipeline.tables.analytics);
    return (await store.readDayTotals(new Date().toISOString().slice(0, 10))).ordersConfirmed ?? 0;
  }

  async analyticsItems(): Promise<Record<string, unknown>[]> {
    const { Items } = await this.db.send(new ScanCommand({ TableName: this.pipeline.tables.analytics }));
    return Items ?? [];
  }

  /** E-mails in the local mailbox sent to `to`. */
  async mail(to: string): Promise<{ to: string; subject: string; body?: string; orderId?: string }[]> {
    const dir = this.pipeline.mailboxDir;
    const files = await readdir(dir).catch(() => [] as string[]);
    const mails = await Promise.all(
      files
        .filter((f) => f.endsWith('.json'))
        .map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8'))),
    );
    return mails.filter((m) => m.to === to);
  }

  /**
   * What reached a consumer's dead-letter topic since the last call for it: each dead letter with
   * the failed record's key (the order id) as text, the reason, the error and the kind.
   */
  async failures(consumer: string): Promise<Record<string, unknown>[]> {
    const seen = this.drained.get(consumer) ?? new Set<string>();
    this.drained.set(consumer, seen);
    const target = localTargetOf({}, { KAFKA_BROKERS: this.pipeline.endpoints.kafkaBrokers.join(',') });
    const topic = new DeadLetterTopic(target, consumerNameOf(consumer));
    try {
      const fresh = (await topic.list()).filter((deadLetter) => !seen.has(deadLetter.id));
      for (const deadLetter of fresh) seen.add(deadLetter.id);
      return fresh.map((deadLetter) => ({
        id: deadLetter.id,
        kind: deadLetter.kind,
        key: deadLetter.orderId,
        reason: deadLetter.reason,
        error: deadLetter.error,
        records: deadLetter.records.map(sourceCoordinates),
        body: deadLetter.body,
      }));
    } finally {
      await topic.close();
    }
  }
}

export async function eventually<T>(
  probe: () => Promise<T>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await probe();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
  throw new Error(`condition not met within ${timeoutMs} ms: ${String(lastError)}`, { cause: lastError });
}
