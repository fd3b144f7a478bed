/**
 * A DynamoDB document client double for handler tests: in-memory tables that honour the
 * condition and update expressions the adapters use, and fail the way DynamoDB fails
 * (ConditionalCheckFailedException, TransactionCanceledException with CancellationReasons).
 * An unknown expression throws, so an adapter change cannot pass unnoticed.
 */
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;
type Values = Record<string, unknown>;

/** Errors the SDK would throw, with the same `name`. */
export function awsError(name: string, message = name, extra: Record<string, unknown> = {}): Error {
  const error = new Error(message);
  error.name = name;
  return Object.assign(error, extra);
}

const CONDITIONS: Record<
  string,
  (item: Item | undefined, values: Values, names: Record<string, string>) => boolean
> = {
  'attribute_not_exists(orderId)': (item) => item === undefined,
  'attribute_not_exists(pk)': (item) => item === undefined,
  'attribute_not_exists(id) OR messageId = :messageId': (item, v) =>
    item === undefined || item.messageId === v[':messageId'],
  'attribute_not_exists(id) OR (messageId = :messageId AND attribute_not_exists(sentAt))': (item, v) =>
    item === undefined || (item.messageId === v[':messageId'] && item.sentAt === undefined),
  'messageId = :messageId': (item, v) => item !== undefined && item.messageId === v[':messageId'],
  'attribute_exists(pk) AND available >= :quantity': (item, v) =>
    item !== undefined && Number(item.available) >= Number(v[':quantity']),
  '#status = :reserved': (item, v, n) => item?.[n['#status']!] === v[':reserved'],
};

const UPDATES: Record<string, (item: Item, values: Values, names: Record<string, string>) => Item> = {
  'SET available = available - :quantity': (item, v) => ({
    ...item,
    available: Number(item.available) - Number(v[':quantity']),
  }),
  'ADD available :quantity': (item, v) => ({
    ...item,
    available: Number(item.available ?? 0) + Number(v[':quantity']),
  }),
  'SET #status = :released, releasedAt = :at': (item, v, n) => ({
    ...item,
    [n['#status']!]: v[':released'],
    releasedAt: v[':at'],
  }),
  'SET sentAt = :sentAt': (item, v) => ({ ...item, sentAt: v[':sentAt'] }),
};

export class FakeDynamoDb {
  public readonly tables = new Map<string, Map<string, Item>>();
  public readonly commands: unknown[] = [];
  /** Fails the next commands with this error, e.g. a throttling error. */
  public failWith: Error | undefined;

  public constructor(private readonly keys: Readonly<Record<string, readonly string[]>>) {}

  public seed(table: string, items: readonly Item[]): void {
    for (const item of items) this.table(table).set(this.keyOf(table, item), structuredClone(item));
  }

  public item(table: string, key: Item): Item | undefined {
    return this.table(table).get(this.keyOf(table, key));
  }

  public items(table: string): Item[] {
    return [...this.table(table).values()];
  }

  public readonly send = async (command: unknown): Promise<unknown> => {
    this.commands.push(command);
    if (this.failWith) throw this.failWith;
    if (command instanceof PutCommand) {
      const {
        TableName,
        Item: item,
        ConditionExpression,
        ExpressionAttributeValues = {},
        ExpressionAttributeNames = {},
      } = command.input;
      const existing = this.item(TableName!, item!);
      if (
        ConditionExpression &&
        !this.check(ConditionExpression, existing, ExpressionAttributeValues, ExpressionAttributeNames)
      ) {
        throw awsError('ConditionalCheckFailedException', 'The conditional request failed');
      }
      this.table(TableName!).set(this.keyOf(TableName!, item!), structuredClone(item!));
      return {};
    }
    if (command instanceof GetCommand) {
      const item = this.item(command.input.TableName!, command.input.Key!);
      return { Item: item === undefined ? undefined : structuredClone(item) };
    }
    if (command instanceof BatchGetCommand) {
      const Responses: Record<string, Item[]> = {};
      for (const [table, request] of Object.entries(command.input.RequestItems ?? {})) {
        Responses[table] = (request.Keys ?? []).flatMap((key) => {
          const item = this.item(table, key);
          return item === undefined ? [] : [structuredClone(item)];
        });
      }
      return { Responses, UnprocessedKeys: {} };
    }
    if (command instanceof QueryCommand) {
      const { TableName, KeyConditionExpression, ExpressionAttributeValues: v = {} } = command.input;
      if (KeyConditionExpression !== 'orderId = :orderId AND begins_with(#entry, :prefix)') {
        throw new Error(`FakeDynamoDb: unsupported query ${KeyConditionExpression}`);
      }
      const matches = this.items(TableName!).filter(
        (item) => item.orderId === v[':orderId'] && String(item.entry).startsWith(String(v[':prefix'])),
      );
      return { Count: matches.length, Items: command.input.Select === 'COUNT' ? undefined : matches };
    }
    if (command instanceof UpdateCommand) {
      const {
        TableName,
        Key,
        UpdateExpression,
        ConditionExpression,
        ExpressionAttributeValues = {},
        ExpressionAttributeNames = {},
      } = command.input;
      const existing = this.item(TableName!, Key!);
      if (
        ConditionExpression &&
        !this.check(ConditionExpression, existing, ExpressionAttributeValues, ExpressionAttributeNames)
      ) {
        throw awsError('ConditionalCheckFailedException', 'The conditional request failed');
      }
      const update = UPDATES[UpdateExpression!];
      if (!update) throw new Error(`FakeDynamoDb: unsupported update ${UpdateExpression}`);
      this.table(TableName!).set(
        this.keyOf(TableName!, Key!),
        update(existing ?? { ...Key }, ExpressionAttributeValues, ExpressionAttributeNames),
      );
      return {};
    }
    if (command instanceof TransactWriteCommand) {
      return this.transact(command);
    }
    throw new Error(`FakeDynamoDb: unsupported command ${(command as object).constructor.name}`);
  };

  private transact(command: TransactWriteCommand): unknown {
    const actions = command.input.TransactItems ?? [];
    const reasons = actions.map((action) => {
      if (action.Put) {
        const existing = this.item(action.Put.TableName!, action.Put.Item!);
        const ok =
          !action.Put.ConditionExpression || this.check(action.Put.ConditionExpression, existing, {}, {});
        return { Code: ok ? 'None' : 'ConditionalCheckFailed' };
      }
      if (action.Update) {
        const {
          TableName,
          Key,
          ConditionExpression,
          ExpressionAttributeValues = {},
          ExpressionAttributeNames = {},
        } = action.Update;
        const existing = this.item(TableName!, Key!);
        const ok =
          !ConditionExpression ||
          this.check(ConditionExpression, existing, ExpressionAttributeValues, ExpressionAttributeNames);
        return { Code: ok ? 'None' : 'ConditionalCheckFailed' };
      }
      if (action.ConditionCheck) {
        const { TableName, Key, ConditionExpression } = action.ConditionCheck;
        const ok = this.check(ConditionExpression!, this.item(TableName!, Key!), {}, {});
        return { Code: ok ? 'None' : 'ConditionalCheckFailed' };
      }
      throw new Error('FakeDynamoDb: unsupported transaction action');
    });
    if (reasons.some((reason) => reason.Code !== 'None')) {
      throw awsError('TransactionCanceledException', 'Transaction cancelled', {
        CancellationReasons: reasons,
      });
    }
    for (const action of actions) {
      if (action.Put) {
        this.table(action.Put.TableName!).set(
          this.keyOf(action.Put.TableName!, action.Put.Item!),
          structuredClone(action.Put.Item!),
        );
      } else if (action.Update) {
        const {
          TableName,
          Key,
          UpdateExpression,
          ExpressionAttributeValues = {},
          ExpressionAttributeNames = {},
        } = action.Update;
        const update = UPDATES[UpdateExpression!];
        if (!update) throw new Error(`FakeDynamoDb: unsupported update ${UpdateExpression}`);
        const existing = this.item(TableName!, Key!) ?? { ...Key };
        this.table(TableName!).set(
          this.keyOf(TableName!, Key!),
          update(existing, ExpressionAttributeValues, ExpressionAttributeNames),
        );
      }
    }
    return {};
  }

  private check(
    expression: string,
    item: Item | undefined,
    values: Values,
    names: Record<string, string>,
  ): boolean {
    const condition = CONDITIONS[expression];
    if (!condition) throw new Error(`FakeDynamoDb: unsupported condition ${expression}`);
    return condition(item, values, names);
  }

  private table(name: string): Map<string, Item> {
    let table = this.tables.get(name);
    if (!table) {
      table = new Map();
      this.tables.set(name, table);
    }
    return table;
  }

  private keyOf(table: string, item: Item): string {
    const names = this.keys[table];
    if (!names) throw new Error(`FakeDynamoDb: unknown table ${table}`);
    return JSON.stringify(names.map((name) => item[name]));
  }
}
