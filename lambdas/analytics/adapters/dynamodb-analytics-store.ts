/**
 * Aggregates in the analytics table. A batch of events is folded into as few TransactWriteItems as
 * DynamoDB allows: each transaction holds the markers of its events (put only if absent), first,
 * then one `ADD` update per counter item with the sum of those events' increments. DynamoDB allows
 * at most 100 actions per transaction and no two on one item
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html), so
 * events go into a transaction while its markers and distinct counter items stay within 100, and
 * an event whose marker is already in the batch is not written again. One event touches at most 52
 * items (an order has at most 50 lines), so it always fits a transaction alone. The items are a
 * few hundred bytes each, far below the transaction's 4 MB.
 *
 * A marker that exists cancels its transaction with ConditionalCheckFailed at that marker's index
 * (the cancellation reasons are ordered as the actions,
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CancellationReason.html):
 * those events are already counted, and the transaction is sent again without them and their sums.
 * A transaction cancelled only by a concurrent one on the same counters (TransactionConflict) is
 * sent again, twice at most. Any other error stops the writes; the events not yet written are
 * reported 'not-applied', for their records to be retried.
 *
 * A day's totals are read back as its shard items in one strongly consistent BatchGetItem, summed.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type CountedEvent,
  type CounterIncrement,
  dayTotalKeys,
  sumDayTotals,
  TOTAL_SK,
} from '../domain/aggregates';
import type { AddAllResult, AnalyticsStore, BatchAddOutcome } from '../ports/analytics-store';

/** Actions in one TransactWriteItems (API_TransactWriteItems.html). */
export const MAX_TRANSACTION_ITEMS = 100;

/**
 * Attempts of a transaction that concurrent invocations' transactions on the same counter items
 * cancel (TransactionConflict), before its records go back to Lambda.
 */
const CONFLICT_ATTEMPTS = 3;

/** BatchGetItem calls for one day's totals: about 3 s of backoff in all before the read fails. */
const DAY_TOTALS_READ_ATTEMPTS = 6;

/** Some of a day's total shards stayed unread (throttled); a partial sum would undercount the day. */
export class DayTotalsUnavailableError extends Error {
  constructor(
    readonly day: string,
    readonly unreadShards: number,
  ) {
    super(
      `${unreadShards} of the day total shards of ${day} stayed unprocessed after ${DAY_TOTALS_READ_ATTEMPTS} reads`,
    );
    this.name = 'DayTotalsUnavailableError';
  }
}

export class DynamoDbAnalyticsStore implements AnalyticsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async addAll(events: readonly CountedEvent[]): Promise<AddAllResult> {
    const outcomes: BatchAddOutcome[] = events.map(() => 'not-applied');
    // The first event of a marker stands for the batch's later ones: one item once per transaction.
    const firstOfMarker = new Map<string, number>();
    const standsFor = events.map((event, index) => {
      const id = itemId(event.marker);
      const first = firstOfMarker.get(id);
      if (first === undefined) firstOfMarker.set(id, index);
      return first ?? index;
    });
    let error: unknown;
    try {
      for (const transaction of transactionsOf([...firstOfMarker.values()], events)) {
        await this.write(transaction, events, outcomes);
      }
    } catch (cause) {
      error = cause;
    }
    return {
      outcomes: standsFor.map((first, index) =>
        first === index || outcomes[first] === 'not-applied' ? outcomes[first]! : 'already-counted',
      ),
      ...(error === undefined ? {} : { error }),
    };
  }

  /** Writes the events at `indexes` in one transaction, leaving out those whose marker exists. */
  private async write(
    indexes: readonly number[],
    events: readonly CountedEvent[],
    outcomes: BatchAddOutcome[],
  ): Promise<void> {
    let pending = indexes;
    let conflicts = 0;
    while (pending.length > 0) {
      const updatedAt = this.now().toISOString();
      const written = pending.map((index) => events[index]!);
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              // First, so the index of a cancellation reason is the index of its event in `pending`.
              ...written.map(({ marker }) => ({
                Put: {
                  TableName: this.tableName,
                  Item: { ...marker, countedAt: updatedAt },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              })),
              ...summed(written).map((increment) => ({ Update: this.updateOf(increment, updatedAt) })),
            ],
          }),
        );
        for (const index of pending) outcomes[index] = 'added';
        return;
      } catch (error) {
        const counted = countedBefore(error, pending.length);
        if (counted.size === 0 && isConflict(error) && ++conflicts < CONFLICT_ATTEMPTS) {
          // Another invocation's transaction on the same counters: it ends within milliseconds.
          await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * conflicts));
          continue;
        }
        // A throttle, a conflict that persists, ...: the events are retried with their records.
        if (counted.size === 0) throw error;
        for (const position of counted) outcomes[pending[position]!] = 'already-counted';
        pending = pending.filter((_, position) => !counted.has(position));
      }
    }
  }

  async readDayTotals(day: string): Promise<Record<string, number>> {
    const items: Record<string, unknown>[] = [];
    let keys: Record<string, unknown>[] = dayTotalKeys(day).map((pk) => ({ pk, sk: TOTAL_SK }));
    // BatchGetItem may answer part of the keys (UnprocessedKeys) under throttling: ask again for those,
    // backing off, and give up rather than return a total that misses a shard.
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt === DAY_TOTALS_READ_ATTEMPTS) throw new DayTotalsUnavailableError(day, keys.length);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      items.push(...(Responses?.[this.tableName] ?? []));
      keys = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
    return sumDayTotals(items);
  }

  private updateOf(increment: CounterIncrement, updatedAt: string) {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':updatedAt': updatedAt };
    const additions = Object.entries(increment.counters).map(([counter, amount], index) => {
      names[`#c${index}`] = counter;
      values[`:c${index}`] = amount;
      return `#c${index} :c${index}`;
    });
    return {
      TableName: this.tableName,
      Key: { pk: increment.pk, sk: increment.sk },
      UpdateExpression: `ADD ${additions.join(', ')} SET #updatedAt = :updatedAt`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    };
  }
}

function itemId(key: { readonly pk: string; readonly sk: string }): string {
  return `${key.pk}\u0000${key.sk}`;
}

/** The increments of some events, summed per counter item. */
function summed(events: readonly CountedEvent[]): CounterIncrement[] {
  const items = new Map<string, { pk: string; sk: string; counters: Record<string, number> }>();
  for (const { increments } of events) {
    for (const { pk, sk, counters } of increments) {
      const id = itemId({ pk, sk });
      const item = items.get(id) ?? { pk, sk, counters: {} };
      for (const [name, amount] of Object.entries(counters))
        item.counters[name] = (item.counters[name] ?? 0) + amount;
      items.set(id, item);
    }
  }
  return [...items.values()];
}

/**
 * The events at `indexes`, in order, cut into transactions of at most MAX_TRANSACTION_ITEMS
 * actions: one marker per event plus the distinct counter items of its events.
 */
function transactionsOf(indexes: readonly number[], events: readonly CountedEvent[]): number[][] {
  const transactions: number[][] = [];
  let current: number[] = [];
  let counterItems = new Set<string>();
  for (const index of indexes) {
    const items = events[index]!.increments.map(itemId);
    const joined = new Set([...counterItems, ...items]);
    if (current.length > 0 && current.length + 1 + joined.size > MAX_TRANSACTION_ITEMS) {
      transactions.push(current);
      current = [];
      counterItems = new Set(items);
    } else {
      counterItems = joined;
    }
    current.push(index);
  }
  if (current.length > 0) transactions.push(current);
  return transactions;
}

/** Positions among the first `markers` actions whose marker exists: the cancellation's ConditionalCheckFailed. */
function countedBefore(error: unknown, markers: number): Set<number> {
  const counted = new Set<number>();
  if (!(error instanceof TransactionCanceledException)) return counted;
  error.CancellationReasons?.slice(0, markers).forEach((reason, position) => {
    if (reason.Code === 'ConditionalCheckFailed') counted.add(position);
  });
  return counted;
}

/** A cancellation only because another transaction held one of the items. */
function isConflict(error: unknown): boolean {
  const codes = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
  return (
    codes.some((reason) => reason.Code === 'TransactionConflict') &&
    codes.every((reason) => reason.Code === 'TransactionConflict' || reason.Code === 'None')
  );
}
