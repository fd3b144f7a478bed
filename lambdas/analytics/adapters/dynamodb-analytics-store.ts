/**
 * Aggregates in the analytics table: the event's marker put (attribute_not_exists) and one `ADD`
 * update per counter item, all in one TransactWriteItems. An order has at most 50 lines, so an
 * event touches at most 52 items - below the limit of 100. A day's totals are read back as its
 * shard items in one strongly consistent BatchGetItem, summed.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  type CountedMarker,
  type CounterIncrement,
  dayTotalKeys,
  sumDayTotals,
  TOTAL_SK,
} from '../domain/aggregates';
import type { AddOutcome, AnalyticsStore } from '../ports/analytics-store';

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

  async add(increments: readonly CounterIncrement[], marker: CountedMarker): Promise<AddOutcome> {
    const updatedAt = this.now().toISOString();
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            // First, so its cancellation reason is the first one.
            {
              Put: {
                TableName: this.tableName,
                Item: { ...marker, countedAt: updatedAt },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...increments.map((increment) => ({ Update: this.updateOf(increment, updatedAt) })),
          ],
        }),
      );
      return 'added';
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return 'already-counted';
      }
      // A conflicting concurrent transaction or a throttle: the record is retried.
      throw error;
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
