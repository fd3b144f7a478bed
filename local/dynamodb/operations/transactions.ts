/**
 * BatchWriteItem and TransactWriteItems. Both are one journal record, so they are applied whole or
 * not at all; a transaction also checks every condition before anything is written, and cancels
 * with one reason per action, in order, when any fails.
 */
import { hash } from 'node:crypto';
import { TRANSACTIONAL } from '../capacity';
import type { Change } from '../database';
import {
  type CancellationReason,
  ConditionalCheckFailedError,
  IdempotentParameterMismatchError,
  SerializationError,
  TransactionCanceledError,
  ValidationError,
} from '../errors';
import { checkAttributes, itemSize } from '../values';
import {
  asInput,
  type Input,
  type OperationContext,
  optionalString,
  requiredList,
  requiredValue,
} from './input';
import { changeOf, checkCondition, prepareWrite, resultOf, type WriteKind } from './writes';

const MAX_BATCH_WRITES = 25;
const MAX_TRANSACT_ITEMS = 100;
/**
 * "The aggregate size of the items in the transaction cannot exceed 4 MB" (API_TransactWriteItems.html).
 * Counted as the items of its Puts plus the keys of its other actions, the request's own data.
 */
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
const WRITE_KINDS: readonly WriteKind[] = ['Put', 'Update', 'Delete', 'ConditionCheck'];
/** DynamoDB remembers a ClientRequestToken for 10 minutes. */
const TOKEN_LIFETIME_MS = 10 * 60 * 1000;
/** The SDK sends a token with every transaction; beyond this many the oldest are forgotten early. */
const MAX_TOKENS = 250_000;

/** ClientRequestTokens of applied transactions: a retry within 10 minutes is answered, not applied again. */
export class TransactionTokens {
  private readonly applied = new Map<string, { readonly fingerprint: string; readonly at: number }>();

  public constructor(private readonly now: () => number = Date.now) {}

  public alreadyApplied(token: string, fingerprint: string): boolean {
    const expired = this.now() - TOKEN_LIFETIME_MS;
    // Map order is insertion order: the oldest tokens are first.
    for (const [seen, { at }] of this.applied) {
      if (at > expired && this.applied.size <= MAX_TOKENS) break;
      this.applied.delete(seen);
    }
    const applied = this.applied.get(token);
    if (applied !== undefined && applied.fingerprint !== fingerprint)
      throw new IdempotentParameterMismatchError(token);
    return applied !== undefined;
  }

  public remember(token: string, fingerprint: string): void {
    this.applied.set(token, { fingerprint, at: this.now() });
  }
}

export function batchWriteItem({ db, capacity }: OperationContext, input: Input): Record<string, unknown> {
  const requests = Object.entries(asInput(requiredValue(input, 'RequestItems'), 'RequestItems')).map(
    ([name, raw]) => {
      if (!Array.isArray(raw)) throw new SerializationError(`The write requests of ${name} must be a list`);
      return [name, raw as unknown[]] as const;
    },
  );
  const total = requests.reduce((sum, [, writes]) => sum + writes.length, 0);
  if (
    requests.length === 0 ||
    total > MAX_BATCH_WRITES ||
    requests.some(([, writes]) => writes.length === 0)
  ) {
    throw new ValidationError(
      `1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to ${MAX_BATCH_WRITES}, Member must have length greater than or equal to 1]`,
    );
  }
  const changes: Change[] = [];
  // Each put or delete of a batch costs what the same PutItem or DeleteItem would.
  const metered: Array<() => void> = [];
  for (const [name, writes] of requests) {
    const table = db.table(name);
    metered.push(() => capacity.request(name, 'BatchWriteItem'));
    const keys = new Set<string>();
    for (const raw of writes) {
      const request = asInput(raw, 'WriteRequest');
      const put = request.PutRequest;
      const remove = request.DeleteRequest;
      if ((put === undefined) === (remove === undefined)) {
        throw new ValidationError('A WriteRequest must contain exactly one of PutRequest or DeleteRequest');
      }
      let change: Change;
      if (put !== undefined) {
        const item = checkAttributes(requiredValue(asInput(put, 'PutRequest'), 'Item'));
        table.checkItem(item);
        change = { table: name, put: item };
      } else {
        change = {
          table: name,
          delete: table.checkKey(requiredValue(asInput(remove, 'DeleteRequest'), 'Key')),
        };
      }
      const id = table.keyId('put' in change ? change.put : change.delete);
      if (keys.has(id)) throw new ValidationError('Provided list of item keys contains duplicates');
      keys.add(id);
      const key = 'put' in change ? table.keyOf(change.put) : change.delete;
      const old = table.get(key);
      const next = 'put' in change ? change.put : undefined;
      metered.push(() => capacity.write(table, key, old, next));
      if ('put' in change || old !== undefined) changes.push(change);
    }
  }
  if (changes.length > 0) db.commit({ writes: changes });
  for (const meter of metered) meter();
  return { UnprocessedItems: {} };
}

export function transactWriteItems(
  { db, tokens, capacity }: OperationContext,
  input: Input,
): Record<string, unknown> {
  const actions = requiredList(input, 'TransactItems', 1, MAX_TRANSACT_ITEMS);
  const token = optionalString(input, 'ClientRequestToken');
  const fingerprint = token === undefined ? '' : hash('sha1', JSON.stringify(actions), 'base64');
  if (token !== undefined && tokens.alreadyApplied(token, fingerprint)) return {};

  const writes = actions.map((raw) => {
    const action = asInput(raw, 'TransactWriteItem');
    const kinds = WRITE_KINDS.filter((kind) => action[kind] !== undefined && action[kind] !== null);
    if (kinds.length !== 1) {
      throw new ValidationError('TransactItems can only contain one of Check, Put, Update or Delete');
    }
    return prepareWrite(db, kinds[0]!, asInput(action[kinds[0]!], kinds[0]!));
  });
  const items = new Set(writes.map((write) => `${write.table.name}\u0000${write.table.keyId(write.key)}`));
  if (items.size !== writes.length) {
    throw new ValidationError('Transaction request cannot include multiple operations on one item');
  }
  const bytes = writes.reduce((sum, write) => sum + itemSize(write.item ?? write.key), 0);
  if (bytes > MAX_TRANSACTION_BYTES) {
    throw new ValidationError(
      `Transaction request cannot be larger than 4 MB: its items are ${bytes} bytes, at most ${MAX_TRANSACTION_BYTES}`,
    );
  }

  // Every condition and update is evaluated against the state before the transaction.
  const changes: Change[] = [];
  const metered: Array<() => void> = [];
  const reasons = writes.map((write): CancellationReason => {
    const old = write.table.get(write.key);
    try {
      checkCondition(write, old);
      const next = resultOf(write, old);
      const change = changeOf(write, old, next);
      if (change !== undefined) changes.push(change);
      // A ConditionCheck is charged as a transactional write of the checked item, index writes excluded.
      metered.push(() =>
        write.kind === 'ConditionCheck'
          ? capacity.write(write.table, write.key, old, old, TRANSACTIONAL, true)
          : capacity.write(write.table, write.key, old, next, TRANSACTIONAL),
      );
      return { Code: 'None' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedError) {
        return {
          Code: 'ConditionalCheckFailed',
          Message: error.message,
          ...(error.item ? { Item: error.item } : {}),
        };
      }
      if (error instanceof ValidationError) return { Code: 'ValidationError', Message: error.message };
      throw error;
    }
  });
  if (reasons.some((reason) => reason.Code !== 'None')) throw new TransactionCanceledError(reasons);
  if (changes.length > 0) db.commit({ writes: changes });
  for (const name of new Set(writes.map((write) => write.table.name)))
    capacity.request(name, 'TransactWriteItems');
  for (const meter of metered) meter();
  if (token !== undefined) tokens.remember(token, fingerprint);
  return {};
}
