/**
 * The shared database (one for every client, credentials and region, like DynamoDB Local's
 * -sharedDb). Every effective change is one record: written to the journal first, then applied, in
 * the same synchronous turn of the event loop, so a record is either wholly durable and visible or
 * neither, and concurrent requests are serialized.
 */
import { ResourceNotFoundError } from './errors';
import { Table, type TableDefinition } from './table';
import type { Item } from './values';

export type Change =
  | { readonly table: string; readonly put: Item }
  | { readonly table: string; readonly delete: Item };

export type JournalRecord =
  | { readonly createTable: TableDefinition }
  | { readonly deleteTable: string }
  | { readonly timeToLive: { readonly table: string; readonly attribute: string | null } }
  | { readonly writes: readonly Change[] };

/** Where records become durable (the journal); absent in memory-only mode. */
export interface RecordSink {
  append(record: JournalRecord): void;
  /** Called after a record was applied: the moment a snapshot may be taken. */
  compactIfDue(): void;
}

/** DynamoDB ignores TTL values more than five years in the past. */
const TTL_HORIZON_SECONDS = 5 * 365 * 24 * 60 * 60;
/** Items per record in a snapshot. */
const SNAPSHOT_BATCH = 100;

export class Database {
  private readonly tables = new Map<string, Table>();
  private sink: RecordSink | undefined;

  public attach(sink: RecordSink): void {
    this.sink = sink;
  }

  public table(name: string): Table {
    const table = this.tables.get(name);
    if (table === undefined) throw new ResourceNotFoundError(name);
    return table;
  }

  public hasTable(name: string): boolean {
    return this.tables.has(name);
  }

  public tableNames(): string[] {
    return [...this.tables.keys()].sort();
  }

  /** Makes the change durable, then visible. */
  public commit(record: JournalRecord): void {
    this.sink?.append(record);
    this.apply(record);
    this.sink?.compactIfDue();
  }

  /**
   * Applies a record, live or replayed. Replaying a journal again over a state that already holds
   * it gives the same state: a createTable record starts the table afresh, writes are last-wins.
   */
  public apply(record: JournalRecord): void {
    if ('createTable' in record) {
      this.tables.set(record.createTable.name, new Table(record.createTable));
    } else if ('deleteTable' in record) {
      this.tables.delete(record.deleteTable);
    } else if ('timeToLive' in record) {
      this.table(record.timeToLive.table).timeToLiveAttribute = record.timeToLive.attribute ?? undefined;
    } else {
      for (const change of record.writes) {
        const table = this.table(change.table);
        if ('put' in change) table.put(change.put);
        else table.delete(change.delete);
      }
    }
  }

  /** The whole state as records, for a snapshot. */
  public *dump(): Generator<JournalRecord> {
    for (const table of this.tables.values()) {
      yield { createTable: table.definition };
      if (table.timeToLiveAttribute !== undefined) {
        yield { timeToLive: { table: table.name, attribute: table.timeToLiveAttribute } };
      }
      let batch: Change[] = [];
      for (const item of table.all()) {
        batch.push({ table: table.name, put: item });
        if (batch.length === SNAPSHOT_BATCH) {
          yield { writes: batch };
          batch = [];
        }
      }
      if (batch.length > 0) yield { writes: batch };
    }
  }

  /**
   * Deletes the items whose TTL attribute (a Number, epoch seconds) has passed. DynamoDB does this
   * within days and may return expired items until then; here it happens on every sweep.
   */
  public sweepExpired(nowSeconds: number): number {
    let deleted = 0;
    for (const table of this.tables.values()) {
      const attribute = table.timeToLiveAttribute;
      if (attribute === undefined) continue;
      const expired: Change[] = [];
      for (const item of table.all()) {
        const value = item[attribute];
        if (value === undefined || !('N' in value)) continue;
        const expiresAt = Number(value.N);
        if (expiresAt <= nowSeconds && expiresAt > nowSeconds - TTL_HORIZON_SECONDS) {
          expired.push({ table: table.name, delete: table.keyOf(item) });
        }
      }
      if (expired.length > 0) this.commit({ writes: expired });
      deleted += expired.length;
    }
    return deleted;
  }
}
