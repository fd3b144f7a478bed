/**
 * Consumed-capacity accounting: the read and write request units DynamoDB would charge for each
 * request, per table, per global secondary index and per partition-key value. Plain counters
 * updated in the request's synchronous turn; nothing is copied.
 *
 * Rules (on-demand RRU / WRU are sized like provisioned RCU / WCU):
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html
 *
 * TTL deletions are free, so the sweeper commits without going through this meter:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 */
import type { Table } from './table';
import { type Item, itemSize, keyText } from './values';

/** Writes are charged per 1 KB of item size, rounded up (read-write-operations.html#write-operation-consumption). */
const WRITE_UNIT_BYTES = 1024;
/** Reads are charged per 4 KB, rounded up (read-write-operations.html#read-operation-consumption). */
const READ_UNIT_BYTES = 4096;
/**
 * Transactional reads and writes cost two units per unit of size: DynamoDB performs two underlying
 * operations (prepare and commit) per item.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling
 */
export const TRANSACTIONAL = 2;

/** An eventually consistent read costs half a strongly consistent one (read-write-operations.html). */
export function readFactor(consistent: boolean): number {
  return consistent ? 1 : 0.5;
}

/** Units for reading `bytes`; a read that finds nothing still costs the minimum of one 4 KB block. */
export function readUnitsFor(bytes: number, factor: number): number {
  return Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES)) * factor;
}

/** Units for writing an item of `bytes`; every write costs at least 1 WRU. */
export function writeUnitsFor(bytes: number, factor = 1): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES)) * factor;
}

interface Units {
  readUnits: number;
  writeUnits: number;
}

/**
 * An item's units, and how many reads and writes touched it: an item that nearly every order
 * writes is a shared counter, capped by its partition, whatever its units.
 */
interface KeyUsage extends Units {
  reads: number;
  writes: number;
}

interface TableUsage extends Units {
  readonly requests: Map<string, number>;
  readonly indexes: Map<string, Units>;
  readonly keys: Map<string, KeyUsage>;
}

function keyUsageOf(map: Map<string, KeyUsage>, key: string): KeyUsage {
  let usage = map.get(key);
  if (usage === undefined) {
    usage = { readUnits: 0, writeUnits: 0, reads: 0, writes: 0 };
    map.set(key, usage);
  }
  return usage;
}

function unitsOf(map: Map<string, Units>, name: string): Units {
  let units = map.get(name);
  if (units === undefined) {
    units = { readUnits: 0, writeUnits: 0 };
    map.set(name, units);
  }
  return units;
}

export class CapacityMeter {
  private tables = new Map<string, TableUsage>();
  private since = new Date();

  public reset(): void {
    this.tables = new Map();
    this.since = new Date();
  }

  private usage(table: string): TableUsage {
    let usage = this.tables.get(table);
    if (usage === undefined) {
      usage = { readUnits: 0, writeUnits: 0, requests: new Map(), indexes: new Map(), keys: new Map() };
      this.tables.set(table, usage);
    }
    return usage;
  }

  /** Counts one request of `operation` that touched `table` (a batch counts once per table). */
  public request(table: string, operation: string): void {
    const requests = this.usage(table).requests;
    requests.set(operation, (requests.get(operation) ?? 0) + 1);
  }

  /** Base-table read units, attributed to the partition key value when one is known. */
  public read(table: Table, partitionKey: Item | undefined, units: number): void {
    const usage = this.usage(table.name);
    usage.readUnits += units;
    if (partitionKey === undefined) return;
    const key = keyUsageOf(usage.keys, this.keyOf(table, partitionKey));
    key.readUnits += units;
    key.reads += 1;
  }

  /** Read units of a Query or Scan on a global secondary index: charged to the index only. */
  public readIndex(table: string, index: string, units: number): void {
    unitsOf(this.usage(table).indexes, index).readUnits += units;
  }

  /**
   * A write of the item `key` that changed it from `old` to `next` (undefined: absent).
   *
   * - PutItem and UpdateItem: the larger of the before and after images; DeleteItem: the deleted
   *   item (read-write-operations.html#write-operation-consumption). An absent item costs the minimum 1.
   * - A failed ConditionExpression passes `next === old`: the existing item's size, minimum 1
   *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
   * - Global secondary indexes: each index the item enters, changes in or leaves costs the projected
   *   size per 1 KB; a changed index key is a delete of the old entry plus a put of the new one
   *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes).
   *   A failed condition writes nothing to an index.
   */
  public write(
    table: Table,
    key: Item,
    old: Item | undefined,
    next: Item | undefined,
    factor = 1,
    conditionFailed = false,
  ): number {
    const usage = this.usage(table.name);
    const units = writeUnitsFor(Math.max(old ? itemSize(old) : 0, next ? itemSize(next) : 0), factor);
    usage.writeUnits += units;
    const keyUsage = keyUsageOf(usage.keys, this.keyOf(table, key));
    keyUsage.writeUnits += units;
    keyUsage.writes += 1;
    if (conditionFailed) return units;
    for (const index of table.definition.indexes) {
      if (!index.global) continue;
      const sorted = table.index(index.name);
      const before = old !== undefined && inIndex(old, index.key) ? itemSize(sorted.projected(old)) : -1;
      const after = next !== undefined && inIndex(next, index.key) ? itemSize(sorted.projected(next)) : -1;
      let indexUnits = 0;
      if (before >= 0 && after >= 0 && sameIndexKey(old!, next!, index.key)) {
        indexUnits = writeUnitsFor(Math.max(before, after), factor);
      } else {
        if (before >= 0) indexUnits += writeUnitsFor(before, factor);
        if (after >= 0) indexUnits += writeUnitsFor(after, factor);
      }
      if (indexUnits > 0) unitsOf(usage.indexes, index.name).writeUnits += indexUnits;
    }
    return units;
  }

  /** The partition key value as text: S as is, N as its canonical text, B as base64. */
  private keyOf(table: Table, item: Item): string {
    return keyText(item[table.definition.key.hash.name]!);
  }

  public report(): Record<string, unknown> {
    const tables: Record<string, unknown> = {};
    for (const [name, usage] of this.tables) {
      tables[name] = {
        readUnits: usage.readUnits,
        writeUnits: usage.writeUnits,
        requests: Object.fromEntries(usage.requests),
        indexes: Object.fromEntries(usage.indexes),
        keys: Object.fromEntries(usage.keys),
      };
    }
    return { since: this.since.toISOString(), tables };
  }
}

type IndexKey = Table['definition']['indexes'][number]['key'];

/** A sparse index holds only the items that carry its key attributes. */
function inIndex(item: Item, key: IndexKey): boolean {
  return item[key.hash.name] !== undefined && (key.range === undefined || item[key.range.name] !== undefined);
}

function sameIndexKey(a: Item, b: Item, key: IndexKey): boolean {
  const same = (name: string) => keyText(a[name]!) === keyText(b[name]!);
  return same(key.hash.name) && (key.range === undefined || same(key.range.name));
}
