/**
 * One table's items: a Map from primary key to item, so reads and writes cost the same at any
 * table size, and, per partition key, an array kept sorted by sort key for the table and for each
 * secondary index, which Query seeks with binary search and Scan walks partition by partition.
 */
import { ValidationError } from './errors';
import { beginsWith } from './expressions/evaluator';
import type { RangeCondition } from './expressions/key-condition';
import {
  type AttributeValue,
  checkAttributes,
  compareOrdered,
  type Item,
  itemSize,
  type KeyType,
  keyText,
  MAX_ITEM_BYTES,
  typeOf,
} from './values';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyType;
}

export interface KeySchema {
  readonly hash: KeyAttribute;
  readonly range?: KeyAttribute;
}

export interface Throughput {
  readonly read: number;
  readonly write: number;
}

export type ProjectionType = 'ALL' | 'KEYS_ONLY' | 'INCLUDE';

export interface IndexDefinition {
  readonly name: string;
  readonly global: boolean;
  readonly key: KeySchema;
  readonly projection: { readonly type: ProjectionType; readonly nonKeyAttributes: readonly string[] };
  readonly throughput?: Throughput;
}

/** What CreateTable defined; the journal stores it and DescribeTable reports it. */
export interface TableDefinition {
  readonly name: string;
  readonly id: string;
  /** Epoch seconds. */
  readonly createdAt: number;
  readonly key: KeySchema;
  readonly attributes: readonly KeyAttribute[];
  readonly indexes: readonly IndexDefinition[];
  readonly billingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
  readonly throughput?: Throughput;
  readonly streamViewType?: string;
}

/** DynamoDB's limits on key values: 2048 bytes for a partition key, 1024 for a sort key. */
const MAX_HASH_KEY_BYTES = 2048;
const MAX_RANGE_KEY_BYTES = 1024;

/** First index in [0, count) for which `test` holds; `test` must be false then true. */
function lowerBound(count: number, test: (index: number) => boolean): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (test(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** FNV-1a: spreads partitions over the segments of a parallel Scan. */
function segmentOf(text: string, totalSegments: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return (hash >>> 0) % totalSegments;
}

export interface ScanSegment {
  readonly segment: number;
  readonly total: number;
}

/**
 * Items ordered by one key schema: partitions by partition key, each sorted by sort key and then,
 * for a secondary index, by the table's key (so equal index keys come back in table key order).
 * Sparse: an item without the index's key attributes is not in it.
 */
export class SortedIndex {
  private readonly partitions = new Map<string, Item[]>();
  /** Partition keys in scan order; rebuilt after a partition appears or disappears. */
  private scanOrder: string[] | undefined;

  public constructor(
    public readonly key: KeySchema,
    private readonly tableKey: KeySchema,
    public readonly definition?: IndexDefinition,
  ) {}

  public add(item: Item): void {
    if (!this.covers(item)) return;
    const partition = keyText(item[this.key.hash.name]!);
    let entries = this.partitions.get(partition);
    if (entries === undefined) {
      entries = [];
      this.partitions.set(partition, entries);
      this.scanOrder = undefined;
    }
    entries.splice(
      lowerBound(entries.length, (index) => this.compare(entries[index]!, item) >= 0),
      0,
      item,
    );
  }

  public remove(item: Item): void {
    if (!this.covers(item)) return;
    const partition = keyText(item[this.key.hash.name]!);
    const entries = this.partitions.get(partition);
    if (entries === undefined) return;
    const position = lowerBound(entries.length, (index) => this.compare(entries[index]!, item) >= 0);
    if (position < entries.length && this.compare(entries[position]!, item) === 0)
      entries.splice(position, 1);
    if (entries.length === 0) {
      this.partitions.delete(partition);
      this.scanOrder = undefined;
    }
  }

  /** Items of one partition that satisfy the sort key condition, in order, after `after` if given. */
  public *query(
    hash: AttributeValue,
    range: RangeCondition | undefined,
    forward: boolean,
    after?: Item,
  ): Generator<Item> {
    const entries = this.partitions.get(keyText(hash));
    if (entries === undefined) return;
    let [low, high] = this.bounds(entries, range);
    if (after !== undefined) {
      if (forward)
        low = Math.max(
          low,
          lowerBound(entries.length, (i) => this.compare(entries[i]!, after) > 0),
        );
      else
        high = Math.min(
          high,
          lowerBound(entries.length, (i) => this.compare(entries[i]!, after) >= 0),
        );
    }
    if (forward) for (let index = low; index < high; index += 1) yield entries[index]!;
    else for (let index = high - 1; index >= low; index -= 1) yield entries[index]!;
  }

  /** Every item, partition by partition, resuming after `after`; one segment of a parallel Scan. */
  public *scan(after?: Item, segment?: ScanSegment): Generator<Item> {
    this.scanOrder ??= [...this.partitions.keys()].sort();
    const order = this.scanOrder;
    let start = 0;
    if (after !== undefined) {
      const partition = keyText(after[this.key.hash.name]!);
      start = lowerBound(order.length, (index) => order[index]! >= partition);
      if (order[start] === partition) {
        yield* this.query(after[this.key.hash.name]!, undefined, true, after);
        start += 1;
      }
    }
    for (let index = start; index < order.length; index += 1) {
      if (segment === undefined || segmentOf(order[index]!, segment.total) === segment.segment) {
        yield* this.partitions.get(order[index]!)!;
      }
    }
  }

  /** The key a page ends on: the table's key plus this index's key attributes. */
  public startKeyOf(item: Item): Item {
    const key: Record<string, AttributeValue> = {};
    for (const { name } of this.attributes()) key[name] = item[name]!;
    return key;
  }

  /** The key attributes a start key must carry, in no particular order. */
  public attributes(): KeyAttribute[] {
    const all = [this.tableKey.hash, this.tableKey.range, this.key.hash, this.key.range];
    return all.filter(
      (attribute, index): attribute is KeyAttribute =>
        attribute !== undefined && all.findIndex((other) => other?.name === attribute.name) === index,
    );
  }

  /** What a read through this index sees of the item (its Projection). */
  public projected(item: Item): Item {
    const projection = this.definition?.projection;
    if (projection === undefined || projection.type === 'ALL') return item;
    const visible: Record<string, AttributeValue> = {};
    for (const name of [
      ...this.attributes().map((attribute) => attribute.name),
      ...projection.nonKeyAttributes,
    ]) {
      if (item[name] !== undefined) visible[name] = item[name]!;
    }
    return visible;
  }

  private covers(item: Item): boolean {
    return (
      item[this.key.hash.name] !== undefined && (!this.key.range || item[this.key.range.name] !== undefined)
    );
  }

  private compare(a: Item, b: Item): number {
    const range = this.key.range?.name;
    const byRange = range === undefined ? 0 : compareOrdered(a[range]!, b[range]!)!;
    if (byRange !== 0 || this.definition === undefined) return byRange;
    const byHash = compareOrdered(a[this.tableKey.hash.name]!, b[this.tableKey.hash.name]!)!;
    const tableRange = this.tableKey.range?.name;
    return byHash !== 0 || tableRange === undefined
      ? byHash
      : compareOrdered(a[tableRange]!, b[tableRange]!)!;
  }

  private bounds(entries: readonly Item[], range: RangeCondition | undefined): [number, number] {
    const name = this.key.range?.name;
    if (range === undefined || name === undefined) return [0, entries.length];
    const from = (value: AttributeValue, strict: boolean) =>
      lowerBound(entries.length, (index) => {
        const order = compareOrdered(entries[index]![name]!, value)!;
        return strict ? order > 0 : order >= 0;
      });
    switch (range.op) {
      case '=':
        return [from(range.value, false), from(range.value, true)];
      case '<':
        return [0, from(range.value, false)];
      case '<=':
        return [0, from(range.value, true)];
      case '>':
        return [from(range.value, true), entries.length];
      case '>=':
        return [from(range.value, false), entries.length];
      case 'between':
        return [from(range.low, false), from(range.high, true)];
      case 'begins_with': {
        const low = from(range.prefix, false);
        let high = low;
        while (high < entries.length && beginsWith(entries[high]![name]!, range.prefix)) high += 1;
        return [low, high];
      }
    }
  }
}

export class Table {
  private readonly items = new Map<string, Item>();
  public readonly primary: SortedIndex;
  private readonly indexes = new Map<string, SortedIndex>();
  public timeToLiveAttribute: string | undefined;

  public constructor(public readonly definition: TableDefinition) {
    this.primary = new SortedIndex(definition.key, definition.key);
    for (const index of definition.indexes) {
      this.indexes.set(index.name, new SortedIndex(index.key, definition.key, index));
    }
  }

  public get name(): string {
    return this.definition.name;
  }

  public get itemCount(): number {
    return this.items.size;
  }

  public get(key: Item): Item | undefined {
    return this.items.get(this.keyId(key));
  }

  /** Stores the item (replacing the one with its key) and updates every index. */
  public put(item: Item): void {
    const id = this.keyId(item);
    this.unindex(this.items.get(id));
    this.items.set(id, item);
    this.primary.add(item);
    for (const index of this.indexes.values()) index.add(item);
  }

  public delete(key: Item): void {
    const id = this.keyId(key);
    this.unindex(this.items.get(id));
    this.items.delete(id);
  }

  public all(): IterableIterator<Item> {
    return this.items.values();
  }

  public index(name: string): SortedIndex {
    const index = this.indexes.get(name);
    if (index === undefined)
      throw new ValidationError(`The table does not have the specified index: ${name}`);
    return index;
  }

  /** One string per primary key, unambiguous (the partition key's length prefixes it). */
  public keyId(item: Item): string {
    const hash = keyText(item[this.definition.key.hash.name]!);
    const range = this.definition.key.range;
    return range === undefined ? hash : `${hash.length}:${hash}${keyText(item[range.name]!)}`;
  }

  public keyOf(item: Item): Item {
    return this.primary.startKeyOf(item);
  }

  /** A `Key` parameter: exactly the table's key attributes, of their types, not empty. */
  public checkKey(raw: unknown): Item {
    const key = checkAttributes(raw);
    const { hash, range } = this.definition.key;
    const names = Object.keys(key);
    const matches =
      names.length === (range ? 2 : 1) &&
      [hash, range].every(
        (attribute) =>
          attribute === undefined ||
          (key[attribute.name] !== undefined && typeOf(key[attribute.name]!) === attribute.type),
      );
    if (!matches) throw new ValidationError('The provided key element does not match the schema');
    this.checkKeyValues(key);
    return key;
  }

  /** An item about to be stored: its key, the types of index keys it carries, and its size. */
  public checkItem(item: Item): void {
    for (const attribute of [this.definition.key.hash, this.definition.key.range]) {
      if (attribute === undefined) continue;
      const value = item[attribute.name];
      if (value === undefined) {
        throw new ValidationError(
          `One or more parameter values were invalid: Missing the key ${attribute.name} in the item`,
        );
      }
      if (typeOf(value) !== attribute.type) {
        throw new ValidationError(
          `One or more parameter values were invalid: Type mismatch for key ${attribute.name} expected: ${attribute.type} actual: ${typeOf(value)}`,
        );
      }
    }
    this.checkKeyValues(item);
    for (const index of this.definition.indexes) {
      for (const attribute of [index.key.hash, index.key.range]) {
        const value = attribute === undefined ? undefined : item[attribute.name];
        if (attribute === undefined || value === undefined) continue;
        if (typeOf(value) !== attribute.type) {
          throw new ValidationError(
            `One or more parameter values were invalid: Type mismatch for Index Key ${attribute.name} Expected: ${attribute.type} Actual: ${typeOf(value)} IndexName: ${index.name}`,
          );
        }
        if (keyText(value) === '') {
          throw new ValidationError(
            `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${attribute.type === 'S' ? 'string' : 'binary'} value. IndexName: ${index.name}, IndexKey: ${attribute.name}`,
          );
        }
      }
    }
    if (itemSize(item) > MAX_ITEM_BYTES)
      throw new ValidationError('Item size has exceeded the maximum allowed size');
  }

  private checkKeyValues(item: Item): void {
    const { hash, range } = this.definition.key;
    for (const [attribute, limit] of [
      [hash, MAX_HASH_KEY_BYTES],
      [range, MAX_RANGE_KEY_BYTES],
    ] as const) {
      if (attribute === undefined) continue;
      const text = keyText(item[attribute.name]!);
      if (text === '') {
        throw new ValidationError(
          `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${attribute.type === 'S' ? 'string' : 'binary'} value. Key: ${attribute.name}`,
        );
      }
      const bytes = attribute.type === 'B' ? Buffer.byteLength(text, 'base64') : Buffer.byteLength(text);
      if (bytes > limit) {
        throw new ValidationError(
          attribute === hash
            ? `One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of ${limit} bytes`
            : `One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of ${limit} bytes`,
        );
      }
    }
  }

  private unindex(item: Item | undefined): void {
    if (item === undefined) return;
    this.primary.remove(item);
    for (const index of this.indexes.values()) index.remove(item);
  }
}
